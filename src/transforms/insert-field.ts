/**
 * InsertField$Key / InsertField$Value (org.apache.kafka.connect.transforms.InsertField): adds
 * fields holding the record's topic, partition, offset (sink records only), timestamp, or a
 * static string. A field name ending in `!` makes the field required, `?` (the default) optional.
 * With a schema the timestamp is a Connect Timestamp; without, epoch milliseconds. Null keys or
 * values (tombstones) pass unchanged.
 */
import { ConnectTimestamp, dateOfMillis } from "../api/data/logical.ts";
import { type Schema, SchemaBuilder, Schemas } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { ConfigError } from "../errors.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { configError, replaceNullWithDefaultKey } from "./util/config.ts";
import { keyAndValue } from "./util/descriptors.ts";
import type { RecordSide } from "./util/record-side.ts";
import { requireMap, requireSinkRecord, requireStruct } from "./util/requirements.ts";
import { copySchemaBasics, SchemaUpdateCache } from "./util/schema-util.ts";
import { mapCopy, mapLike } from "./util/schemaless-map.ts";

const PURPOSE = "field insertion";
const OPTIONALITY =
  "Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).";
const OPTIONAL_TIMESTAMP = ConnectTimestamp.builder().optional().build();
const TIMESTAMP = ConnectTimestamp.schema();

const config = defineConfig({
  "topic.field": key.string({ doc: `Field name for Kafka topic. ${OPTIONALITY}`, default: null }),
  "partition.field": key.string({ doc: `Field name for Kafka partition. ${OPTIONALITY}`, default: null }),
  "offset.field": key.string({
    doc: `Field name for Kafka offset - only applicable to sink connectors.<br/>${OPTIONALITY}`,
    default: null,
  }),
  "timestamp.field": key.string({ doc: `Field name for record timestamp. ${OPTIONALITY}`, default: null }),
  "static.field": key.string({ doc: `Field name for static data field. ${OPTIONALITY}`, default: null }),
  "static.value": key.string({ doc: "Static field value, if field name configured.", default: null }),
  "replace.null.with.default": replaceNullWithDefaultKey(),
});

/** A configured field name with its `!`/`?` suffix resolved. */
export interface InsertionSpec {
  readonly name: string;
  readonly optional: boolean;
}

export function parseInsertionSpec(spec: string | null): InsertionSpec | null {
  if (spec === null) return null;
  if (spec.endsWith("?")) return { name: spec.slice(0, -1), optional: true };
  if (spec.endsWith("!")) return { name: spec.slice(0, -1), optional: false };
  return { name: spec, optional: true };
}

export class InsertField implements Transformation {
  private topicField: InsertionSpec | null = null;
  private partitionField: InsertionSpec | null = null;
  private offsetField: InsertionSpec | null = null;
  private timestampField: InsertionSpec | null = null;
  private staticField: InsertionSpec | null = null;
  private staticValue: string | null = null;
  private replaceNullWithDefault = true;
  private readonly schemaCache = new SchemaUpdateCache();

  constructor(private readonly side: RecordSide) {}

  configure(configs: Readonly<Record<string, string>>): void {
    const parsed = config.parse(configs);
    this.topicField = parseInsertionSpec(parsed["topic.field"]);
    this.partitionField = parseInsertionSpec(parsed["partition.field"]);
    this.offsetField = parseInsertionSpec(parsed["offset.field"]);
    this.timestampField = parseInsertionSpec(parsed["timestamp.field"]);
    this.staticField = parseInsertionSpec(parsed["static.field"]);
    this.staticValue = parsed["static.value"];
    this.replaceNullWithDefault = parsed["replace.null.with.default"];
    if (!this.topicField && !this.partitionField && !this.offsetField && !this.timestampField && !this.staticField) {
      throw new ConfigError("No field insertion configured");
    }
    if (this.staticField && this.staticValue === null) {
      throw configError("static.value", null, `No value specified for static field: ${this.staticField.name}`);
    }
    this.schemaCache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.side.value(record);
    if (value === null || value === undefined) return record;
    return this.side.schema(record) === null
      ? this.applySchemaless(record, value)
      : this.applyWithSchema(record, value);
  }

  /** The metadata fields to add, in Apache's order; `timestamp` is what the record's timestamp becomes. */
  private insertions(record: ConnectRecord, timestamp: (ms: number) => unknown): [string, unknown][] {
    const out: [string, unknown][] = [];
    if (this.topicField) out.push([this.topicField.name, record.topic]);
    if (this.partitionField && record.kafkaPartition !== null)
      out.push([this.partitionField.name, record.kafkaPartition]);
    if (this.offsetField) out.push([this.offsetField.name, requireSinkRecord(record, PURPOSE).kafkaOffset]);
    if (this.timestampField && record.timestamp !== null)
      out.push([this.timestampField.name, timestamp(record.timestamp)]);
    if (this.staticField && this.staticValue !== null) out.push([this.staticField.name, this.staticValue]);
    return out;
  }

  private applySchemaless<R extends ConnectRecord>(record: R, value: unknown): R {
    const map = requireMap(value, PURPOSE);
    const updated = mapCopy(map);
    for (const [name, fieldValue] of this.insertions(record, (ms) => ms)) updated.set(name, fieldValue);
    return this.side.with(record, null, mapLike(map, updated));
  }

  private applyWithSchema<R extends ConnectRecord>(record: R, value: unknown): R {
    const struct = requireStruct(value, PURPOSE, this.side.schema(record));
    const updatedSchema = this.schemaCache.getOrBuild(struct.schema, (s) => this.buildSchema(s));
    const updated = new Struct(updatedSchema);
    for (const field of struct.schema.fields) {
      updated.put(field.name, this.replaceNullWithDefault ? struct.get(field) : struct.getWithoutDefault(field.name));
    }
    for (const [name, fieldValue] of this.insertions(record, (ms) => dateOfMillis(ms, "Record timestamp")))
      updated.put(name, fieldValue);
    return this.side.with(record, updatedSchema, updated);
  }

  private buildSchema(schema: Schema): Schema {
    const builder = copySchemaBasics(schema, SchemaBuilder.struct());
    for (const field of schema.fields) builder.field(field.name, field.schema);
    const add = (spec: InsertionSpec | null, optional: Schema, required: Schema) => {
      if (spec) builder.field(spec.name, spec.optional ? optional : required);
    };
    add(this.topicField, Schemas.OPTIONAL_STRING, Schemas.STRING);
    add(this.partitionField, Schemas.OPTIONAL_INT32, Schemas.INT32);
    add(this.offsetField, Schemas.OPTIONAL_INT64, Schemas.INT64);
    add(this.timestampField, OPTIONAL_TIMESTAMP, TIMESTAMP);
    add(this.staticField, Schemas.OPTIONAL_STRING, Schemas.STRING);
    return builder.build();
  }

  close(): void {
    this.schemaCache.clear();
  }
}

export const [insertFieldKey, insertFieldValue] = keyAndValue(
  "InsertField",
  "Inserts fields holding record metadata (topic, partition, offset, timestamp) or a fixed value.",
  config,
  (side) => new InsertField(side),
);
