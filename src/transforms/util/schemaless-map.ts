/**
 * Schemaless maps. Without a schema Connect carries a map as a plain object; a JS Map is accepted
 * wherever Apache accepts a `java.util.Map`. Transforms read through these helpers and build their
 * result in the same form as their input, so a Map stays a Map and an object stays an object.
 * They read a map in Java's iteration order and record how Apache's transformation makes its result
 * (`new HashMap<>(value)`, `new HashMap<>(n)`, a LinkedHashMap), so that printing it or writing it
 * as JSON gives Java's order (api/data/java-map-order.ts).
 */
import {
  isJavaMapCopy,
  javaMapEntries,
  javaMapOrigin,
  javaPutOrder,
  objectEntries,
  objectFromEntries,
  setJavaMapOrigin,
} from "../../api/data/java-map-order.ts";
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
  const source = javaMapOrigin(map);
  if (isJavaMapCopy(source)) {
    // A copy of a copy: the source's order now, so that a copy's source is never a copy.
    const entries = mapEntries(map);
    return setJavaMapOrigin(new Map(entries), { copyOf: entries.length });
  }
  // The source's entries in its insertion order; their Java order is computed at the output.
  const sourceEntries = map instanceof Map ? [...map] : objectEntries(map as Readonly<Record<string, unknown>>);
  return setJavaMapOrigin(new Map(sourceEntries), { copyOf: sourceEntries.length, source, sourceEntries });
}

/**
 * `map.remove(key)` on a `mapCopy`. Use this, not `delete`: a key removed and put again goes last
 * in its bucket in Java, which the insertion order alone no longer tells, so the copy's entries are
 * first put in the order Java put them (the source's order, then later puts).
 */
export function mapRemove(copy: Map<string, unknown>, key: string): void {
  const origin = javaMapOrigin(copy);
  if (isJavaMapCopy(origin) && copy.has(key)) {
    const put = javaPutOrder(copy, origin);
    copy.clear();
    for (const [k, v] of put) copy.set(k as string, v);
    setJavaMapOrigin(copy, { copyOf: origin.copyOf });
  }
  copy.delete(key);
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
