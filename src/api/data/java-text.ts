/**
 * Java's text forms of values, where Connect's output depends on them: `Double.toString` and
 * `Float.toString` (JsonConverter writes numbers this way, Values prints them), Java's class
 * names for error messages ("Invalid type for INT32: class java.lang.String"), `String.trim`,
 * `String.split` and `Object.toString` as StringConverter prints values. Shared by the converters,
 * the config keys and the transformations (Cast prints numbers with it; `java-floating.ts` parses them).
 */

import { javaDateToString } from "./java-date.ts";
import { JavaDouble, JavaFloat } from "./java-double.ts";
import { javaMapEntries } from "./java-map-order.ts";
import { javaDoubleToString, javaFloatToString } from "./java-number-text.ts";
import { BigDecimal } from "./logical.ts";
import type { Schema } from "./schema.ts";
import { Struct } from "./struct.ts";

export { javaDoubleToString, javaFloatToString };

/** Java's `String.trim()`: strips characters up to U+0020 (not all Unicode white space). */
export function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/**
 * Java's `String.split(separator)` for a separator with no regex metacharacter (`":"`): trailing
 * empty strings are dropped (`"a:"` and `":"` give `["a"]` and `[]`), but a text the separator does
 * not occur in comes back whole (`""` gives `[""]`).
 */
export function javaSplit(text: string, separator: string): string[] {
  const parts = text.split(separator);
  if (parts.length === 1) return parts;
  while (parts.length > 0 && parts.at(-1) === "") parts.pop();
  return parts;
}

/** The Java class Connect holds a number of each schema type in. */
export const NUMBER_CLASS_NAMES: Readonly<Partial<Record<string, string>>> = {
  INT8: "java.lang.Byte",
  INT16: "java.lang.Short",
  INT32: "java.lang.Integer",
  INT64: "java.lang.Long",
  FLOAT32: "java.lang.Float",
  FLOAT64: "java.lang.Double",
};

/** The class a Java Connect value of this kind would have, as `getClass()` prints it. */
export function javaClassOf(value: unknown): string {
  return `class ${dataClassName(value) ?? (value as object).constructor?.name ?? "java.lang.Object"}`;
}

/**
 * `javaClassOf` for a schemaless value: a whole number there is a Long, as JsonConverter
 * (schemas.enable=false), the HTTP source and device ingest read a JSON one (`1`, `21`).
 */
export function schemalessClassOf(value: unknown): string {
  return typeof value === "number" && Number.isInteger(value) ? "class java.lang.Long" : javaClassOf(value);
}

/**
 * The name of the Java class Connect holds a data-API value in (`java.lang.String`, `[B`), or null
 * for a JS value it has no class for. Integers within an int are Integers, larger ones Longs.
 */
export function dataClassName(value: unknown): string | null {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return "java.lang.String";
    case "boolean":
      return "java.lang.Boolean";
    case "bigint":
      return "java.lang.Long";
    case "number":
      if (!Number.isInteger(value)) return "java.lang.Double";
      return value >= -2147483648 && value <= 2147483647 ? "java.lang.Integer" : "java.lang.Long";
  }
  if (value instanceof JavaDouble) return value instanceof JavaFloat ? "java.lang.Float" : "java.lang.Double";
  if (value instanceof Uint8Array) return "[B";
  if (Array.isArray(value)) return "java.util.ArrayList";
  if (value instanceof Map) return "java.util.HashMap";
  if (value instanceof Struct) return "org.apache.kafka.connect.data.Struct";
  if (value instanceof BigDecimal) return "java.math.BigDecimal";
  if (value instanceof Date) return "java.util.Date";
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) return "java.util.HashMap";
  return null;
}

/**
 * `value.toString()` as Java prints a Connect value: `1.0` for a FLOAT64 one (the schema tells
 * the Java type a JavaScript number stands for), `[a, b]` for a list, `{k=v}` for a map,
 * `Struct{…}` for a struct, `[B@…` for bytes (Java prints the array's identity, not its content).
 */
export function javaToString(value: unknown, schema?: Schema | null): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") {
    if (schema?.type === "FLOAT32") return javaFloatToString(value);
    if (schema?.type === "FLOAT64" || !Number.isInteger(value)) return javaDoubleToString(value);
    return String(value);
  }
  if (typeof value === "string") return value;
  if (value instanceof JavaDouble) return value.toString();
  if (value instanceof Date) return javaDateToString(value);
  if (value instanceof Uint8Array) return `[B@${value.length.toString(16)}`;
  if (Array.isArray(value)) return `[${value.map((v) => javaToString(v, schema?.valueSchema)).join(", ")}]`;
  if (value instanceof Map || (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype)) {
    // AbstractMap.toString iterates the map: a HashMap's entries come in its hash order.
    const entries = javaMapEntries(value as Map<unknown, unknown>, schema?.keySchema).map(
      ([k, v]) => `${javaToString(k, schema?.keySchema)}=${javaToString(v, schema?.valueSchema)}`,
    );
    return `{${entries.join(", ")}}`;
  }
  if (value instanceof Struct) {
    const fields = value.schema.fields
      .map((f) => [f, value.getWithoutDefault(f.name)] as const)
      .filter(([, v]) => v !== null)
      .map(([f, v]) => `${f.name}=${javaToString(v, f.schema)}`);
    return `Struct{${fields.join(",")}}`;
  }
  return String(value);
}
