/**
 * ReplaceField$Key / ReplaceField$Value (org.apache.kafka.connect.transforms.ReplaceField): keeps
 * only the `include`d fields (all when empty), drops the `exclude`d ones (exclude wins), and
 * renames fields with `renames` (`old:new`). The deprecated `whitelist`/`blacklist` keys still
 * work as aliases of `include`/`exclude` (the new key wins when both are set), as before
 * Kafka 4.0 removed them; like Connect 4.3.1 the definitions do not list them. Null keys or values pass unchanged.
 */
import { javaSplit } from "../api/data/java-text.ts";
import { type Schema, SchemaBuilder } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { ConfigError } from "../errors.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { replaceNullWithDefaultKey } from "./util/config.ts";
import { keyAndValue } from "./util/descriptors.ts";
import type { RecordSide } from "./util/record-side.ts";
import { requireMap, requireStruct } from "./util/requirements.ts";
import { copySchemaBasics, SchemaUpdateCache } from "./util/schema-util.ts";
import { mapEntries, mapLike, presizedMap } from "./util/schemaless-map.ts";

const PURPOSE = "field replacement";

/** Parses `old:new` pairs; throws ConfigError `Invalid rename mapping: <pair>`. */
export function parseRenameMappings(mappings: readonly string[]): Map<string, string> {
  const renames = new Map<string, string>();
  for (const mapping of mappings) {
    const parts = javaSplit(mapping, ":");
    if (parts.length !== 2) throw new ConfigError(`Invalid rename mapping: ${mapping}`);
    renames.set(parts[0]!, parts[1]!);
  }
  return renames;
}

const config = defineConfig({
  exclude: key.list({ doc: "Fields to exclude. This takes precedence over the fields to include.", default: [] }),
  include: key.list({ doc: "Fields to include. If specified, only these fields will be used.", default: [] }),
  renames: key.list({
    doc: "Field rename mappings.",
    default: [],
    validators: [
      (list) => {
        try {
          parseRenameMappings(list);
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      },
    ],
  }),
  "replace.null.with.default": replaceNullWithDefaultKey(),
});

/** ConfigUtils.translateDeprecatedConfigs: a deprecated alias fills its new key unless that is set. */
function translateDeprecated(configs: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = { ...configs };
  for (const [target, alias] of [
    ["include", "whitelist"],
    ["exclude", "blacklist"],
  ] as const) {
    if (Object.hasOwn(configs, alias)) {
      if (!Object.hasOwn(configs, target)) out[target] = configs[alias]!;
      delete out[alias];
    }
  }
  return out;
}

export class ReplaceField implements Transformation {
  private exclude: ReadonlySet<string> = new Set();
  private include: ReadonlySet<string> = new Set();
  private renames: ReadonlyMap<string, string> = new Map();
  private reverseRenames: ReadonlyMap<string, string> = new Map();
  private replaceNullWithDefault = true;
  private readonly schemaCache = new SchemaUpdateCache();

  constructor(private readonly side: RecordSide) {}

  configure(configs: Readonly<Record<string, string>>): void {
    const parsed = config.parse(translateDeprecated(configs));
    this.exclude = new Set(parsed.exclude);
    this.include = new Set(parsed.include);
    this.renames = parseRenameMappings(parsed.renames);
    this.reverseRenames = new Map([...this.renames].map(([from, to]) => [to, from]));
    this.replaceNullWithDefault = parsed["replace.null.with.default"];
    this.schemaCache.clear();
  }

  private keeps(name: string): boolean {
    return !this.exclude.has(name) && (this.include.size === 0 || this.include.has(name));
  }

  private renamed(name: string): string {
    return this.renames.get(name) ?? name;
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.side.value(record);
    if (value === null || value === undefined) return record;
    if (this.side.schema(record) === null) {
      const map = requireMap(value, PURPOSE);
      const entries = mapEntries(map);
      const updated = presizedMap(entries.length);
      for (const [name, fieldValue] of entries) if (this.keeps(name)) updated.set(this.renamed(name), fieldValue);
      return this.side.with(record, null, mapLike(map, updated));
    }
    const struct = requireStruct(value, PURPOSE, this.side.schema(record));
    const updatedSchema = this.schemaCache.getOrBuild(struct.schema, (s) => this.buildSchema(s));
    const updated = new Struct(updatedSchema);
    for (const field of updatedSchema.fields) {
      const source = this.reverseRenames.get(field.name) ?? field.name;
      updated.put(field.name, this.replaceNullWithDefault ? struct.get(source) : struct.getWithoutDefault(source));
    }
    return this.side.with(record, updatedSchema, updated);
  }

  private buildSchema(schema: Schema): Schema {
    const builder = copySchemaBasics(schema, SchemaBuilder.struct());
    for (const field of schema.fields)
      if (this.keeps(field.name)) builder.field(this.renamed(field.name), field.schema);
    return builder.build();
  }

  close(): void {
    this.schemaCache.clear();
  }
}

export const [replaceFieldKey, replaceFieldValue] = keyAndValue(
  "ReplaceField",
  "Filters or renames fields of a Struct (with a schema) or a map (without).",
  config,
  (side) => new ReplaceField(side),
);
