/**
 * SetSchemaMetadata$Key / SetSchemaMetadata$Value
 * (org.apache.kafka.connect.transforms.SetSchemaMetadata): sets the name and/or version of the key
 * or value schema. A Struct is rebuilt on the new schema so value and schema stay consistent.
 * Records without schema and value pass; a value without a schema fails.
 */
import { ConnectSchema, type Schema } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { ConfigError } from "../errors.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { replaceNullWithDefaultKey } from "./util/config.ts";
import { keyAndValue } from "./util/descriptors.ts";
import type { RecordSide } from "./util/record-side.ts";
import { requireSchema } from "./util/requirements.ts";

const config = defineConfig({
  "schema.name": key.string({ doc: "Schema name to set.", default: null, importance: "HIGH" }),
  "schema.version": key.int({ doc: "Schema version to set.", default: null, importance: "HIGH" }),
  "replace.null.with.default": replaceNullWithDefaultKey(),
});

export class SetSchemaMetadata implements Transformation {
  private schemaName: string | null = null;
  private schemaVersion: number | null = null;
  private replaceNullWithDefault = true;

  constructor(private readonly side: RecordSide) {}

  configure(configs: Readonly<Record<string, string>>): void {
    const parsed = config.parse(configs);
    this.schemaName = parsed["schema.name"];
    this.schemaVersion = parsed["schema.version"];
    this.replaceNullWithDefault = parsed["replace.null.with.default"];
    if (this.schemaName === null && this.schemaVersion === null) {
      throw new ConfigError("Neither schema name nor version configured");
    }
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.side.value(record);
    const original = this.side.schema(record);
    if ((value === null || value === undefined) && original === null) return record;
    const schema = requireSchema(original, "updating schema metadata");
    const isMap = schema.type === "MAP";
    const updatedSchema = new ConnectSchema(
      schema.type,
      schema.optional,
      schema.defaultValue,
      this.schemaName ?? schema.name,
      this.schemaVersion ?? schema.version,
      schema.doc,
      schema.parameters,
      schema.type === "STRUCT" ? schema.fields : undefined,
      isMap ? schema.keySchema : undefined,
      isMap || schema.type === "ARRAY" ? schema.valueSchema : undefined,
    );
    return this.side.with(record, updatedSchema, this.updateSchemaIn(value, updatedSchema));
  }

  /** A Struct rebuilt on `schema` (same fields); any other value as it is. */
  updateSchemaIn(value: unknown, schema: Schema): unknown {
    if (!(value instanceof Struct)) return value;
    const updated = new Struct(schema);
    for (const field of schema.fields) {
      updated.put(field, this.replaceNullWithDefault ? value.get(field.name) : value.getWithoutDefault(field.name));
    }
    return updated;
  }
}

export const [setSchemaMetadataKey, setSchemaMetadataValue] = keyAndValue(
  "SetSchemaMetadata",
  "Sets the schema name, version or both on the key or value schema.",
  config,
  (side) => new SetSchemaMetadata(side),
);
