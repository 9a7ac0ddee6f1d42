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
    const read = readRecords(bytes, records.length)!;
    expect(read).toEqual(libraryRead(bytes, records.length));
    expect(read[1]!.timestampDelta).toBe(-100_000_000_000n);
    expect(read.map((r) => r.value?.buffer)).toEqual([bytes.buffer, undefined, bytes.buffer, bytes.buffer]);
  });

  test("records cut short or with a length past the bytes are not read (null): the library's reader fails on them", () => {
    const bytes = body();
    for (const cut of [1, 5, 20, bytes.length - 1]) {
      expect(readRecords(bytes.subarray(0, cut), records.length)).toBeNull();
      expect(() => libraryRead(bytes.subarray(0, cut), records.length)).toThrow();
    }
    const long = Buffer.from(bytes);
    long[5] = 0x7e; // the first record's key length (null, -1) → 63
    expect(readRecords(long.subarray(0, 60), 1)).toBeNull();
  });

  test("a record count of 0 or below reads no record, as the library's loop", () => {
    expect(readRecords(body(), 0)).toEqual([]);
    expect(readRecords(body(), -1)).toEqual([]);
  });

  test("a record's attributes byte is signed, as the library's reader (and Java's DefaultRecord) reads it", () => {
    const bytes = Buffer.from(body());
    bytes[1] = 0x80; // the first record's attributes (after its 1-byte length)
    expect(readRecords(bytes, records.length)![0]!.attributes).toBe(-128);
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
