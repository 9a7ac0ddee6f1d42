/**
 * Converters (org.apache.kafka.connect.storage.Converter / HeaderConverter): bytes in Kafka to
 * and from Connect data. Configured once per connector with their own prefixed keys
 * (`value.converter.schemas.enable` reaches the value converter as `schemas.enable`).
 */
import type { Schema } from "./data/schema.ts";
import type { RecordHeaders } from "./record-headers.ts";

export interface SchemaAndValue {
  readonly schema: Schema | null;
  readonly value: unknown;
}

export const NULL_SCHEMA_AND_VALUE: SchemaAndValue = Object.freeze({ schema: null, value: null });

export interface Converter {
  configure(configs: Readonly<Record<string, string>>, isKey: boolean): void;
  /**
   * True when `fromConnectData` takes a JsonText (api/data/json-text.ts) as it is; otherwise the
   * runtime hands the converter the parsed value.
   */
  readonly acceptsJsonText?: boolean;
  /**
   * Connect data to bytes. `headers` are the record's Kafka headers as Connect passes them: already
   * converted by the header converter, and the record is produced with whatever this adds.
   */
  fromConnectData(topic: string, headers: RecordHeaders, schema: Schema | null, value: unknown): Uint8Array | null;
  /** Bytes to Connect data; `headers` are the consumed record's Kafka headers (read-only). */
  toConnectData(topic: string, headers: RecordHeaders, value: Uint8Array | null): SchemaAndValue;
  /**
   * Bytes to Connect data without building it, where the converter can: a schemaless JSON value
   * as a JsonText (api/data/json-text.ts) holding these very bytes (JsonConverter with
   * `schemas.enable=false`), once they are checked to be one valid JSON value. Undefined when the
   * converter cannot or the bytes are anything else (not JSON, empty): the caller then calls
   * `toConnectData`, which gives today's value or error. Only for a consumer that accepts JsonText.
   */
  toConnectJsonText?(topic: string, headers: RecordHeaders, value: Uint8Array | null): SchemaAndValue | undefined;
  close?(): void;
}

export interface HeaderConverter {
  configure(configs: Readonly<Record<string, string>>): void;
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null;
  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue;
  close?(): void;
}
