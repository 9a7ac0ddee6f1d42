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
 * read back with `v.getDescription` / `v.getMetadata`. Keys are built in config-key.ts, their
 * validators are config-checks.ts's; this module holds `ConfigDef`, which validates and parses a
 * whole config, and `defineConfig`, which declares one.
 */
import * as v from "valibot";
import { javaTrim } from "../api/data/java-text.ts";
import { ConfigError } from "../errors.ts";
import { invalidValue } from "../util/invalid-value.ts";
import { hideValueCredentials } from "../util/url-credentials.ts";
import {
  type ConfigKey,
  type ConfigType,
  type ConnectKeyMeta,
  javaLongString,
  runValidator,
  type Validator,
  VERBATIM_ISSUE,
} from "./config-key.ts";

// The DSL's surface, so that a config is declared with imports from this one module.
export { check } from "./config-checks.ts";
export { type ConfigKey, key, type Validator } from "./config-key.ts";

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

  /**
   * How a message quotes `value`, key `name`'s, when it came through a config provider
   * (`provided`) and the key says how (`showProvided`); otherwise undefined: quote it as a literal.
   * Also what `validate` and `parse` quote.
   */
  providedShown(name: string, value: string, provided: boolean): string | undefined {
    const k = this.byName.get(name);
    return k === undefined ? undefined : providedShown(k, value, provided);
  }

  /**
   * Validates every declared key; the map keeps declaration order. Never throws. `providedKeys`:
   * the keys whose raw value held a reference a config provider resolved, their messages showing
   * the value as the key's `showProvided` says.
   */
  validate(raw: RawConfig, providedKeys?: ReadonlySet<string>): Map<string, KeyValidation> {
    const out = new Map<string, KeyValidation>();
    for (const k of this.keys) {
      const input = raw[k.name];
      // As ConfigDef.parseForValidate: a key present with a null value parses to null (no default,
      // not "missing"), and its validators see null.
      out.set(
        k.name,
        input === null
          ? { value: null, errors: nullValidationErrors(k) }
          : validateKey(k, input, { validating: true, provided: providedKeys?.has(k.name) === true }).result,
      );
    }
    return out;
  }

  /** Parses every declared key or throws a ConfigError naming each invalid key (`providedKeys` as for `validate`). */
  parse(raw: RawConfig, providedKeys?: ReadonlySet<string>): T {
    const values: Record<string, unknown> = {};
    const errors = new Map<string, string[]>();
    for (const k of this.keys) {
      const { result, value } = validateKey(k, raw[k.name], { provided: providedKeys?.has(k.name) === true });
      if (result.errors.length > 0) errors.set(k.name, result.errors);
      else values[k.name] = value;
    }
    // As ConfigDef.parse, the message is the first invalid key's (in declaration order); the
    // error still names every invalid key.
    if (errors.size > 0) throw new ConfigError([...errors.values()][0]![0]!, errors);
    return values as T;
  }

  /**
   * The same keys renamed `<prefix><name>`, optionally moved into `group` (Connect's enrichment). A
   * key without a display name keeps its own name as one, as Connect's ConfigKey does.
   */
  prefixed(prefix: string, group?: string): ConfigDef {
    return new ConfigDef(
      this.keys.map((k) => ({
        ...k,
        name: `${prefix}${k.name}`,
        meta: { ...k.meta, displayName: k.meta.displayName ?? k.name, ...(group === undefined ? {} : { group }) },
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

function validateKey(
  k: NamedKey,
  raw: string | null | undefined,
  { validating = false, provided = false }: { validating?: boolean; provided?: boolean } = {},
): { result: KeyValidation; value: unknown } {
  let input = raw;
  if (input === undefined || input === null) {
    if (k.meta.default === undefined) {
      // As Connect 4.3.1's ConfigDef.validate (not parse): the validators still see the missing value as null.
      const missing = `Missing required configuration "${k.name}" which has no default value.`;
      const more = validating ? nullValidationErrors(k) : [];
      return { result: { value: null, errors: [missing, ...more] }, value: undefined };
    }
    if (k.meta.default === null) return { result: { value: null, errors: [] }, value: null };
    input = k.meta.default;
  }
  const parsed = v.safeParse(k.schema, input);
  // A LONG's typed value is a number (inexact beyond 2^53): Connect shows the exact long.
  const connectString = (output: unknown) =>
    k.meta.type === "LONG" ? (javaLongString(javaTrim(input)) ?? null) : toConnectString(output, k.meta.type);
  if (!parsed.success) {
    const typed = (parsed as { typed?: boolean }).typed;
    // Connect prints the raw text for parse failures and the parsed value (Java's toString) for validators.
    const shown =
      providedShown(k, input, provided) ??
      (!typed ? input : k.meta.type === "LONG" ? connectString(parsed.output) : javaString(parsed.output));
    // A provider's value shown as its key says: the validators that refused it, each worded for it
    // (validatorFailure; the issues' reasons are a literal value's).
    const failures =
      typed && providedShown(k, input, provided) !== undefined
        ? validatorFailures(k, parsed.output)
        : parsed.issues.map((issue) => ({ reason: issue.message, verbatim: issue.expected === VERBATIM_ISSUE }));
    // Credentials of a URL hidden in verbatim reasons too (invalidValue hides them in its own).
    const reasons = failures.map(({ reason, verbatim }) =>
      verbatim
        ? hideValueCredentials(reason, String(input))
        : invalidValue(typed ? (k.meta.validatorName ?? k.name) : k.name, shown, reason),
    );
    // As ConfigDef.validate: a value that does not parse is validated as null afterwards.
    if (!typed) reasons.push(...nullValidationErrors(k));
    return { result: { value: typed ? connectString(parsed.output) : null, errors: reasons }, value: undefined };
  }
  const value = connectString(parsed.output);
  const errors: string[] = [];
  // Validation-only validators: config/validate refuses the value, a stored config still parses.
  for (const validate of validating ? ((k.meta.validationOnly ?? []) as Validator<unknown>[]) : []) {
    const failure = validatorFailure(validate, parsed.output, providedShown(k, input, provided) !== undefined);
    if (failure)
      errors.push(
        failure.verbatim
          ? failure.reason
          : invalidValue(k.meta.validatorName ?? k.name, providedShown(k, input, provided) ?? value, failure.reason),
      );
  }
  return { result: { value, errors }, value: parsed.output };
}

/** How a message quotes `input` given through a config provider, when its key says (`showProvided`). */
function providedShown(k: NamedKey, input: string, provided: boolean): string | undefined {
  return provided && k.meta.showProvided ? k.meta.showProvided(input) : undefined;
}

/** A validator's reason (a thrown ConfigError's message: `verbatim`), or none to give. */
type ValidatorFailure = { reason: string; verbatim: boolean } | { reason?: undefined; verbatim: false };

/** The failures of `k`'s validators for a provider's `value` shown as its key says (validatorFailure). */
function validatorFailures(k: NamedKey, value: unknown): ValidatorFailure[] {
  return ((k.meta.validators ?? []) as Validator<unknown>[]).flatMap(
    (validate) => validatorFailure(validate, value, true) ?? [],
  );
}

/**
 * Whether `validate` refuses `value`, decided by a run as parsing runs it (not told `provided`);
 * for a value shown as its key's `showProvided` says (`provided`), a run told so gives the wording
 * only: when it gives none (or throws), the reason is left out, Connect's bare
 * `Invalid value <v> for configuration <k>`, which names nothing of the value.
 */
function validatorFailure(
  validate: Validator<unknown>,
  value: unknown,
  provided: boolean,
): ValidatorFailure | undefined {
  const verdict = runValidator(validate, value);
  if (verdict === undefined || !provided) return verdict;
  try {
    return runValidator(validate, value, true) ?? { verbatim: false };
  } catch {
    return { verbatim: false };
  }
}

function nullValidationErrors(k: NamedKey): string[] {
  const out: string[] = [];
  for (const validate of (k.meta.validators ?? []) as Validator<null>[]) {
    let failure: ReturnType<typeof runValidator> | undefined;
    try {
      failure = runValidator(validate, null);
    } catch {
      failure = undefined;
    }
    if (failure) {
      const name = k.meta.validatorName ?? k.name;
      out.push(failure.verbatim ? failure.reason : invalidValue(name, null, failure.reason));
    }
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
