/**
 * org.apache.kafka.connect.storage.SimpleHeaderConverter, Connect's default header converter:
 * writes a header value as the UTF-8 text of `Values.convertToString`, and reads header bytes
 * back with `Values.parseString`, which infers the schema from the text (`42` is an INT8, `true`
 * a BOOLEAN, `2024-01-15` a Date, `[1,2]` an array, anything else a STRING). Bytes that cannot be
 * read as text come back as BYTES, with a warning, as in Apache.
 */
import type { HeaderConverter, SchemaAndValue } from "../api/converter.ts";
import { NULL_SCHEMA_AND_VALUE } from "../api/converter.ts";
import { type Schema, Schemas } from "../api/data/schema.ts";
import { convertToString, parseString } from "../api/data/values.ts";
import { defineConfig } from "../plugin/config-def.ts";
import { getLogger } from "../util/logger.ts";
import { charsetForName } from "./charset.ts";

export const simpleHeaderConverterConfig = defineConfig({});

const UTF_8 = charsetForName("UTF-8");
const log = getLogger("org.apache.kafka.connect.storage.SimpleHeaderConverter");

export class SimpleHeaderConverter implements HeaderConverter {
  configure(_configs: Readonly<Record<string, string>>): void {}

  fromConnectHeader(_topic: string, _headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    const text = convertToString(schema, value);
    return text === null ? null : UTF_8.encode(text);
  }

  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue {
    if (value === null) return NULL_SCHEMA_AND_VALUE;
    try {
      return parseString(UTF_8.decode(value));
    } catch (e) {
      log.warn(`Failed to deserialize value for header '${headerKey}' on topic '${topic}', so using byte array`, e);
      return { schema: Schemas.BYTES, value };
    }
  }
}
