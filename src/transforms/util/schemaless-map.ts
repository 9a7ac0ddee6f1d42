/**
 * Schemaless maps. Without a schema Connect carries a map as a plain object; a JS Map is accepted
 * wherever Apache accepts a `java.util.Map`. Transforms read through these helpers and build their
 * result in the same form as their input, so a Map stays a Map and an object stays an object.
 */
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

export function mapEntries(map: SchemalessMap): [string, unknown][] {
  return map instanceof Map ? [...(map as ReadonlyMap<string, unknown>)] : Object.entries(map);
}

/** A mutable copy, to edit before `mapLike` turns it back into the input's form. */
export function mapCopy(map: SchemalessMap): Map<string, unknown> {
  return new Map(mapEntries(map));
}

/** `entries` in the same form as `like` (a Map for a Map, a plain object otherwise). */
export function mapLike(like: SchemalessMap | null, entries: ReadonlyMap<string, unknown>): SchemalessMap {
  if (like instanceof Map) return new Map(entries);
  return Object.fromEntries(entries);
}

/** An empty map in the same form as `like`. */
export function emptyMapLike(like: unknown): SchemalessMap {
  return like instanceof Map ? new Map() : {};
}
