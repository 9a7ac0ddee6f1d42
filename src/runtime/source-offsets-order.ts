/**
 * The order in which Connect lists a source connector's offsets (`GET /connectors/{c}/offsets`):
 * Worker lists OffsetStorageReaderImpl.offsets' result, a `new HashMap<>(partitions.size())` keyed
 * by the partition maps, filled in the order of the backing store's answer, a
 * `new HashMap<ByteBuffer, ByteBuffer>(…)` copy of a HashMap keyed by the serialized partition keys
 * (JsonConverter's `["<connector>",{…}]`), themselves from a presized HashMap. Partitions in one
 * bucket of the result keep that answer's order, which this replays from the keys' bytes
 * (`ByteBuffer.hashCode`). Clients must not depend on the order; matching it keeps the gateway's
 * answers byte-identical to Connect's. Not replayed: a bucket of more than 8 partitions in a table
 * of 64 or more, which Java turns into a tree whose order for map keys follows identity hash codes
 * (not reproducible, not even by Connect from run to run), and a worker's set that grew larger
 * before partitions were removed (Java's tables never shrink).
 */
import { JavaDouble } from "../api/data/java-double.ts";
import { javaDoubleToString } from "../api/data/java-number-text.ts";
import type { SourceMap } from "../api/record.ts";
import { jacksonEscapes } from "../util/jackson-escapes.ts";
import { javaHashOrder, javaHashOrderBy } from "../util/java-hash-order.ts";
import { javaObjectHash } from "../util/java-object-hash.ts";

/** `entries` (in the order their partitions were first written) as Connect lists them. */
export function connectOffsetsOrder<T extends { readonly partition: SourceMap }>(
  connector: string,
  entries: readonly T[],
): T[] {
  const keyed = entries.map((entry) => ({ entry, bytes: byteBufferHash(offsetKey(connector, entry.partition)) }));
  const byBytes = (e: (typeof keyed)[number]) => e.bytes;
  const byPartition = (e: (typeof keyed)[number]) => javaObjectHash(e.entry.partition);
  // The store's connectorPartitions HashSet (entries in the order first written) → serializedToOriginal
  // (presized) → the store's answer (a HashMap) → ConnectorOffsetBackingStore's copy → the result.
  const presized = { presized: keyed.length };
  const requested = javaHashOrderBy(javaHashOrderBy(keyed, byPartition), byBytes, presized);
  const answered = javaHashOrderBy(javaHashOrderBy(requested, byBytes), byBytes, { copyOf: keyed.length });
  return javaHashOrderBy(answered, byPartition, presized).map((e) => e.entry);
}

/**
 * A partition or offset map as Connect lists it: JsonConverter read it back as HashMaps (nested ones
 * too, each in HashMap key order) and a fraction as a Double, which Jackson writes so (6.4860742925E8).
 */
export function connectOffsetMap(map: SourceMap): SourceMap {
  return asRead(map) as SourceMap;
}

function asRead(value: unknown): unknown {
  if (typeof value === "number") return Number.isInteger(value) ? value : new JavaDouble(value);
  if (value === null || typeof value !== "object" || value instanceof JavaDouble) return value;
  if (Array.isArray(value)) return value.map(asRead);
  const map = value as Record<string, unknown>;
  return Object.fromEntries(javaHashOrder(Object.keys(map)).map((k) => [k, asRead(map[k])]));
}

/** The bytes JsonConverter (schemaless) writes for the offset key `[connector, partition]`. */
function offsetKey(connector: string, partition: SourceMap): Buffer {
  return Buffer.from(`[${json(connector)},${json(partition)}]`, "utf8");
}

function json(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof JavaDouble) return value.toString();
  if (typeof value === "string") return jacksonEscapes(JSON.stringify(value));
  // A fraction is a Double, which Jackson writes as Double.toString does (1.23456785E7, 1.0E-4).
  if (typeof value === "number" && !Number.isInteger(value)) return javaDoubleToString(value);
  if (typeof value !== "object") return String(value);
  if (Array.isArray(value)) return `[${value.map(json).join(",")}]`;
  const map = value as Record<string, unknown>;
  return `{${javaHashOrder(Object.keys(map))
    .map((k) => `${json(k)}:${json(map[k])}`)
    .join(",")}}`;
}

/** `ByteBuffer.hashCode()`: 31-fold over the bytes (signed) from the last to the first, from 1. */
function byteBufferHash(bytes: Buffer): number {
  let h = 1;
  for (let i = bytes.length - 1; i >= 0; i--) h = (Math.imul(31, h) + ((bytes[i]! << 24) >> 24)) | 0;
  return h;
}
