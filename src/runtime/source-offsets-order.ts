/**
 * The order in which Connect lists a source connector's offsets (`GET /connectors/{c}/offsets`):
 * Worker lists OffsetStorageReaderImpl.offsets' result, a `new HashMap<>(partitions.size())` keyed
 * by the partition maps, filled in the order of the backing store's answer, a
 * `new HashMap<ByteBuffer, ByteBuffer>(…)` copy of a HashMap keyed by the serialized partition keys
 * (JsonConverter's `["<connector>",{…}]`), themselves from a presized HashMap. Partitions in one
 * bucket of the result keep that answer's order, which this replays from the keys' bytes
 * (`ByteBuffer.hashCode`). Clients must not depend on the order; matching it keeps the gateway's
 * answers byte-identical to Connect's.
 */
import { JavaDouble } from "../api/data/java-double.ts";
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
  const requested = javaHashOrderBy(javaHashOrderBy(keyed, byPartition), byBytes, "presized");
  const answered = javaHashOrderBy(javaHashOrderBy(requested, byBytes), byBytes, true);
  return javaHashOrderBy(answered, byPartition, "presized").map((e) => e.entry);
}

/** The bytes JsonConverter (schemaless) writes for the offset key `[connector, partition]`. */
function offsetKey(connector: string, partition: SourceMap): Buffer {
  return Buffer.from(`[${json(connector)},${json(partition)}]`, "utf8");
}

function json(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof JavaDouble) return value.toString();
  if (typeof value === "string") return jacksonEscapes(JSON.stringify(value));
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
