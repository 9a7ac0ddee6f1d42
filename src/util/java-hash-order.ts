/**
 * Java's HashMap/HashSet iteration order for String keys. Connect answers several maps and sets
 * as Java hash maps (a stored connector config, task configs, the connector list, `?expand`, the
 * `Allow` header of OPTIONS, `Connector config {…}` in messages), so their order is the order of
 * the hash buckets: `String.hashCode()` spread as `h ^ (h >>> 16)`, masked by the table size (16,
 * doubled while more than 3/4 full), insertion order within a bucket. Clients must not depend on
 * it, but answering in the same order makes the gateway's answers byte-identical to Connect's.
 */

import { javaStringHash as stringHash } from "./java-object-hash.ts";

/**
 * `keys` in the order a Java HashSet built by inserting them in this order iterates them. `copy`:
 * the map was made by `new HashMap<>(other)` of just these keys, whose table is sized for its
 * contents (`{ copyOf: keys.length }`: 4 for 3 keys, 8 for 4 to 6) instead of starting at 16.
 */
export function javaHashOrder(keys: readonly string[], copy = false): string[] {
  return javaHashOrderBy(keys, stringHash, copy ? { copyOf: keys.length } : false);
}

/**
 * How a Java HashMap was made, which fixes the size its table starts at (it then doubles whenever
 * a put takes it past 3/4 full): `false` for `new HashMap<>()` (16); `{ copyOf: n }` for
 * `new HashMap<>(other)` of an `n`-entry map (the items are its entries, in its order, then those
 * put after the copy); `{ presized: n }` for `new HashMap<>(n)`.
 */
export type JavaHashMapStart = false | { readonly copyOf: number } | { readonly presized: number };

/** The table size a HashMap made as `start` has once it holds `size` entries (Java's resize never shrinks it). */
export function javaTableSize(start: JavaHashMapStart, size: number): number {
  let capacity: number;
  if (start === false) capacity = 16;
  else if ("copyOf" in start) capacity = start.copyOf === 0 ? 16 : copyCapacity(start.copyOf);
  else capacity = tableSizeFor(start.presized);
  while (size > capacity * 0.75) capacity *= 2;
  return capacity;
}

/**
 * `items` in the order of a Java HashSet of them built in this order, whose `hashCode()` is `hash`,
 * its table started as `start` says. Java's resize splits each bucket keeping its order, so the
 * order is the bucket in the final table, then insertion order. Not modelled: a 9th entry in one
 * bucket makes Java grow a table under 64 (treeifyBin) or turn the bucket into a tree, which
 * iterates otherwise; only keys crafted to collide get there.
 */
export function javaHashOrderBy<T>(
  items: readonly T[],
  hash: (item: T) => number,
  start: JavaHashMapStart = false,
): T[] {
  const n = items.length;
  const mask = javaTableSize(start, n) - 1;
  // Each item's place as one number, bucket * n + index (exact below 2^53), sorted as numbers:
  // no object or comparator call per item.
  const places = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const h = hash(items[i] as T);
    places[i] = ((h ^ (h >>> 16)) & mask) * n + i;
  }
  places.sort();
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = items[(places[i] as number) % n] as T;
  return out;
}

/** Kafka's `TopicPartition.hashCode()`. */
export function topicPartitionHash(topic: string, partition: number): number {
  return (Math.imul(31, 31 + partition) + stringHash(topic)) | 0;
}

/** HashMap.tableSizeFor: the least power of two at or above `wanted` (1 for 0). */
function tableSizeFor(wanted: number): number {
  let capacity = 1;
  while (capacity < wanted) capacity *= 2;
  return capacity;
}

/**
 * The table size of `new HashMap<>(other)` for `size` keys on Java 19 and newer (JDK-8281631), the
 * gateway's one reference JVM: `tableSizeFor(ceil(size / 0.75))`. Java 17 sized it
 * `tableSizeFor((int) (size / 0.75 + 1))`, twice as large for 3, 6, 12, 24… keys (README: "The
 * reference JVM is Java 19 and newer").
 */
function copyCapacity(size: number): number {
  return tableSizeFor(Math.ceil(size / 0.75));
}

/** A copy of `map` whose property order is Java's HashMap iteration order (see javaHashOrder). */
export function javaHashMap<T>(map: Readonly<Record<string, T>>, copy = false): Record<string, T> {
  // Entries, not assignments: a config key may be `__proto__`.
  return Object.fromEntries(javaHashOrder(Object.keys(map), copy).map((key) => [key, map[key] as T]));
}

/**
 * The iteration order of a Java HashMap<String, …> built by `put`s and `computeIfAbsent`s, in the
 * order they are made: `put` appends a new key to its bucket and grows the table after the insert
 * that passes 3/4; `computeIfAbsent` puts a new key at the head of its bucket and grows the table
 * before inserting when it is already past 3/4. Growing keeps the order within each bucket.
 */
export class JavaHashMapOrder {
  private bins: string[][] = [];
  private present = new Set<string>();

  /**
   * `new HashMap<>(source)`: `keys` are the source map's in its iteration order, put into a table
   * sized for them (an empty source leaves the table to the first put, as Java does).
   */
  static copyOf(keys: readonly string[]): JavaHashMapOrder {
    const map = new JavaHashMapOrder();
    if (keys.length > 0) map.bins = Array.from({ length: copyCapacity(keys.length) }, () => []);
    for (const key of keys) map.put(key);
    return map;
  }

  put(key: string): this {
    if (this.present.has(key)) return this;
    if (this.bins.length === 0) this.grow();
    this.binOf(key).push(key);
    this.present.add(key);
    if (this.present.size > this.bins.length * 0.75) this.grow();
    return this;
  }

  computeIfAbsent(key: string): this {
    if (this.present.has(key)) return this;
    if (this.bins.length === 0 || this.present.size > this.bins.length * 0.75) this.grow();
    this.binOf(key).unshift(key);
    this.present.add(key);
    return this;
  }

  /** Takes `key` out of its bucket; the table never shrinks. */
  remove(key: string): this {
    if (!this.present.delete(key)) return this;
    const bin = this.binOf(key);
    bin.splice(bin.indexOf(key), 1);
    return this;
  }

  keys(): string[] {
    return this.bins.flat();
  }

  private binOf(key: string): string[] {
    const h = stringHash(key);
    return this.bins[(h ^ (h >>> 16)) & (this.bins.length - 1)]!;
  }

  private grow(): void {
    const old = this.bins;
    this.bins = Array.from({ length: old.length === 0 ? 16 : old.length * 2 }, () => []);
    for (const bin of old) for (const key of bin) this.binOf(key).push(key);
  }
}
