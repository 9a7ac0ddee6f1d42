/**
 * The records of a fetched v2 record batch, read from its records' bytes (decompressed) where they
 * are, for batch-decoding.ts: keys, values and headers are views of those bytes. Record layout (Kafka's
 * DefaultRecord): length varint · attributes int8 · timestampDelta varlong · offsetDelta varint ·
 * key and value (varint length, -1 null, bytes) · header count varint · headers (key, value as above).
 *
 * @platformatic/kafka's own reader (readRecord) reads every field through its DynamicBuffer (a chunk
 * lookup and bounds checks per read, a BigInt per varlong): on the sink path that was most of the
 * consumer's time per record, several times what this plain indexing of one Buffer costs (BENCHMARKS.md,
 * "The sink's fetched batches"). Records this reader cannot read (truncated or with a length past the
 * batch: damaged bytes that check.crcs=false let through) give null, and the library's reader then
 * reads them and fails as it always did.
 */
import type { KafkaRecord } from "@platformatic/kafka";

/** Thrown inside readRecords only: the records are not well formed. */
const MALFORMED = new RangeError("malformed records");

/** The `count` records at the start of `bytes`, or null when they are not well formed. */
export function readRecords(bytes: Buffer, count: number): KafkaRecord[] | null {
  const end = bytes.length;
  let pos = 0;
  /** A zigzag varint (varlong: the same encoding, up to 2^53 here). */
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (pos >= end || scale > 2 ** 63) throw MALFORMED;
      const b = bytes[pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      scale *= 128;
    }
  };
  const field = (): Buffer | null => {
    const length = varint();
    if (length < 0) return null;
    if (pos + length > end) throw MALFORMED;
    pos += length;
    return bytes.subarray(pos - length, pos);
  };
  const records: KafkaRecord[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const length = varint();
      if (pos >= end) throw MALFORMED;
      const attributes = (bytes[pos++]! << 24) >> 24; // an int8, as Java's DefaultRecord reads it
      const delta = varint();
      const offsetDelta = varint();
      const key = field();
      const value = field();
      const headerCount = varint();
      const headers: [Buffer | null, Buffer | null][] = [];
      for (let h = 0; h < headerCount; h++) headers.push([field(), field()]);
      records.push({
        length,
        attributes,
        timestampDelta: delta === 0 ? 0n : BigInt(delta),
        offsetDelta,
        key,
        value,
        headers,
      });
    }
  } catch (e) {
    if (e === MALFORMED) return null;
    throw e;
  }
  return records;
}
