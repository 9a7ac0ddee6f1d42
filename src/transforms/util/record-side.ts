/**
 * The part of a record a `$Key` or `$Value` SMT works on. Apache writes each such SMT as an
 * abstract class with `operatingSchema`/`operatingValue`/`newRecord` in two subclasses; here one
 * class takes a side. `with` builds the new record by spreading the old one, so SourceRecord and
 * SinkRecord fields (source offsets, Kafka offsets, timestamp type) survive.
 */
import type { Schema } from "../../api/data/schema.ts";
import type { ConnectRecord } from "../../api/record.ts";

export interface RecordSide {
  readonly name: "Key" | "Value";
  schema(record: ConnectRecord): Schema | null;
  value(record: ConnectRecord): unknown;
  with<R extends ConnectRecord>(record: R, schema: Schema | null, value: unknown): R;
}

export const KEY_SIDE: RecordSide = {
  name: "Key",
  schema: (record) => record.keySchema,
  value: (record) => record.key,
  with: (record, schema, value) => ({ ...record, keySchema: schema, key: value }),
};

export const VALUE_SIDE: RecordSide = {
  name: "Value",
  schema: (record) => record.valueSchema,
  value: (record) => record.value,
  with: (record, schema, value) => ({ ...record, valueSchema: schema, value }),
};
