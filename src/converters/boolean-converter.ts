/**
 * org.apache.kafka.connect.converters.BooleanConverter: a boolean as one byte, 1 or 0 (Kafka's
 * BooleanSerializer), read back with an optional BOOLEAN schema. Both a Converter and a
 * HeaderConverter.
 */
import type { Converter, HeaderConverter, SchemaAndValue } from "../api/converter.ts";
import { schemalessClassOf } from "../api/data/java-text.ts";
import { type Schema, Schemas } from "../api/data/schema.ts";
import { DataError, serializationException } from "../errors.ts";
import { defineConfig } from "../plugin/config-def.ts";
import { converterTypeKey, withConverterType } from "./converter-config.ts";

export const booleanConverterConfig = defineConfig({ "converter.type": converterTypeKey() });

export class BooleanConverter implements Converter, HeaderConverter {
  /** `isKey` is given in the converter role; without it the converter is a header converter. */
  configure(configs: Readonly<Record<string, string>>, isKey?: boolean): void {
    booleanConverterConfig.parse(withConverterType(configs, isKey));
  }

  fromConnectData(_topic: string, _headers: unknown, schema: Schema | null, value: unknown): Uint8Array | null {
    if (schema && schema.type !== "BOOLEAN")
      throw new DataError(`Invalid schema type for BooleanConverter: ${schema.type}`);
    if (value === null || value === undefined) return null;
    if (typeof value !== "boolean") {
      throw new DataError(`BooleanConverter is not compatible with objects of type ${schemalessClassOf(value)}`);
    }
    return new Uint8Array([value ? 1 : 0]);
  }

  toConnectData(_topic: string, _headers: unknown, value: Uint8Array | null): SchemaAndValue {
    return { schema: Schemas.OPTIONAL_BOOLEAN, value: value === null ? null : readBoolean(value) };
  }

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, undefined, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, undefined, value);
  }
}

function readBoolean(bytes: Uint8Array): boolean {
  const fail = (reason: string) =>
    new DataError("Failed to deserialize boolean: ", { cause: serializationException(reason) });
  if (bytes.length !== 1) throw fail("Size of data received by BooleanDeserializer is not 1");
  if (bytes[0] === 1) return true;
  if (bytes[0] === 0) return false;
  throw fail(`Unexpected byte received by BooleanDeserializer: ${(bytes[0]! << 24) >> 24}`);
}
