/**
 * Schemaless maps. Without a schema Connect carries a map as a plain object; a JS Map is accepted
 * wherever Apache accepts a `java.util.Map`. Transforms read through these helpers and build their
 * result in the same form as their input, so a Map stays a Map and an object stays an object.
 * They read a map in Java's iteration order and record how Apache's transformation makes its result
 * (`new HashMap<>(value)`, `new HashMap<>(n)`, a LinkedHashMap), so that printing it or writing it
 * as JSON gives Java's order (api/data/java-map-order.ts).
 */
import { javaMapEntries, javaMapOrigin, objectFromEntries, setJavaMapOrigin } from "../../api/data/java-map-order.ts";
import { isPlainObject } from "../../api/data/schemaless.ts";

export type SchemalessMap = Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>;

/** True for a JS Map or a plain object (not a Struct, Date, array, bytes or other class instance). */
export function isSchemalessMap(value: unknown): value is SchemalessMap {
  return value instanceof Map || isPlainObject(value);
}

/** The entry's value, or null when absent (`Map.get` in Java). */
export function mapGet(map: SchemalessMap, key: string): unknown {
  if (map instanceof Map) return map.has(key) ? (map.get(key) ?? null) : null;
  const record = map as Readonly<Record<string, unknown>>;
  return Object.hasOwn(record, key) ? (record[key] ?? null) : null;
}

export function mapHas(map: SchemalessMap, key: string): boolean {
  return map instanceof Map ? map.has(key) : Object.hasOwn(map, key);
}

/** The entries as Java iterates the map (`entrySet()`). */
export function mapEntries(map: SchemalessMap): [string, unknown][] {
  return javaMapEntries(map) as [string, unknown][];
}

/** A mutable copy (`new HashMap<>(map)`), to edit before `mapLike` turns it back into the input's form. */
export function mapCopy(map: SchemalessMap): Map<string, unknown> {
  const entries = mapEntries(map);
  return setJavaMapOrigin(new Map(entries), { copyOf: entries.length });
}

/** An empty map to fill: `new HashMap<>(n)`. */
export function presizedMap(n: number): Map<string, unknown> {
  return setJavaMapOrigin(new Map(), { presized: n });
}

/** An empty map to fill: `new LinkedHashMap<>()`, iterated in insertion order. */
export function linkedMap(): Map<string, unknown> {
  return setJavaMapOrigin(new Map(), "linked");
}

/** `entries` in the same form as `like` (a Map for a Map, a plain object otherwise), made as `entries` was. */
export function mapLike(like: SchemalessMap | null, entries: ReadonlyMap<string, unknown>): SchemalessMap {
  const out = like instanceof Map ? new Map(entries) : objectFromEntries(entries);
  return setJavaMapOrigin(out, javaMapOrigin(entries));
}

/** An empty map in the same form as `like`. */
export function emptyMapLike(like: unknown): SchemalessMap {
  return like instanceof Map ? new Map() : {};
}
