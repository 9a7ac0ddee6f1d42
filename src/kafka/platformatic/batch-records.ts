/**
 * The records of a fetched v2 record batch, read from its records' bytes (decompressed) where they
 * are, for batch-decoding.ts: keys, values and headers are views of those bytes. Record layout (Kafka's
 * DefaultRecord): length varint · attributes int8 · timestampDelta varlong · offsetDelta varint ·
 * key and value (varint length, -1 null, bytes) · header count varint · headers (key, value as above).
 *
 * @platformatic/kafka's own reader (readRecord) reads every field through its DynamicBuffer (a chunk
 * lookup and bounds checks per read, a BigInt per varlong): on the sink path that was most of the
 * consumer's time per record, several times what this plain indexing of one Buffer costs (BENCHMARKS.md,
 * "The sink's fetched batches").
 *
 * Records that are not well formed (damaged bytes that check.crcs=false let through) are refused with
 * the message of Java's DefaultRecord.readFrom (and DefaultRecordBatch's record iterators) for the
 * first fault: a record length past the bytes, a negative header count or header key size, a record
 * whose fields do not add up to its length, a field past the end, too few records or bytes left over,
 * a varint longer than Java reads (5 bytes for an int, 10 for a long).
 * An uncompressed batch's records are read from one buffer, so a field may run into the next record
 * (the length check catches it); a compressed batch's record is read into a buffer of its own length.
 */
import type { KafkaRecord } from "@platformatic/kafka";

/** Thrown inside readRecords only: why the records are not well formed, in Java's words. */
class Malformed {
  constructor(readonly message: string) {}
}

const STRUCTURE = "Found invalid record structure";
const PREMATURE_EOF = "Incorrect declared batch size, premature EOF reached";
const VARINT_TOO_LONG = "Varint is too long";

/** Java's ByteUtils message for an int varint whose 5th byte has its top bit set (`value`: its bits read). */
function varintTooLong(value: number): string {
  // Java's int keeps the 4 low bits of the 5th byte: bits 28-31.
  const bits = value % 2 ** 32;
  return `Varint is too long, the most significant bit in the 5th byte is set, converted value: ${bits.toString(16)}`;
}

/**
 * The `count` records at the start of `bytes` (a compressed batch's once decompressed: `compressed`),
 * or Java's message for why they are not well formed.
 */
export function readRecords(bytes: Buffer, count: number, compressed = false): KafkaRecord[] | string {
  const total = bytes.length;
  let pos = 0;
  /** Where reads end: the buffer, or a compressed batch's record. */
  let end = total;
  /** What running past `end` is. */
  let underflow = PREMATURE_EOF;
  const fail = (message: string): never => {
    throw new Malformed(message);
  };
  /**
   * A zigzag varint: an int32 of at most 5 bytes as Java's ByteUtils.readVarint reads it, or (`long`)
   * a varlong of at most 10 (up to 2^53 here). Longer is Java's "too long" (a damaged record): a
   * field's fails the record's structure, a record length's is `tooLong` (Java's own message).
   */
  const varint = (long = false, tooLong = STRUCTURE): number => {
    let value = 0;
    let scale = 1;
    for (let i = 1; ; i++) {
      if (pos >= end) fail(underflow);
      const b = bytes[pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (long) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
        const u = value % 2 ** 32; // Java keeps an int's 32 bits
        return (u >>> 1) ^ -(u & 1);
      }
      if (i === (long ? 10 : 5)) fail(tooLong === VARINT_TOO_LONG ? varintTooLong(value) : tooLong);
      scale *= 128;
    }
  };
  /** The next `length` bytes; a negative length is null (Java's Utils.readBytes). */
  const take = (length: number): Buffer | null => {
    if (length < 0) return null;
    if (pos + length > end) fail(STRUCTURE);
    pos += length;
    return bytes.subarray(pos - length, pos);
  };
  const field = (): Buffer | null => take(varint());
  const records: KafkaRecord[] = [];
  try {
    for (let i = 0; i < count; i++) {
      end = total;
      underflow = PREMATURE_EOF;
      // Java reads an uncompressed batch's record length as it is (its own message when too long),
      // a compressed one's from a stream (the premature end of the batch).
      const length = varint(false, compressed ? PREMATURE_EOF : VARINT_TOO_LONG);
      const left = total - pos;
      if (compressed) {
        if (length < 0) fail(PREMATURE_EOF);
        if (left < length)
          fail(`Invalid record size: expected ${length} bytes in record payload, but the record payload reached EOF.`);
        end = pos + length;
      } else if (left < length) {
        fail(
          `Invalid record size: expected ${length} bytes in record payload, but instead the buffer has only ${left} remaining bytes.`,
        );
      }
      underflow = STRUCTURE;
      const start = pos;
      if (pos >= end) fail(STRUCTURE);
      const attributes = (bytes[pos++]! << 24) >> 24; // an int8, as Java's DefaultRecord reads it
      const delta = varint(true);
      const offsetDelta = varint();
      const key = field();
      const value = field();
      const headerCount = varint();
      if (headerCount < 0) fail(`Found invalid number of record headers ${headerCount}`);
      if (headerCount > end - pos)
        fail(`Found invalid number of record headers. ${headerCount} is larger than the remaining size of the buffer`);
      const headers: [Buffer | null, Buffer | null][] = [];
      for (let h = 0; h < headerCount; h++) {
        const keyLength = varint();
        if (keyLength < 0) fail(`Invalid negative header key size ${keyLength}`);
        headers.push([take(keyLength), field()]);
      }
      if (pos - start !== length)
        fail(
          `Invalid record size: expected to read ${length} bytes in record payload, but instead read ${pos - start}`,
        );
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
    if (count > 0 && pos < total) fail("Incorrect declared batch size, records still remaining in file");
  } catch (e) {
    if (e instanceof Malformed) return e.message;
    throw e;
  }
  return records;
}
