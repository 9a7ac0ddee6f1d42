/**
 * org.apache.kafka.connect.storage.StringConverter: a value as the text of its `toString()`
 * (Java's forms: `1.0` for a FLOAT64, `Struct{a=1}`), read back as an optional string. The
 * charset is `converter.encoding`; as in Apache, `key.serializer.encoding` /
 * `value.serializer.encoding` (and `…deserializer.encoding`) passed to the converter win over it.
 * Both a Converter and a HeaderConverter.
 */
import type { Converter, HeaderConverter, SchemaAndValue } from "../api/converter.ts";
import { javaToString } from "../api/data/java-text.ts";
import { JsonText } from "../api/data/json-text.ts";
import { type Schema, Schemas } from "../api/data/schema.ts";
import { ConfigError, JavaException, serializationException } from "../errors.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { type Charset, charsetForName } from "./charset.ts";
import { converterTypeKey, withConverterType } from "./converter-config.ts";

export const stringConverterConfig = defineConfig({
  "converter.type": converterTypeKey(),
  "converter.encoding": key.string({
    doc: "The name of the Java character set to use for encoding strings as byte arrays.",
    default: "UTF-8",
    importance: "HIGH",
    width: "MEDIUM",
    displayName: "Encoding",
  }),
});

/** Java's legal charset names (`Charset.forName` throws IllegalCharsetNameException for others). */
const LEGAL_CHARSET_NAME = /^[A-Za-z0-9][A-Za-z0-9\-+:_.]*$/;

/**
 * The charset of an encoding, or what Apache's StringSerializer and StringDeserializer throw for an
 * unknown one: a SerializationException around the JDK's charset exception (a FAILED task's trace).
 */
function serdeCharset(name: string): Charset {
  try {
    return charsetForName(name);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const failure = serializationException(error.message);
    const jdk = LEGAL_CHARSET_NAME.test(name) ? "UnsupportedCharsetException" : "IllegalCharsetNameException";
    failure.cause = new JavaException(`java.nio.charset.${jdk}`, name);
    throw failure;
  }
}

export class StringConverter implements Converter, HeaderConverter {
  /** A JsonText value is written as its text. */
  readonly acceptsJsonText = true;
  #encoding: Charset = charsetForName("UTF-8");
  #decoding: Charset = charsetForName("UTF-8");

  /** `isKey` is given in the converter role; without it the converter is a header converter. */
  configure(configs: Readonly<Record<string, string>>, isKey?: boolean): void {
    const resolved = withConverterType(configs, isKey);
    const config = stringConverterConfig.parse(resolved);
    const role = config["converter.type"] === "key" ? "key" : "value";
    const encoding = config["converter.encoding"];
    this.#encoding = serdeCharset(resolved[`${role}.serializer.encoding`] ?? encoding);
    this.#decoding = serdeCharset(resolved[`${role}.deserializer.encoding`] ?? encoding);
  }

  /** Java's name of the charset it writes text in (what a Content-Type's `charset` names). */
  get encodingName(): string {
    return this.#encoding.name;
  }

  fromConnectData(_topic: string, _headers: unknown, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) return null;
    if (value instanceof JsonText) return this.#encoding.encode(value.text);
    return this.#encoding.encode(javaToString(value, schema));
  }

  toConnectData(_topic: string, _headers: unknown, value: Uint8Array | null): SchemaAndValue {
    return { schema: Schemas.OPTIONAL_STRING, value: value === null ? null : this.#decoding.decode(value) };
  }

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, undefined, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, undefined, value);
  }
}
