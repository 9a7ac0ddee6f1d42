/**
 * The config DSL: a plugin (and the worker) declares each key once, with valibot, and everything
 * else is derived from that declaration: parsing, Connect's validation messages, ConfigKeyInfo for
 * `GET /connector-plugins/{p}/config`, ConfigInfos for `PUT …/config/validate` and the generated
 * docs. Parsing follows Apache Kafka's `ConfigDef.parseType` rule for rule (strings are trimmed,
 * booleans are case-insensitive `true`/`false` and nothing else, lists split on commas), and the
 * messages are Connect's, word for word.
 *
 * A key is a valibot schema from the raw string to the typed value whose issues carry the bare
 * reason (`Not a number of type INT`); `ConfigDef` adds `Invalid value <v> for configuration <k>: `.
 * The Connect metadata rides on the schema (`v.description`, `v.metadata({ connect })`) and is
 * read back with `v.getDescription` / `v.getMetadata`.
 */
import * as v from "valibot";
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
  /** The key's validators, run again on null when the value fails to parse (ConfigDef.validate). */
  readonly validators?: readonly Validator<never>[];
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
}

/** A check on the parsed value: returns the reason it is invalid, or undefined. */
export type Validator<T> = (value: T) => string | undefined;

interface BuildOptions<T> extends KeyOptions {
  default?: string | null;
  validators?: Validator<T>[];
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
  };
  const checks = (options.validators ?? []).map((validate) =>
    v.rawCheck<T>(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const reason = validate(dataset.value);
      if (reason !== undefined) addIssue({ message: reason });
    }),
  );
  return v.pipe(
    parse,
    ...checks,
    v.description<T, string>(options.doc),
    v.metadata<T, { connect: ConnectKeyMeta }>({ connect: meta }),
  ) as ConfigKey<T>;
}

/** Java's `String.trim()`: strips every char up to U+0020 (controls included), no Unicode spaces. */
export function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return s.slice(start, end);
}

const trimmed = v.pipe(v.string(), v.transform(javaTrim));

function numberKey(type: "INT" | "SHORT" | "LONG", min: number, max: number) {
  return v.pipe(
    trimmed,
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const text = dataset.value;
      if (!/^[+-]?\d+$/.test(text)) {
        addIssue({ message: `Not a number of type ${type}` });
        return NEVER;
      }
      const n = Number(text);
      if (n < min || n > max) {
        addIssue({ message: `Not a number of type ${type}` });
        return NEVER;
      }
      return n;
    }),
  );
}

const parsers = {
  string: trimmed,
  int: numberKey("INT", -2147483648, 2147483647),
  short: numberKey("SHORT", -32768, 32767),
  long: numberKey("LONG", Number.MIN_SAFE_INTEGER * 1024, Number.MAX_SAFE_INTEGER * 1024),
  double: v.pipe(
    trimmed,
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const n = Number(dataset.value);
      if (dataset.value === "" || Number.isNaN(n)) {
        addIssue({ message: "Not a number of type DOUBLE" });
        return NEVER;
      }
      return n;
    }),
  ),
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

type TypedOptions<T, D> = KeyOptions & { default?: D; validators?: Validator<T>[] };

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

/** Validators with Connect's messages. */
export const check = {
  atLeast:
    (min: number): Validator<number | null> =>
    (n) =>
      n === null ? "Value must be non-null" : n < min ? `Value must be at least ${min}` : undefined,
  between:
    (min: number, max: number): Validator<number | null> =>
    (n) =>
      n === null
        ? "Value must be non-null"
        : n < min
          ? `Value must be at least ${min}`
          : n > max
            ? `Value must be no more than ${max}`
            : undefined,
  oneOf:
    (values: readonly string[]): Validator<string | null> =>
    (s) =>
      s !== null && !values.includes(s) ? `String must be one of: ${values.join(", ")}` : undefined,
  oneOfIgnoreCase:
    (values: readonly string[]): Validator<string | null> =>
    (s) =>
      s !== null && !values.some((x) => x.toLowerCase() === s.toLowerCase())
        ? `String must be one of (case insensitive): ${values.join(", ")}`
        : undefined,
  nonEmpty: (): Validator<string | null> => (s) => (s !== null && s === "" ? "String may not be empty" : undefined),
  /** ConfigDef.NonEmptyString. */
  nonEmptyString: (): Validator<string | null> => (s) =>
    s !== null && s === "" ? "String must be non-empty" : undefined,
  listOf:
    (values: readonly string[]): Validator<string[] | null> =>
    (list) => {
      const bad = (list ?? []).filter((x) => !values.includes(x));
      return bad.length > 0 ? `Invalid value(s) ${bad.join(",")}. Valid values are: ${values.join(", ")}` : undefined;
    },
};

export type RawConfig = Readonly<Record<string, string | null | undefined>>;

/** A key with its name and everything derived from its declaration. */
export interface NamedKey {
  readonly name: string;
  readonly schema: ConfigKey<unknown>;
  readonly doc: string;
  readonly meta: ConnectKeyMeta;
}

/** The outcome of validating one key: its value in Connect's string form and its error messages. */
export interface KeyValidation {
  readonly value: string | null;
  readonly errors: string[];
  /** ConfigValue.visible; true unless a recommender hid the key. */
  readonly visible?: boolean;
}

type KeysOutput<K> = { -readonly [P in keyof K]: K[P] extends ConfigKey<infer T> ? T : never };

export class ConfigDef<T = Record<string, unknown>> {
  private readonly byName: ReadonlyMap<string, NamedKey>;

  constructor(readonly keys: readonly NamedKey[]) {
    this.byName = new Map(keys.map((k) => [k.name, k]));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): NamedKey | undefined {
    return this.byName.get(name);
  }

  /** Validates every declared key; the map keeps declaration order. Never throws. */
  validate(raw: RawConfig): Map<string, KeyValidation> {
    const out = new Map<string, KeyValidation>();
    for (const k of this.keys) out.set(k.name, validateKey(k, raw[k.name]).result);
    return out;
  }

  /** Parses every declared key or throws a ConfigError naming each invalid key. */
  parse(raw: RawConfig): T {
    const values: Record<string, unknown> = {};
    const errors = new Map<string, string[]>();
    for (const k of this.keys) {
      const { result, value } = validateKey(k, raw[k.name]);
      if (result.errors.length > 0) errors.set(k.name, result.errors);
      else values[k.name] = value;
    }
    if (errors.size > 0) {
      throw new ConfigError([...errors.values()].flat().join("; "), errors);
    }
    return values as T;
  }

  /** The same keys renamed `<prefix><name>`, optionally moved into `group` (Connect's enrichment). */
  prefixed(prefix: string, group?: string): ConfigDef {
    return new ConfigDef(
      this.keys.map((k) => ({
        ...k,
        name: `${prefix}${k.name}`,
        meta: group === undefined ? k.meta : { ...k.meta, group },
      })),
    );
  }

  /** This definition followed by the keys of `other` it does not define yet. */
  concat<U>(other: ConfigDef<U>): ConfigDef<T & U> {
    return new ConfigDef<T & U>([...this.keys, ...other.keys.filter((k) => !this.byName.has(k.name))]);
  }
}

/** Declares a config: key order is declaration order; keys in a group are numbered 1, 2, … */
export function defineConfig<K extends Record<string, ConfigKey<unknown>>>(keys: K): ConfigDef<KeysOutput<K>> {
  const counters = new Map<string, number>();
  const named: NamedKey[] = Object.entries(keys).map(([name, schema]) => {
    const meta = (v.getMetadata(schema) as { connect: ConnectKeyMeta }).connect;
    let order = meta.order;
    if (meta.group !== null) {
      const next = order ?? (counters.get(meta.group) ?? 0) + 1;
      counters.set(meta.group, next);
      order = next;
    }
    return { name, schema, doc: v.getDescription(schema) ?? "", meta: { ...meta, order } };
  });
  return new ConfigDef<KeysOutput<K>>(named);
}

function validateKey(k: NamedKey, raw: string | null | undefined): { result: KeyValidation; value: unknown } {
  let input = raw;
  if (input === undefined || input === null) {
    if (k.meta.default === undefined) {
      return {
        result: { value: null, errors: [`Missing required configuration "${k.name}" which has no default value.`] },
        value: undefined,
      };
    }
    if (k.meta.default === null) return { result: { value: null, errors: [] }, value: null };
    input = k.meta.default;
  }
  const parsed = v.safeParse(k.schema, input);
  if (!parsed.success) {
    const typed = (parsed as { typed?: boolean }).typed;
    // Connect prints the raw text for parse failures and the parsed value (Java's toString) for validators.
    const shown = typed ? javaString(parsed.output) : input;
    const reasons = parsed.issues.map(
      (issue) => `Invalid value ${shown} for configuration ${k.name}: ${issue.message}`,
    );
    // As ConfigDef.validate: a value that does not parse is validated as null afterwards.
    if (!typed) reasons.push(...nullValidationErrors(k));
    return {
      result: { value: typed ? toConnectString(parsed.output, k.meta.type) : null, errors: reasons },
      value: undefined,
    };
  }
  return { result: { value: toConnectString(parsed.output, k.meta.type), errors: [] }, value: parsed.output };
}

function nullValidationErrors(k: NamedKey): string[] {
  const out: string[] = [];
  for (const validate of (k.meta.validators ?? []) as Validator<null>[]) {
    let reason: string | undefined;
    try {
      reason = validate(null);
    } catch {
      reason = undefined;
    }
    if (reason !== undefined) out.push(`Invalid value null for configuration ${k.name}: ${reason}`);
  }
  return out;
}

function javaString(value: unknown): string {
  if (Array.isArray(value)) return `[${value.join(", ")}]`;
  return String(value);
}

/** A parsed value in the string form Connect shows (`ConfigDef.convertToString`). */
export function toConnectString(value: unknown, type: ConfigType): string | null {
  if (value === null || value === undefined) return null;
  if (type === "PASSWORD") return "[hidden]";
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}
