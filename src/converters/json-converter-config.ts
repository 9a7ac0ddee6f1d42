/**
 * JsonConverter's configuration (JsonConverterConfig): Apache's keys, types, defaults, groups and
 * order within each group (which starts at 0 there), so `GET /connector-plugins/…/config` matches.
 */
import { check, defineConfig, key } from "../plugin/config-def.ts";
import { converterTypeKey } from "./converter-config.ts";

export const jsonConverterConfig = defineConfig({
  "converter.type": converterTypeKey(),
  "schemas.enable": key.boolean({
    doc: "Whether each serialized key or value carries its schema: a JSON envelope with a schema and a payload.",
    default: true,
    importance: "HIGH",
    group: "Schemas",
    order: 0,
    width: "MEDIUM",
    displayName: "Enable Schemas",
  }),
  "schemas.cache.size": key.int({
    doc: "How many schemas one converter instance keeps translated, in each direction.",
    default: 1000,
    importance: "HIGH",
    group: "Schemas",
    order: 1,
    width: "MEDIUM",
    displayName: "Schema Cache Size",
  }),
  "schema.content": key.string({
    doc:
      "A schema in the converter's JSON schema format. When set, and schemas.enable is true, every message is read " +
      "as a bare payload of this schema instead of an envelope. It only affects reading (sink connectors).",
    default: null,
    importance: "HIGH",
    group: "Schemas",
    order: 2,
    width: "MEDIUM",
    displayName: "Schema Content",
  }),
  "decimal.format": key.string({
    doc:
      "How Decimal values are written: BASE64 (the default) as base64 of the unscaled two's-complement bytes, " +
      "or NUMERIC as a JSON number. Case insensitive.",
    default: "BASE64",
    validators: [check.oneOfIgnoreCase(["BASE64", "NUMERIC"])],
    importance: "LOW",
    group: "Serialization",
    order: 0,
    width: "MEDIUM",
    displayName: "Decimal Format",
  }),
  "replace.null.with.default": key.boolean({
    doc:
      "Whether a null field value whose schema has a default is replaced by that default when writing and " +
      "reading. When false the null stays null.",
    default: true,
    importance: "LOW",
    group: "Serialization",
    order: 1,
    width: "MEDIUM",
    displayName: "Replace null with default",
  }),
});
