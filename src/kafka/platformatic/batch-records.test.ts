import { describe, expect, test } from "bun:test";
import { type KafkaRecord, Reader, readRecord } from "@platformatic/kafka";
import type { ProducerRecord } from "../kafka-port.ts";
import { readRecords } from "./batch-records.ts";
import { encodeRecordBatch } from "./record-batch.ts";

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
});
