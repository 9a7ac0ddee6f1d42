/**
 * The common schema of an array's elements or a map's keys or values, as
 * org.apache.kafka.connect.data.Values infers it when parsing `[…]` and `{…}`: numbers widen to the
 * wider type, other types must match, and one mismatch means there is none; `schemalessOf` is how an
 * element that keeps its own type holds it. Used by values.ts.
 */

import type { SchemaAndValue } from "../converter.ts";
import { schemalessDouble, schemalessFloat } from "./java-double.ts";
import { javaMapOrigin, setJavaMapOrigin } from "./java-map-order.ts";
import { type Schema, type SchemaType, schemaEquals } from "./schema.ts";

const NUMERIC_RANK: Partial<Record<SchemaType, number>> = {
  INT8: 1,
  INT16: 2,
  INT32: 3,
  INT64: 4,
  FLOAT32: 5,
  FLOAT64: 6,
};

/** Merges the schema of each element in turn; `schema` is the common one so far, null when there is none. */
export class SchemaMerger {
  schema: Schema | null = null;
  #compatible = true;

  merge(latest: SchemaAndValue | null): void {
    if (!latest?.schema || !this.#compatible) return;
    if (this.schema === null) {
      this.schema = latest.schema;
      return;
    }
    this.schema = mergeSchemas(this.schema, latest.schema);
    this.#compatible = this.schema !== null;
  }
}

/** Numbers widen to the wider type; other types must match (the later schema wins when they do). */
function mergeSchemas(previous: Schema, next: Schema): Schema | null {
  if (previous.type !== next.type) {
    const a = NUMERIC_RANK[previous.type];
    const b = NUMERIC_RANK[next.type];
    if (a === undefined || b === undefined) return null;
    return a > b ? previous : next;
  }
  if (previous.optional === next.optional) return previous.optional ? previous : next;
  return schemaEquals(previous, next) ? previous : null;
}

/** A value parsed with `schema` as a schemaless value holds it: a FLOAT32 a JavaFloat, a FLOAT64 as schemalessDouble. */
export function schemalessOf(schema: Schema | null | undefined, value: unknown): unknown {
  if (value === null || value === undefined || !schema) return value;
  switch (schema.type) {
    case "FLOAT32":
      return typeof value === "number" ? schemalessFloat(value) : value;
    case "FLOAT64":
      return typeof value === "number" ? schemalessDouble(value) : value;
    case "ARRAY":
      return Array.isArray(value) ? value.map((item) => schemalessOf(schema.valueSchema, item)) : value;
    case "MAP":
      if (!(value instanceof Map)) return value;
      return setJavaMapOrigin(
        new Map([...value].map(([k, v]) => [schemalessOf(schema.keySchema, k), schemalessOf(schema.valueSchema, v)])),
        javaMapOrigin(value),
      );
    default:
      return value;
  }
}
