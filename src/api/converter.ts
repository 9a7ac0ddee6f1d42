/**
 * Converters (org.apache.kafka.connect.storage.Converter / HeaderConverter): bytes in Kafka to
 * and from Connect data. Configured once per connector with their own prefixed keys
 * (`value.converter.schemas.enable` reaches the value converter as `schemas.enable`).
 */
import type { Headers } from "./data/headers.ts";
import type { Schema } from "./data/schema.ts";

export interface SchemaAndValue {
  readonly schema: Schema | null;
  readonly value: unknown;
}

export const NULL_SCHEMA_AND_VALUE: SchemaAndValue = Object.freeze({ schema: null, value: null });

export interface Converter {
  configure(configs: Readonly<Record<string, string>>, isKey: boolean): void;
  fromConnectData(topic: string, headers: Headers, schema: Schema | null, value: unknown): Uint8Array | null;
  toConnectData(topic: string, headers: Headers, value: Uint8Array | null): SchemaAndValue;
  close?(): void;
}

export interface HeaderConverter {
  configure(configs: Readonly<Record<string, string>>): void;
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null;
  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue;
  close?(): void;
}
