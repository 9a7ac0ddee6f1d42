/**
 * ValueToKey (org.apache.kafka.connect.transforms.ValueToKey): replaces the record key with a
 * Struct (with a value schema) or map (without) made of the listed fields of the value.
 */
import { type Schema, SchemaBuilder } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { DataError } from "../errors.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { nonEmptyValues, replaceNullWithDefaultKey } from "./util/config.ts";
import { transformation } from "./util/descriptors.ts";
import { requireMap, requireStruct } from "./util/requirements.ts";
import { SchemaUpdateCache } from "./util/schema-util.ts";
import { mapGet, mapLike, presizedMap } from "./util/schemaless-map.ts";

const PURPOSE = "copying fields from value to key";

const config = defineConfig({
  fields: key.list({
    doc: "Field names on the record value to extract as the record key.",
    importance: "HIGH",
    validators: [nonEmptyValues("fields")],
  }),
  "replace.null.with.default": replaceNullWithDefaultKey(),
});

export class ValueToKey implements Transformation {
  private fields: readonly string[] = [];
  private replaceNullWithDefault = true;
  private readonly schemaCache = new SchemaUpdateCache();

  configure(configs: Readonly<Record<string, string>>): void {
    const parsed = config.parse(configs);
    // A field named twice is in the key once, as in Apache (4.3.1 keeps the first occurrence).
    this.fields = [...new Set(parsed.fields)];
    this.replaceNullWithDefault = parsed["replace.null.with.default"];
    this.schemaCache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    if (record.valueSchema === null) {
      const map = requireMap(record.value, PURPOSE);
      const fields = presizedMap(this.fields.length);
      for (const field of this.fields) fields.set(field, mapGet(map, field));
      const key = mapLike(map, fields);
      return { ...record, keySchema: null, key };
    }
    const value = requireStruct(record.value, PURPOSE, record.valueSchema);
    const keySchema = this.schemaCache.getOrBuild(value.schema, (s) => this.buildKeySchema(s));
    const key = new Struct(keySchema);
    for (const field of this.fields) {
      key.put(field, this.replaceNullWithDefault ? value.get(field) : value.getWithoutDefault(field));
    }
    return { ...record, keySchema, key, valueSchema: value.schema, value };
  }

  private buildKeySchema(schema: Schema): Schema {
    const builder = SchemaBuilder.struct();
    for (const name of this.fields) {
      const field = schema.field(name);
      if (!field) throw new DataError(`Field does not exist: ${name}`);
      builder.field(name, field.schema);
    }
    return builder.build();
  }

  close(): void {
    this.schemaCache.clear();
  }
}

export const valueToKey = transformation(
  "ValueToKey",
  "Replaces the record key with a new key made of fields of the record value.",
  config,
  () => new ValueToKey(),
);
