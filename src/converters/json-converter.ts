/**
 * org.apache.kafka.connect.json.JsonConverter: Connect data as JSON, by default inside an envelope
 * `{"schema": …, "payload": …}` (`schemas.enable`), byte for byte as Apache writes it. Both a
 * Converter and a HeaderConverter; the runtime creates one per connector and role.
 */
import type { Converter, HeaderConverter, SchemaAndValue } from "../api/converter.ts";
import { NULL_SCHEMA_AND_VALUE } from "../api/converter.ts";
import { JsonText } from "../api/data/json-text.ts";
import type { Schema } from "../api/data/schema.ts";
import { isPlainObject } from "../api/data/schemaless.ts";
import { DataError } from "../errors.ts";
import { withConverterType } from "./converter-config.ts";
import { jsonConverterConfig } from "./json-converter-config.ts";
import { connectToJson, DEFAULT_JSON_DATA_OPTIONS, type DecimalFormat, type JsonDataOptions } from "./json-data.ts";
import { jsonToSchema, schemaToJson } from "./json-schema.ts";
import { jsonTextOf, parseJson, stringifyJson, utf8 } from "./json-text.ts";
import { jsonToConnect } from "./json-to-connect.ts";
import { LruCache } from "./lru-cache.ts";

const ENVELOPE_REQUIRED =
  'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields.' +
  " If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.";

export class JsonConverter implements Converter, HeaderConverter {
  /** A JsonText value is written as its bytes with schemas.enable=false, parsed into the envelope otherwise. */
  readonly acceptsJsonText = true;
  #options: JsonDataOptions = DEFAULT_JSON_DATA_OPTIONS;
  #schemasEnabled = true;
  #fixedSchema: Schema | null = null;
  #schemaTexts = new LruCache<Schema, string>(1000);
  #schemas = new LruCache<string, Schema | null>(1000);

  /** `isKey` is given in the converter role; without it the converter is a header converter. */
  configure(configs: Readonly<Record<string, string>>, isKey?: boolean): void {
    const config = jsonConverterConfig.parse(withConverterType(configs, isKey));
    this.#schemasEnabled = config["schemas.enable"];
    this.#options = {
      decimalFormat: config["decimal.format"].toUpperCase() as DecimalFormat,
      replaceNullWithDefault: config["replace.null.with.default"],
    };
    this.#schemaTexts = new LruCache(config["schemas.cache.size"]);
    this.#schemas = new LruCache(config["schemas.cache.size"]);
    const content = config["schema.content"];
    this.#fixedSchema = content ? this.#parseSchemaContent(content) : null;
  }

  fromConnectData(_topic: string, _headers: unknown, schema: Schema | null, value: unknown): Uint8Array | null {
    if (schema === null && (value === null || value === undefined)) return null;
    if (value instanceof JsonText) {
      if (schema === null && !this.#schemasEnabled) return value.bytes();
      return this.fromConnectData(_topic, _headers, schema, value.value());
    }
    const payload = stringifyJson(connectToJson(schema, value, this.#options));
    if (!this.#schemasEnabled) return utf8(payload);
    return utf8(`{"schema":${this.#schemaText(schema)},"payload":${payload}}`);
  }

  toConnectData(_topic: string, _headers: unknown, value: Uint8Array | null): SchemaAndValue {
    if (value === null) return NULL_SCHEMA_AND_VALUE;
    const json = parseJson(value, this.#fixedSchema !== null);
    if (!this.#schemasEnabled) return { schema: null, value: jsonToConnect(null, json, this.#options) };
    if (this.#fixedSchema)
      return { schema: this.#fixedSchema, value: jsonToConnect(this.#fixedSchema, json, this.#options) };
    if (
      !isPlainObject(json) ||
      !Object.hasOwn(json, "schema") ||
      !Object.hasOwn(json, "payload") ||
      Object.keys(json).length !== 2
    ) {
      throw new DataError(ENVELOPE_REQUIRED);
    }
    const schema = this.#schemaOf(json.schema);
    return { schema, value: jsonToConnect(schema, json.payload, this.#options) };
  }

  /** With schemas.enable=false: valid JSON as a JsonText of the bytes (written back as they are). */
  toConnectJsonText(_topic: string, _headers: unknown, value: Uint8Array | null): SchemaAndValue | undefined {
    if (this.#schemasEnabled || value === null) return undefined;
    const json = jsonTextOf(value);
    if (json === undefined) return undefined;
    return json === null ? NULL_SCHEMA_AND_VALUE : { schema: null, value: json };
  }

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, undefined, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, undefined, value);
  }

  /** The envelope's schema text for `schema`, cached by schema object. */
  #schemaText(schema: Schema | null): string {
    if (!schema) return "null";
    let text = this.#schemaTexts.get(schema);
    if (text === undefined) {
      text = stringifyJson(schemaToJson(schema, this.#options));
      this.#schemaTexts.set(schema, text);
    }
    return text;
  }

  /** The schema an envelope's schema JSON describes, cached by its canonical text. */
  #schemaOf(json: unknown): Schema | null {
    if (json === null) return null;
    const key = canonicalText(json);
    const cached = this.#schemas.get(key);
    if (cached !== undefined) return cached;
    const schema = jsonToSchema(json, this.#options);
    this.#schemas.set(key, schema);
    return schema;
  }

  #parseSchemaContent(content: string): Schema | null {
    let json: unknown;
    try {
      json = parseJson(utf8(content), true);
    } catch (e) {
      throw new DataError("Failed to parse schema in converter config due to serialization error: ", {
        cause: (e as Error).cause ?? e,
      });
    }
    return jsonToSchema(json, this.#options);
  }
}

function canonicalText(json: unknown): string {
  try {
    return JSON.stringify(json);
  } catch {
    return JSON.stringify(json, (_key, v) => (typeof v === "bigint" ? JSON.rawJSON(v.toString()) : v));
  }
}
