/**
 * Flink's `format` option of the HTTP sink as a Connect value converter: Flink serializes each row
 * with its format and sends those bytes (`json`: the row as a JSON object; `raw`: the bytes as they
 * are), which here are the record value written by JsonConverter without the schema envelope, or by
 * ByteArrayConverter. Applies only when the connector config sets no `value.converter` of its own
 * (the runtime asks through the descriptor's `impliedConverters`); the connector warns otherwise.
 */
import type { Config } from "../../api/connector.ts";
import type { ImpliedConverters } from "../../plugin/descriptor.ts";
import { httpSinkConfig } from "./config.ts";

export const FORMAT_CONVERTERS = {
  json: { className: "org.apache.kafka.connect.json.JsonConverter", settings: { "schemas.enable": "false" } },
  raw: { className: "org.apache.kafka.connect.converters.ByteArrayConverter", settings: {} },
} as const;

/** The configured format, lower case, or null when unset (or invalid: validation reports that). */
export function formatOf(config: Config): keyof typeof FORMAT_CONVERTERS | null {
  let format: string | null;
  try {
    format = httpSinkConfig.parse(config).format;
  } catch {
    return null;
  }
  const lower = format?.toLowerCase();
  return lower === "json" || lower === "raw" ? lower : null;
}

/** The value converter `format` stands for, if the config has one. */
export function formatConverters(config: Config): ImpliedConverters {
  const format = formatOf(config);
  return format === null ? {} : { "value.converter": FORMAT_CONVERTERS[format] };
}
