/**
 * `Values.convertToString`: Connect's text form of a value, as SimpleHeaderConverter writes
 * header values. A top-level string is itself; inside lists, maps and structs strings are quoted
 * (with `\` and `"` escaped), bytes are base64, maps and structs are `{k:v,…}`, and a date-like
 * value prints by its millisecond count (under a day: `HH:mm:ss.SSSZ`; whole days: `yyyy-MM-dd`;
 * otherwise a timestamp), in UTC. Numbers print as Java prints the type the schema names.
 */

import { DataError } from "../../errors.ts";
import { JavaDouble } from "./java-double.ts";
import { javaMapEntries } from "./java-map-order.ts";
import { javaClassOf, javaDoubleToString, javaFloatToString } from "./java-text.ts";
import { BigDecimal } from "./logical.ts";
import type { Schema } from "./schema.ts";
import { Struct } from "./struct.ts";

const MS_PER_DAY = 86_400_000;

export function convertToString(schema: Schema | null | undefined, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return append(value, false, schema);
}

function append(value: unknown, embedded: boolean, schema: Schema | null | undefined): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "number":
      return numberText(value, schema);
    case "bigint":
    case "boolean":
      return String(value);
    case "string":
      return embedded ? `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"` : value;
  }
  if (value instanceof JavaDouble)
    return schema?.type === "FLOAT32" ? javaFloatToString(value.value) : value.toString();
  if (value instanceof BigDecimal) return value.toString();
  if (value instanceof Uint8Array) return embedded ? `"${value.toBase64()}"` : value.toBase64();
  if (Array.isArray(value)) return `[${value.map((item) => append(item, true, schema?.valueSchema)).join(",")}]`;
  if (value instanceof Map) {
    // Values iterates the map: a HashMap's entries come in its hash order (Values' own maps are linked).
    const entries = javaMapEntries(value, schema?.keySchema).map(
      ([k, v]) => `${append(k, true, schema?.keySchema)}:${append(v, true, schema?.valueSchema)}`,
    );
    return `{${entries.join(",")}}`;
  }
  if (value instanceof Struct) {
    const fields = value.schema.fields.map(
      (f) => `${append(f.name, true, null)}:${append(value.get(f), true, f.schema)}`,
    );
    return `{${fields.join(",")}}`;
  }
  if (value instanceof Date) return formatDate(value);
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = javaMapEntries(value as Record<string, unknown>).map(
      ([k, v]) => `${append(k, true, null)}:${append(v, true, null)}`,
    );
    return `{${entries.join(",")}}`;
  }
  throw new DataError(`Failed to serialize unexpected value type ${javaClassOf(value).slice(6)}: ${String(value)}`);
}

function numberText(value: number, schema: Schema | null | undefined): string {
  if (schema?.type === "FLOAT32") return javaFloatToString(value);
  if (schema?.type === "FLOAT64" || !Number.isInteger(value)) return javaDoubleToString(value);
  return String(value);
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Values.dateFormatFor: the format follows the millisecond count, not the schema. */
export function formatDate(date: Date): string {
  const ms = date.getTime();
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}Z`;
  if (ms < MS_PER_DAY) return time;
  const day = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  return ms % MS_PER_DAY === 0 ? day : `${day}T${time}`;
}
