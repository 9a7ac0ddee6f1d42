/**
 * Alias prefixes for a declared config: every key `k` may also be written `<prefix>k` for each
 * prefix (the HTTP connectors accept Flink's `http.sink.header.X` and
 * `flink.connector.http.sink.header.X` for `sink.header.X`). The aliases are derived from the one
 * declaration, never declared again: validation and parsing first fold an aliased key onto its
 * declared name (the declared name wins when both are set), and each key's documentation lists its
 * aliases, so REST and generated docs show them.
 */
import { ConfigDef, type KeyValidation, type RawConfig } from "./config-def.ts";

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
    for (const k of this.keys) {
      if (out[k.name] !== undefined) continue;
      for (const name of spellings(k.name, this.prefixes, this.otherNames)) {
        const value = raw[name];
        if (value !== undefined) {
          out[k.name] = value;
          break;
        }
      }
    }
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
    for (const prefix of ["", ...this.prefixes]) {
      const full = `${prefix}${name}`;
      for (const [k, v] of Object.entries(raw)) {
        if (!k.startsWith(full) || k.length === full.length || typeof v !== "string") continue;
        const rest = k.slice(full.length);
        if (!found.has(rest)) found.set(rest, { value: v, key: k });
      }
    }
    return found;
  }

  override validate(raw: RawConfig): Map<string, KeyValidation> {
    return super.validate(this.canonical(raw));
  }

  override parse(raw: RawConfig): T {
    return super.parse(this.canonical(raw));
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
