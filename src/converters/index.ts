/**
 * The built-in converters and header converters, as plugin descriptors for `src/plugins.ts`.
 * Every Apache converter class that is also a HeaderConverter is listed twice, once per role
 * (type `converter` and type `header_converter`), like Connect's plugin listing; both
 * descriptors create the same class.
 */
import type { Converter, HeaderConverter } from "../api/converter.ts";
import type { ConfigDef } from "../plugin/config-def.ts";
import type { ConverterDescriptor, HeaderConverterDescriptor, PluginDescriptor } from "../plugin/descriptor.ts";
import { CONNECT_VERSION } from "../version.ts";
import { BooleanConverter, booleanConverterConfig } from "./boolean-converter.ts";
import { ByteArrayConverter, byteArrayConverterConfig } from "./byte-array-converter.ts";
import { JsonConverter } from "./json-converter.ts";
import { jsonConverterConfig } from "./json-converter-config.ts";
import {
  DoubleConverter,
  FloatConverter,
  IntegerConverter,
  LongConverter,
  numberConverterConfig,
  ShortConverter,
} from "./number-converters.ts";
import { SimpleHeaderConverter, simpleHeaderConverterConfig } from "./simple-header-converter.ts";
import { StringConverter, stringConverterConfig } from "./string-converter.ts";

/** A converter class usable in both roles: one descriptor per role, one implementation. */
function bothRoles(
  className: string,
  config: ConfigDef,
  summary: string,
  create: () => Converter & HeaderConverter,
): [ConverterDescriptor, HeaderConverterDescriptor] {
  const common = { className, version: CONNECT_VERSION, config, summary, create };
  return [
    { type: "converter", ...common },
    { type: "header_converter", ...common },
  ];
}

const converters = "org.apache.kafka.connect.converters";

export const converterPlugins: PluginDescriptor[] = [
  ...bothRoles(
    "org.apache.kafka.connect.json.JsonConverter",
    jsonConverterConfig,
    "Connect data as JSON, by default in an envelope with the schema and the payload (schemas.enable); " +
      "byte for byte what Apache's JsonConverter writes.",
    () => new JsonConverter(),
  ),
  ...bothRoles(
    "org.apache.kafka.connect.storage.StringConverter",
    stringConverterConfig,
    "Values as text in a chosen character set (converter.encoding), read back as optional strings.",
    () => new StringConverter(),
  ),
  ...bothRoles(
    `${converters}.ByteArrayConverter`,
    byteArrayConverterConfig,
    "Bytes passed through unchanged, read back as optional bytes.",
    () => new ByteArrayConverter(),
  ),
  ...bothRoles(
    `${converters}.BooleanConverter`,
    booleanConverterConfig,
    "A boolean as one byte (1 or 0), like Kafka's BooleanSerializer.",
    () => new BooleanConverter(),
  ),
  ...bothRoles(
    `${converters}.ShortConverter`,
    numberConverterConfig,
    "A 16-bit integer as 2 big-endian bytes, like Kafka's ShortSerializer.",
    () => new ShortConverter(),
  ),
  ...bothRoles(
    `${converters}.IntegerConverter`,
    numberConverterConfig,
    "A 32-bit integer as 4 big-endian bytes, like Kafka's IntegerSerializer.",
    () => new IntegerConverter(),
  ),
  ...bothRoles(
    `${converters}.LongConverter`,
    numberConverterConfig,
    "A 64-bit integer as 8 big-endian bytes, like Kafka's LongSerializer.",
    () => new LongConverter(),
  ),
  ...bothRoles(
    `${converters}.FloatConverter`,
    numberConverterConfig,
    "A 32-bit float as 4 big-endian IEEE 754 bytes, like Kafka's FloatSerializer.",
    () => new FloatConverter(),
  ),
  ...bothRoles(
    `${converters}.DoubleConverter`,
    numberConverterConfig,
    "A 64-bit float as 8 big-endian IEEE 754 bytes, like Kafka's DoubleSerializer.",
    () => new DoubleConverter(),
  ),
  {
    type: "header_converter",
    className: "org.apache.kafka.connect.storage.SimpleHeaderConverter",
    version: CONNECT_VERSION,
    config: simpleHeaderConverterConfig,
    summary:
      "Connect's default header converter: header values as text, read back with the schema the text implies " +
      "(numbers, booleans, dates, arrays, maps, else strings).",
    create: () => new SimpleHeaderConverter(),
  },
];
