/**
 * org.apache.kafka.connect.converters.ByteArrayConverter: passes bytes through unchanged (BYTES
 * schema or none), read back with an optional BYTES schema. Both a Converter and a
 * HeaderConverter. Like Apache's, `configure` ignores its configs.
 */
import type { Converter, HeaderConverter, SchemaAndValue } from "../api/converter.ts";
import { schemalessClassOf } from "../api/data/java-text.ts";
import { type Schema, Schemas } from "../api/data/schema.ts";
import { DataError } from "../errors.ts";
import { defineConfig } from "../plugin/config-def.ts";
import { converterTypeKey } from "./converter-config.ts";

export const byteArrayConverterConfig = defineConfig({ "converter.type": converterTypeKey() });

export class ByteArrayConverter implements Converter, HeaderConverter {
  configure(_configs: Readonly<Record<string, string>>, _isKey?: boolean): void {}

  fromConnectData(_topic: string, _headers: unknown, schema: Schema | null, value: unknown): Uint8Array | null {
    if (schema && schema.type !== "BYTES")
      throw new DataError(`Invalid schema type for ByteArrayConverter: ${schema.type}`);
    if (value === null || value === undefined) return null;
    if (!(value instanceof Uint8Array)) {
      throw new DataError(`ByteArrayConverter is not compatible with objects of type ${schemalessClassOf(value)}`);
    }
    return value;
  }

  toConnectData(_topic: string, _headers: unknown, value: Uint8Array | null): SchemaAndValue {
    return { schema: Schemas.OPTIONAL_BYTES, value };
  }

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, undefined, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, undefined, value);
  }
}
