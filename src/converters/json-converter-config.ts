/**
 * JsonConverter's configuration (JsonConverterConfig): Apache's keys, types, defaults, groups and
 * order within each group (which starts at 0 there) and documentation text, so
 * `GET /connector-plugins/…/config` and the `key.converter.*` / `value.converter.*` entries of
 * config validation match.
 */
import { check, defineConfig, key } from "../plugin/config-def.ts";
import { converterTypeKey } from "./converter-config.ts";

export const jsonConverterConfig = defineConfig({
  "converter.type": converterTypeKey(),
  "schemas.enable": key.boolean({
    doc: "Include schemas within each of the serialized values and keys.",
    default: true,
    importance: "HIGH",
    group: "Schemas",
    order: 0,
    width: "MEDIUM",
    displayName: "Enable Schemas",
  }),
  "schemas.cache.size": key.int({
    doc: "The maximum number of schemas that can be cached in this converter instance.",
    default: 1000,
    importance: "HIGH",
    group: "Schemas",
    order: 1,
    width: "MEDIUM",
    displayName: "Schema Cache Size",
  }),
  "schema.content": key.string({
    doc:
      "When set, this is used as the schema for all messages, and the schemas within each of the message will be ignored." +
      // Connect's text has no space after "ignored." (JsonConverterConfig); kept word for word.
      "Otherwise, the schema will be included in the content of each message. This configuration applies only 'schemas.enable' is true, and it exclusively affects the sink connector.",
    default: null,
    importance: "HIGH",
    group: "Schemas",
    order: 2,
    width: "MEDIUM",
    displayName: "Schema Content",
  }),
  "decimal.format": key.string({
    doc: "Controls which format this converter will serialize decimals in. This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
    default: "BASE64",
    validators: [check.oneOfIgnoreCase(["BASE64", "NUMERIC"])],
    importance: "LOW",
    group: "Serialization",
    order: 0,
    width: "MEDIUM",
    displayName: "Decimal Format",
  }),
  "replace.null.with.default": key.boolean({
    doc: "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.",
    default: true,
    importance: "LOW",
    group: "Serialization",
    order: 1,
    width: "MEDIUM",
    displayName: "Replace null with default",
  }),
});
