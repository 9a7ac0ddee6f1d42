/**
 * HeaderFrom$Key / HeaderFrom$Value (org.apache.kafka.connect.transforms.HeaderFrom): copies or
 * moves fields of the key or value into headers; the n-th entry of `fields` goes to the n-th
 * entry of `headers`. With a schema the header carries the field's schema; `move` also drops the
 * fields from the Struct (and its schema) or the map.
 */
import { type Schema, SchemaBuilder } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { ConfigError, DataError } from "../errors.ts";
import { check, defineConfig, key } from "../plugin/config-def.ts";
import { nonEmptyList, replaceNullWithDefaultKey } from "./util/config.ts";
import { keyAndValue } from "./util/descriptors.ts";
import type { RecordSide } from "./util/record-side.ts";
import { requireMap, requireStruct } from "./util/requirements.ts";
import { copySchemaBasics, SchemaUpdateCache } from "./util/schema-util.ts";
import { mapCopy, mapGet, mapLike, mapRemove } from "./util/schemaless-map.ts";

type Operation = "move" | "copy";

const config = defineConfig({
  fields: key.list({
    doc: "Field names in the record whose values are to be copied or moved to headers.",
    importance: "HIGH",
    validators: [nonEmptyList],
  }),
  headers: key.list({
    doc: "Header names, in the same order as the field names listed in the fields configuration property.",
    importance: "HIGH",
    validators: [nonEmptyList],
  }),
  operation: key.string({
    doc: "Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value).",
    importance: "HIGH",
    validators: [check.oneOf(["move", "copy"])],
  }),
  "replace.null.with.default": replaceNullWithDefaultKey(),
});

export class HeaderFrom implements Transformation {
  private fields: readonly string[] = [];
  private headers: readonly string[] = [];
  private operation: Operation = "copy";
  private replaceNullWithDefault = true;
  private readonly moveSchemaCache = new SchemaUpdateCache();

  constructor(private readonly side: RecordSide) {}

  configure(configs: Readonly<Record<string, string>>): void {
    const parsed = config.parse(configs);
    if (parsed.headers.length !== parsed.fields.length) {
      throw new ConfigError("'fields' config must have the same number of elements as 'headers' config.");
    }
    this.fields = parsed.fields;
    this.headers = parsed.headers;
    this.operation = parsed.operation as Operation;
    this.replaceNullWithDefault = parsed["replace.null.with.default"];
    this.moveSchemaCache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = this.side.schema(record);
    const value = this.side.value(record);
    return schema === null ? this.applySchemaless(record, value) : this.applyWithSchema(record, schema, value);
  }

  private fieldValue(struct: Struct, name: string): unknown {
    return this.replaceNullWithDefault ? struct.get(name) : struct.getWithoutDefault(name);
  }

  private applyWithSchema<R extends ConnectRecord>(record: R, schema: Schema, value: unknown): R {
    const struct = requireStruct(value, `header ${this.operation}`, schema);
    let updatedSchema = schema;
    let updatedValue = struct;
    if (this.operation === "move") {
      updatedSchema = this.moveSchemaCache.getOrBuild(schema, (s) => this.moveSchema(s));
      updatedValue = new Struct(updatedSchema);
      for (const field of updatedSchema.fields) updatedValue.put(field.name, this.fieldValue(struct, field.name));
    }
    let headers = record.headers;
    this.fields.forEach((name, i) => {
      const field = schema.field(name);
      if (!field) throw new DataError(`${name} is not a valid field name`);
      headers = headers.add(this.headers[i]!, this.fieldValue(struct, name), field.schema);
    });
    return { ...this.side.with(record, updatedSchema, updatedValue), headers };
  }

  private moveSchema(schema: Schema): Schema {
    const builder = copySchemaBasics(schema, SchemaBuilder.struct());
    for (const field of schema.fields) if (!this.fields.includes(field.name)) builder.field(field.name, field.schema);
    return builder.build();
  }

  private applySchemaless<R extends ConnectRecord>(record: R, value: unknown): R {
    const map = requireMap(value, `header ${this.operation}`);
    const updated = mapCopy(map);
    let headers = record.headers;
    this.fields.forEach((name, i) => {
      if (this.operation === "move") mapRemove(updated, name);
      headers = headers.add(this.headers[i]!, mapGet(map, name), null);
    });
    return { ...this.side.with(record, null, mapLike(map, updated)), headers };
  }

  close(): void {
    this.moveSchemaCache.clear();
  }
}

export const [headerFromKey, headerFromValue] = keyAndValue(
  "HeaderFrom",
  "Moves or copies fields of the key or value into the record's headers; the n-th field goes to the n-th header.",
  config,
  (side) => new HeaderFrom(side),
);
