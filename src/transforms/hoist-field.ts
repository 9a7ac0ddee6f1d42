/**
 * HoistField$Key / HoistField$Value (org.apache.kafka.connect.transforms.HoistField): wraps the
 * key or value in a Struct (with a schema) or a map (without) holding it as its single `field`.
 */
import { type Schema, SchemaBuilder } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { keyAndValue } from "./util/descriptors.ts";
import type { RecordSide } from "./util/record-side.ts";
import { SchemaUpdateCache } from "./util/schema-util.ts";

const config = defineConfig({
  field: key.string({
    doc: "Field name for the single field that will be created in the resulting Struct or Map.",
    importance: "MEDIUM",
  }),
});

export class HoistField implements Transformation {
  private fieldName = "";
  private readonly schemaCache = new SchemaUpdateCache();

  constructor(private readonly side: RecordSide) {}

  configure(configs: Readonly<Record<string, string>>): void {
    this.fieldName = config.parse(configs).field;
    this.schemaCache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = this.side.schema(record);
    const value = this.side.value(record);
    if (schema === null) return this.side.with(record, null, { [this.fieldName]: value });
    const updatedSchema = this.schemaCache.getOrBuild(schema, (s: Schema) =>
      SchemaBuilder.struct().field(this.fieldName, s).build(),
    );
    return this.side.with(record, updatedSchema, new Struct(updatedSchema).put(this.fieldName, value));
  }

  close(): void {
    this.schemaCache.clear();
  }
}

export const [hoistFieldKey, hoistFieldValue] = keyAndValue(
  "HoistField",
  "Wraps the data in a Struct (with a schema) or a map (without) under the configured field name.",
  config,
  (side) => new HoistField(side),
);
