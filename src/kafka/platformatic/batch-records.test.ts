import { describe, expect, test } from "bun:test";
import { type KafkaRecord, Reader, readRecord } from "@platformatic/kafka";
import type { ProducerRecord } from "../kafka-port.ts";
import { batchDecoder } from "./batch-decoding.ts";
import { readRecords } from "./batch-records.ts";
import { encodeRecordBatch, sealRecordBatch } from "./record-batch.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** Records of every shape: null and empty keys and values, headers (a null value), far timestamps. */
const records: ProducerRecord[] = [
  { topic: "t", partition: 0, key: null, value: text("v0"), headers: [], timestamp: 1_700_000_000_000 },
  { topic: "t", partition: 0, key: text("k1"), value: null, headers: [], timestamp: 1_600_000_000_000 },
  {
    topic: "t",
    partition: 0,
    key: new Uint8Array(0),
    value: new Uint8Array(0),
    headers: [
      { key: "h", value: text("x") },
      { key: "n", value: null },
    ],
    timestamp: 1_800_000_000_000,
  },
  {
    topic: "t",
    partition: 0,
    key: text("k3"),
    value: text("é".repeat(300)),
    headers: [],
    timestamp: 1_700_000_000_001,
  },
];

function body(): Buffer {
  const { buffer } = encodeRecordBatch(records, [...records.keys()], 1, { type: "none" });
  return Buffer.from(buffer).subarray(61);
}

/** The library's own reader (@platformatic/kafka readRecord), for comparison. */
function libraryRead(bytes: Buffer, count: number): KafkaRecord[] {
  const reader = Reader.from(bytes);
  return Array.from({ length: count }, () => readRecord(reader));
}

describe("readRecords (a batch's records, read in place)", () => {
  test("reads what the library's reader reads: every field, null and empty keys and values, headers", () => {
    const bytes = body();
    const read = readRecords(bytes, records.length) as KafkaRecord[];
    expect(read).toEqual(libraryRead(bytes, records.length));
    expect(read[1]!.timestampDelta).toBe(-100_000_000_000n);
    expect(read.map((r) => r.value?.buffer)).toEqual([bytes.buffer, undefined, bytes.buffer, bytes.buffer]);
  });

  test("records cut short or with a length past the bytes are refused with Java's message", () => {
    const bytes = body();
    for (const cut of [1, 5, 20, bytes.length - 1]) {
      expect(readRecords(bytes.subarray(0, cut), records.length)).toBeString();
      expect(() => libraryRead(bytes.subarray(0, cut), records.length)).toThrow();
    }
    const long = Buffer.from(bytes);
    long[5] = 0x7e; // the first record's key length (null, -1) → 63
    expect(readRecords(long.subarray(0, 60), 1)).toBe("Found invalid record structure");
  });

  /**
   * Records Java's DefaultRecord.readFrom refuses (check.crcs=false lets damaged bytes through), and
   * its message, as Kafka 4.3.1's DefaultRecordBatch answered iterating them in a batch of
   * compression none and gzip (a harness over MemoryRecords.readableRecords). A well-formed record
   * of 6 bytes: 0c (length 6) · 00 attributes · 00 timestamp delta · 00 offset delta · 01 null key ·
   * 01 null value · 00 no header. Regression (leftovers22): the negative header count and the record
   * lengths that do not add up were read without a word.
   */
  const STRUCTURE = "Found invalid record structure";
  test.each([
    ["0c000000010101", 1, "Found invalid number of record headers -1", null],
    [
      "0c000000010114",
      1,
      "Found invalid number of record headers. 10 is larger than the remaining size of the buffer",
      null,
    ],
    ["100000000101020101", 1, "Invalid negative header key size -1", null],
    [
      "0e00000001010000",
      1,
      "Invalid record size: expected to read 7 bytes in record payload, but instead read 6",
      null,
    ],
    [
      "0a000000010100",
      1,
      "Invalid record size: expected to read 5 bytes in record payload, but instead read 6",
      STRUCTURE,
    ],
    [
      "0e000000010100",
      1,
      "Invalid record size: expected 7 bytes in record payload, but instead the buffer has only 6 remaining bytes.",
      "Invalid record size: expected 7 bytes in record payload, but the record payload reached EOF.",
    ],
    ["0c000000010100", 2, "Incorrect declared batch size, premature EOF reached", null],
    ["0c00000001010000", 1, "Incorrect declared batch size, records still remaining in file", null],
    ["0c000000280100", 1, STRUCTURE, null],
    // Varints longer than Java's ByteUtils reads (5 bytes for an int, 10 for a long; kafka-clients
    // 4.3.1, recorded 2026-12-03): a field's fails the record's structure (the cause: Java's
    // "Varint is too long, …"), an uncompressed record length's is that message itself.
    ["18000080808080800001020000", 1, STRUCTURE, null],
    ["220080808080808080808080000001020000", 1, STRUCTURE, null],
    ["18000000010276808080808000", 1, STRUCTURE, null],
    [
      "ffffffffff0100000001027600",
      1,
      "Varint is too long, the most significant bit in the 5th byte is set, converted value: ffffffff",
      "Incorrect declared batch size, premature EOF reached",
    ],
    [
      "01000000010100",
      1,
      "Invalid record size: expected to read -1 bytes in record payload, but instead read 6",
      "Incorrect declared batch size, premature EOF reached",
    ],
  ] as const)("records %s (count %d) are refused as Java does: %s", (hex, count, uncompressed, compressed) => {
    const bytes = Buffer.from(hex, "hex");
    expect(readRecords(bytes, count)).toBe(uncompressed);
    expect(readRecords(bytes, count, true)).toBe(compressed ?? uncompressed);
  });

  test("well-formed records of both kinds are read; a refusal is the batch's invalid cause", () => {
    const two = Buffer.from("0c0000000101000c000002010100", "hex");
    for (const compressed of [false, true])
      expect((readRecords(two, 2, compressed) as KafkaRecord[]).map((r) => r.offsetDelta)).toEqual([0, 1]);
    const batch = Buffer.alloc(61 + 7);
    batch.writeInt32BE(49 + 7, 8);
    batch[16] = 2; // magic
    batch.writeInt32BE(1, 57); // record count
    Buffer.from("0c000000010101", "hex").copy(batch, 61);
    const decode = batchDecoder({ checkCrcs: false, maxBatchBytes: 1 << 20 });
    expect(decode(Reader.from(batch).buffer)).toBe("Found invalid number of record headers -1");
  });

  test("varints of Java's longest are read as Java reads them (an int keeps 32 bits)", () => {
    const read = (hex: string) => (readRecords(Buffer.from(hex, "hex"), 1) as KafkaRecord[])[0]!;
    expect(read("160000808080800001027600").offsetDelta).toBe(0); // 5 bytes
    expect(read("2000808080808080808080000001027600").timestampDelta).toBe(0n); // 10 bytes
    // ff ff ff ff 7f: Java's int drops the bits past 32 (0xffffffff, zigzag: -2^31).
    expect(read("160000ffffffff7f01027600").offsetDelta).toBe(-(2 ** 31));
  });

  test("a record count of 0 or below reads no record, as the library's loop", () => {
    expect(readRecords(body(), 0)).toEqual([]);
    expect(readRecords(body(), -1)).toEqual([]);
  });

  test("a record's attributes byte is signed, as the library's reader (and Java's DefaultRecord) reads it", () => {
    const bytes = Buffer.from(body());
    bytes[1] = 0x80; // the first record's attributes (after its 1-byte length)
    expect((readRecords(bytes, records.length) as KafkaRecord[])[0]!.attributes).toBe(-128);
    expect(readRecords(bytes, records.length)).toEqual(libraryRead(bytes, records.length));
  });

  test("fuzzed: random batches read as the library reads them; damaged ones (check.crcs=false) never throw", () => {
    let seed = 33;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => random(256));
    const maybe = (n: number) => (random(5) === 0 ? null : bytes(random(n)));
    const decode = batchDecoder({ checkCrcs: false, maxBatchBytes: 1 << 20 });
    for (let round = 0; round < 300; round++) {
      const batch: ProducerRecord[] = Array.from({ length: 1 + random(8) }, () => ({
        topic: "t",
        partition: 0,
        key: maybe(20),
        value: maybe(random(10) === 0 ? 5000 : 200),
        headers: Array.from({ length: random(3) }, () => ({ key: `h${random(100)}`, value: maybe(10) })),
        timestamp: 1_700_000_000_000 + random(2_000_000_000) - 1_000_000_000,
      }));
      const { buffer } = encodeRecordBatch(batch, [...batch.keys()], 1, { type: "none" });
      sealRecordBatch(buffer);
      const whole = Buffer.from(buffer);
      expect(readRecords(whole.subarray(61), batch.length)).toEqual(libraryRead(whole.subarray(61), batch.length));
      for (let flip = 0; flip < 10; flip++) {
        const damaged = Buffer.from(whole);
        for (let i = 0; i <= random(3); i++) damaged[random(damaged.length)] = random(256);
        expect(() => readRecords(damaged.subarray(61), batch.length)).not.toThrow();
        // The whole batch as a Fetch answer's reader holds it, split at a random byte.
        const cut = 1 + random(damaged.length - 1);
        const held = Reader.from(damaged.subarray(0, cut)).buffer.append(damaged.subarray(cut));
        expect(() => decode(held)).not.toThrow();
      }
    }
  });
});
