/**
 * Alias prefixes for a declared config: every key `k` may also be written `<prefix>k` for each
 * prefix (the HTTP connectors accept Flink's `http.sink.header.X` and
 * `flink.connector.http.sink.header.X` for `sink.header.X`). The aliases are derived from the one
 * declaration, never declared again: validation and parsing first fold an aliased key onto its
 * declared name (the declared name wins when both are set, then the prefixes in their order), and
 * each key's documentation lists its aliases, so REST and generated docs show them. Validation
 * names the key as written in an error found on its declared name (`… (set as http.url)`), and
 * `conflicts` / `familyConflicts` find one option set under two spellings with different values
 * (a connector refuses those by its `validationOnly` rules).
 */
import { ConfigDef, type KeyValidation, type RawConfig } from "./config-def.ts";
import type { ConfigProblem } from "./descriptor.ts";

export class AliasedConfigDef<T = Record<string, unknown>> extends ConfigDef<T> {
  constructor(
    def: ConfigDef<T>,
    /** Prefixes in order of precedence, e.g. `["flink.connector.http.", "http."]`. */
    readonly prefixes: readonly string[],
    /** Other names of a key (each also under every prefix), e.g. a name another document uses. */
    readonly otherNames: Readonly<Record<string, readonly string[]>> = {},
  ) {
    super(
      def.keys.map((k) => ({
        ...k,
        doc: `${k.doc}${k.doc.endsWith(".") ? "" : "."} Also accepted as ${spellings(k.name, prefixes, otherNames)
          .slice(1)
          .map((name) => `\`${name}\``)
          .join(", ")}.`,
      })),
    );
  }

  /** `raw` with every aliased key of a declared key folded onto the declared name. */
  canonical(raw: RawConfig): Record<string, string | null | undefined> {
    const out: Record<string, string | null | undefined> = { ...raw };
    for (const [name, written] of this.writtenAs(raw)) out[name] = raw[written];
    return out;
  }

  /** Every accepted spelling of a declared key, the declared name first. */
  spellings(name: string): string[] {
    return spellings(name, this.prefixes, this.otherNames);
  }

  /**
   * Keys starting with `name` (a dynamic family such as `sink.header.`) under any spelling, by the
   * rest of the key after the family prefix, with the value and the key as the user wrote it (for
   * messages naming it); the declared spelling wins over the aliases.
   */
  family(raw: RawConfig, name: string): Map<string, { readonly value: string; readonly key: string }> {
    const found = new Map<string, { value: string; key: string }>();
    for (const { rest, key, value } of this.members(raw, name)) if (!found.has(rest)) found.set(rest, { value, key });
    return found;
  }

  /**
   * Each declared key's errors; an error on a key set under another spelling ends with the
   * key as written (`… (set as flink.connector.http.sink.request.batch.size)`), so the user finds
   * it. The answer keeps the declared names (Connect's ConfigInfos shape).
   */
  override validate(raw: RawConfig, providedKeys?: ReadonlySet<string>): Map<string, KeyValidation> {
    const results = super.validate(this.canonical(raw), this.canonicalKeys(raw, providedKeys));
    for (const [name, written] of this.writtenAs(raw)) {
      const result = results.get(name);
      if (result && result.errors.length > 0)
        results.set(name, { ...result, errors: result.errors.map((e) => setAs(e, written)) });
    }
    return results;
  }

  /** `problems` with the key as written added to each one on a declared key set under another spelling. */
  namingWrittenKeys(raw: RawConfig, problems: readonly ConfigProblem[]): ConfigProblem[] {
    const written = this.writtenAs(raw);
    return problems.map((p) => {
      const as = written.get(p.key);
      return as === undefined ? p : { ...p, message: setAs(p.message, as) };
    });
  }

  /**
   * One problem per declared key set under several spellings with different values, on the declared
   * key, naming the keys as written (never the values: they may be secrets). Equal values are fine.
   */
  conflicts(raw: RawConfig): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const k of this.keys) {
      const set = this.spellings(k.name).flatMap((name) => {
        const value = raw[name];
        return typeof value === "string" ? [{ key: name, value }] : [];
      });
      const message = conflictMessage(set, "one option");
      if (message) problems.push({ key: k.name, message });
    }
    return problems;
  }

  /**
   * As `conflicts`, for a dynamic family (`sink.header.`): members whose names `fold` makes equal
   * (header names are case-insensitive) with different values. On the key that is used (`family`'s
   * order), as written.
   */
  familyConflicts(raw: RawConfig, name: string, what: string, fold: (rest: string) => string): ConfigProblem[] {
    const groups = new Map<string, { key: string; value: string }[]>();
    for (const { rest, key, value } of this.members(raw, name))
      groups.set(fold(rest), [...(groups.get(fold(rest)) ?? []), { key, value }]);
    return [...groups.values()].flatMap((set) => {
      const message = conflictMessage(set, what);
      return message ? [{ key: set[0]!.key, message }] : [];
    });
  }

  /** The members of the family `name` under every spelling, the declared one first, then the prefixes in order. */
  private *members(raw: RawConfig, name: string): Generator<{ rest: string; key: string; value: string }> {
    for (const prefix of ["", ...this.prefixes]) {
      const full = `${prefix}${name}`;
      for (const [key, value] of Object.entries(raw)) {
        if (key.startsWith(full) && key.length > full.length && typeof value === "string")
          yield { rest: key.slice(full.length), key, value };
      }
    }
  }

  /** The key as the user wrote the declared key `name` (the declared name when set under it, or not set at all). */
  asWritten(raw: RawConfig, name: string): string {
    return this.writtenAs(raw).get(name) ?? name;
  }

  /**
   * Whether declared key `name` came through a config provider: the key as written in `raw` is one
   * of `providedKeys` (PluginContext.providedKeys, keys as written).
   */
  isProvided(raw: RawConfig, name: string, providedKeys: ReadonlySet<string> | undefined): boolean {
    return providedKeys?.has(this.asWritten(raw, name)) === true;
  }

  /** Declared keys not set under their own name but under another spelling, with the key as written. */
  private writtenAs(raw: RawConfig): Map<string, string> {
    const out = new Map<string, string>();
    for (const k of this.keys) {
      if (raw[k.name] !== undefined) continue;
      const written = this.spellings(k.name).find((name) => raw[name] !== undefined);
      if (written !== undefined) out.set(k.name, written);
    }
    return out;
  }

  override parse(raw: RawConfig, providedKeys?: ReadonlySet<string>): T {
    return super.parse(this.canonical(raw), this.canonicalKeys(raw, providedKeys));
  }

  /** `keys` (as written in `raw`) with each aliased key under its declared name, as `canonical` folds them. */
  private canonicalKeys(raw: RawConfig, keys: ReadonlySet<string> | undefined): ReadonlySet<string> | undefined {
    if (!keys) return undefined;
    const out = new Set(keys);
    for (const [name, written] of this.writtenAs(raw)) if (keys.has(written)) out.add(name);
    return out;
  }
}

function spellings(
  name: string,
  prefixes: readonly string[],
  otherNames: Readonly<Record<string, readonly string[]>>,
): string[] {
  const names = [name, ...(otherNames[name] ?? [])];
  return [...names, ...prefixes.flatMap((p) => names.map((n) => `${p}${n}`))];
}

function setAs(message: string, written: string): string {
  return `${message} (set as ${written})`;
}

/** The message for spellings of one thing set to different values, the one used first; undefined when they agree. */
function conflictMessage(set: readonly { key: string; value: string }[], what: string): string | undefined {
  if (set.length < 2 || set.every((s) => s.value === set[0]!.value)) return undefined;
  const keys = set.map((s) => s.key);
  const listed = `${keys.slice(0, -1).join(", ")} and ${keys.at(-1)}`;
  return `${listed} name ${what} with different values (${keys[0]} is the one used): set it once`;
}
