/**
 * Values without a schema. Connect carries a schemaless map as a plain object (or a JS Map), and
 * names the type of such a value by its class, as `ConnectSchema.schemaType(value.getClass())`
 * does: integers are INT64 and other numbers FLOAT64, as JsonConverter reads them (an integral
 * Double is a JavaDouble).
 */
import { JavaDouble, JavaFloat } from "./java-double.ts";
import type { SchemaType } from "./schema.ts";
import { Struct } from "./struct.ts";

/** A plain object (made by a literal, JSON.parse or with a null prototype), not a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `ConnectSchema.schemaType(value.getClass())`: null when Connect's data API has no type for it (Date, BigDecimal, …). */
export function schemaTypeOf(value: unknown): SchemaType | null {
  switch (typeof value) {
    case "number":
      return Number.isInteger(value) ? "INT64" : "FLOAT64";
    case "bigint":
      return "INT64";
    case "boolean":
      return "BOOLEAN";
    case "string":
      return "STRING";
  }
  if (value instanceof JavaDouble) return value instanceof JavaFloat ? "FLOAT32" : "FLOAT64";
  if (value instanceof Uint8Array) return "BYTES";
  if (Array.isArray(value)) return "ARRAY";
  if (value instanceof Map || isPlainObject(value)) return "MAP";
  if (value instanceof Struct) return "STRUCT";
  return null;
}
