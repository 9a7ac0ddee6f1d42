/**
 * Declaring one config key (the config DSL's builders, see config-def.ts): `key.int({ doc, default,
 * validators })` and its siblings return a valibot schema from the raw string to the typed value,
 * parsing as Apache Kafka's `ConfigDef.parseType` does (strings trimmed as Java trims, booleans
 * case-insensitive `true`/`false` and nothing else, lists split on commas, passwords hidden), with
 * the Connect metadata (`ConnectKeyMeta`) and the doc riding on the schema.
 */
import * as v from "valibot";
import { javaParseDouble } from "../api/data/java-floating.ts";
import { javaTrim } from "../api/data/java-text.ts";
import { LONG_MAX, LONG_MIN } from "../api/data/values-numbers.ts";
import { ConfigError } from "../errors.ts";

export type ConfigType = "BOOLEAN" | "STRING" | "INT" | "SHORT" | "LONG" | "DOUBLE" | "LIST" | "CLASS" | "PASSWORD";
export type Importance = "HIGH" | "MEDIUM" | "LOW";
export type Width = "NONE" | "SHORT" | "MEDIUM" | "LONG";

/** The Connect-facing description of a key, as `ConfigKeyInfo` shows it. */
export interface ConnectKeyMeta {
  readonly type: ConfigType;
  readonly importance: Importance;
  /** The default in string form; `undefined` when the key is required, `null` when optional without default. */
  readonly default: string | null | undefined;
  readonly group: string | null;
  /** Position within the group; `undefined` until `defineConfig` numbers it; -1 without a group. */
  readonly order: number | undefined;
  readonly width: Width;
  readonly displayName: string | null;
  readonly dependents: readonly string[];
  /** Valid values to suggest in validate output (`recommended_values`). */
  readonly recommended: readonly string[];
  /** Keys hidden from generated docs (still validated and described). */
  readonly internal: boolean;
  /**
   * The name a validator's "Invalid value … for configuration <name>" message shows: a key embedded
   * under a prefix (a transformation's own key) is validated under its own name, as Connect's
   * ConfigDef.embed wraps the validator. Unset: the key's name.
   */
  readonly validatorName?: string;
  /** The key's validators, run again on null when the value fails to parse (ConfigDef.validate). */
  readonly validators?: readonly Validator<never>[];
  /**
   * Validators config/validate runs (ConfigDef.validate) but parsing does not: what validation
   * refuses now though a config stored before keeps starting with it (the descriptor's
   * `validationOnly` WARNs about it then). Checked on each key alone, so two such values are two errors.
   */
  readonly validationOnly?: readonly Validator<never>[];
  /**
   * How a message quoting the value shows it when the value came through a config provider (its
   * raw value held a reference a provider resolved: PluginContext.providedKeys), e.g. an endpoint
   * URL as its origin only (http/shown-url.ts). Unset: as a literal value.
   */
  readonly showProvided?: (value: string) => string;
}

/** A secret value. It prints as `[hidden]` everywhere; only `value()` reveals it. */
export class Password {
  readonly #secret: string;
  constructor(secret: string) {
    this.#secret = secret;
  }
  value(): string {
    return this.#secret;
  }
  toString(): string {
    return "[hidden]";
  }
  toJSON(): string {
    return "[hidden]";
  }
}

/** A declared key: a valibot schema from the raw string to `T`, with Connect metadata attached. */
export type ConfigKey<T> = v.GenericSchema<string, T>;

export interface KeyOptions {
  /** The documentation shown by the REST API and in docs/plugins. */
  doc: string;
  importance?: Importance;
  group?: string;
  order?: number;
  width?: Width;
  displayName?: string;
  dependents?: string[];
  recommended?: string[];
  internal?: boolean;
  /** How a message shows a value given through a config provider (ConnectKeyMeta.showProvided). */
  showProvided?: (value: string) => string;
}

/**
 * A check on the parsed value: returns the reason it is invalid (shown as `Invalid value <v> for
 * configuration <k>: <reason>`), or undefined. A validator may instead throw a ConfigError, whose
 * message is shown as it is, as Connect shows a ConfigException an Apache validator throws.
 * `provided`: the value came through a config provider and its key shows it as `showProvided`
 * says (a URL as its origin only), so the reason must quote none of its text; unset, a literal.
 * `provided` may change the wording, never the verdict: whether the value is refused is decided by
 * a run without it, and a reason the run told `provided` does not give is left out (`Invalid value
 * <v> for configuration <k>`).
 */
export type Validator<T> = (value: T, provided?: boolean) => string | undefined;

/** Marks an issue whose message a validator threw as a ConfigError: shown without the prefix. */
export const VERBATIM_ISSUE = "connect:verbatim";

/** Runs a validator: its reason, and whether that reason is a thrown ConfigError's message. */
export function runValidator<T>(
  validate: Validator<T>,
  value: T,
  provided = false,
): { reason: string; verbatim: boolean } | undefined {
  try {
    const reason = validate(value, provided);
    return reason === undefined ? undefined : { reason, verbatim: false };
  } catch (e) {
    if (e instanceof ConfigError) return { reason: e.message, verbatim: true };
    throw e;
  }
}

interface BuildOptions<T> extends KeyOptions {
  default?: string | null;
  validators?: Validator<T>[];
  validationOnly?: Validator<T>[];
}

function build<T>(type: ConfigType, parse: v.GenericSchema<string, T>, options: BuildOptions<T>): ConfigKey<T> {
  const meta: ConnectKeyMeta = {
    type,
    importance: options.importance ?? "MEDIUM",
    default: options.default,
    group: options.group ?? null,
    order: options.group ? options.order : -1,
    width: options.width ?? (options.group ? "MEDIUM" : "NONE"),
    displayName: options.displayName ?? null,
    dependents: options.dependents ?? [],
    recommended: options.recommended ?? [],
    internal: options.internal ?? false,
    validators: (options.validators ?? []) as Validator<never>[],
    ...(options.validationOnly ? { validationOnly: options.validationOnly as Validator<never>[] } : {}),
    ...(options.showProvided ? { showProvided: options.showProvided } : {}),
  };
  const checks = (options.validators ?? []).map((validate) =>
    v.rawCheck<T>(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const failure = runValidator(validate, dataset.value);
      if (failure) addIssue({ message: failure.reason, ...(failure.verbatim ? { expected: VERBATIM_ISSUE } : {}) });
    }),
  );
  return v.pipe(
    parse,
    ...checks,
    v.description<T, string>(options.doc),
    v.metadata<T, { connect: ConnectKeyMeta }>({ connect: meta }),
  ) as ConfigKey<T>;
}

const trimmed = v.pipe(v.string(), v.transform(javaTrim));

/**
 * Java's `Long.parseLong` of a trimmed value, shown as `Long.toString` shows it (exactly, across
 * the whole signed 64-bit range); undefined when it does not parse or is out of range. LONG keys
 * here and the clients' LONG keys (kafka/client-config-keys.ts) parse with it.
 */
export function javaLongString(text: string): string | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n < LONG_MIN || n > LONG_MAX ? undefined : n.toString();
}

/** A key of a Java number type: `parse` gives the value, undefined for "Not a number of type …". */
function numberKey(type: "INT" | "SHORT" | "LONG" | "DOUBLE", parse: (text: string) => number | undefined) {
  return v.pipe(
    trimmed,
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const n = parse(dataset.value);
      if (n === undefined) {
        addIssue({ message: `Not a number of type ${type}` });
        return NEVER;
      }
      return n;
    }),
  );
}

/** A decimal integer within [min, max] (INT, SHORT). */
const integerIn =
  (min: number, max: number) =>
  (text: string): number | undefined => {
    if (!/^[+-]?\d+$/.test(text)) return undefined;
    const n = Number(text);
    return n < min || n > max ? undefined : n;
  };

// A LONG key's typed value is a number: beyond 2^53 it is the nearest double (Long.MAX_VALUE reads
// as 2^63), which is as good for the durations and sizes these keys hold; validation shows the
// exact text (config-def.ts, with javaLongString). Timers clamp long delays (util/clock.ts).
const longValue = (text: string): number | undefined => {
  const exact = javaLongString(text);
  return exact === undefined ? undefined : Number(exact);
};

const parsers = {
  string: trimmed,
  int: numberKey("INT", integerIn(-2147483648, 2147483647)),
  short: numberKey("SHORT", integerIn(-32768, 32767)),
  long: numberKey("LONG", longValue),
  double: numberKey("DOUBLE", javaParseDouble),
  boolean: v.pipe(
    trimmed,
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const lower = dataset.value.toLowerCase();
      if (lower === "true") return true;
      if (lower === "false") return false;
      addIssue({ message: "Expected value to be either true or false" });
      return NEVER;
    }),
  ),
  list: v.pipe(
    trimmed,
    v.transform((s) => (s === "" ? [] : s.split(/\s*,\s*/))),
  ),
  password: v.pipe(
    v.string(),
    v.transform((s) => new Password(javaTrim(s))),
  ),
};

type Opt<D, T> = D extends null ? T | null : T;

type TypedOptions<T, D> = KeyOptions & { default?: D; validators?: Validator<T>[]; validationOnly?: Validator<T>[] };

/** Key builders, one per Connect type. Omit `default` for a required key; `null` for optional. */
export const key = {
  string<D extends string | null | undefined = undefined>(o: TypedOptions<string, D>): ConfigKey<Opt<D, string>> {
    return build("STRING", parsers.string, { ...o, default: o.default }) as ConfigKey<Opt<D, string>>;
  },
  /** A plugin class name or alias (resolved against the plugin registry by the caller). */
  class<D extends string | null | undefined = undefined>(o: TypedOptions<string, D>): ConfigKey<Opt<D, string>> {
    return build("CLASS", parsers.string, { ...o, default: o.default }) as ConfigKey<Opt<D, string>>;
  },
  int<D extends number | null | undefined = undefined>(o: TypedOptions<number, D>): ConfigKey<Opt<D, number>> {
    return build("INT", parsers.int, { ...o, default: numberDefault(o.default) }) as ConfigKey<Opt<D, number>>;
  },
  short<D extends number | null | undefined = undefined>(o: TypedOptions<number, D>): ConfigKey<Opt<D, number>> {
    return build("SHORT", parsers.short, { ...o, default: numberDefault(o.default) }) as ConfigKey<Opt<D, number>>;
  },
  long<D extends number | null | undefined = undefined>(o: TypedOptions<number, D>): ConfigKey<Opt<D, number>> {
    return build("LONG", parsers.long, { ...o, default: numberDefault(o.default) }) as ConfigKey<Opt<D, number>>;
  },
  double<D extends number | null | undefined = undefined>(o: TypedOptions<number, D>): ConfigKey<Opt<D, number>> {
    return build("DOUBLE", parsers.double, { ...o, default: numberDefault(o.default) }) as ConfigKey<Opt<D, number>>;
  },
  boolean<D extends boolean | null | undefined = undefined>(o: TypedOptions<boolean, D>): ConfigKey<Opt<D, boolean>> {
    const def = (o.default === undefined || o.default === null ? o.default : String(o.default)) as
      | string
      | null
      | undefined;
    return build("BOOLEAN", parsers.boolean, { ...o, default: def }) as ConfigKey<Opt<D, boolean>>;
  },
  list<D extends readonly string[] | null | undefined = undefined>(
    o: TypedOptions<string[], D>,
  ): ConfigKey<Opt<D, string[]>> {
    const def = (o.default === undefined || o.default === null ? o.default : o.default.join(",")) as
      | string
      | null
      | undefined;
    return build("LIST", parsers.list, { ...o, default: def }) as ConfigKey<Opt<D, string[]>>;
  },
  password<D extends null | undefined = undefined>(o: KeyOptions & { default?: D }): ConfigKey<Opt<D, Password>> {
    return build("PASSWORD", parsers.password, { ...o, default: o.default }) as ConfigKey<Opt<D, Password>>;
  },
};

function numberDefault(d: number | null | undefined): string | null | undefined {
  return d === undefined || d === null ? d : String(d);
}
