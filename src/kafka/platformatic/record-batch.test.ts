import { describe, expect, test } from "bun:test";
import { crc32c, Reader, readRecordsBatch } from "@platformatic/kafka";
import type { ProducerRecord } from "../kafka-port.ts";
import { COMPRESSION_TYPES, codecId, NO_COMPRESSION } from "../record-codecs.ts";
import { encodeRecordBatch, sealRecordBatch, stampRecordBatch } from "./record-batch.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Buffer | null) => (b === null ? null : b.toString());

const records: ProducerRecord[] = [
  { topic: "t", partition: 0, key: bytes("k1"), value: bytes("v1"), headers: [], timestamp: 1_700_000_000_000 },
  { topic: "t", partition: 1, key: null, value: bytes("other partition"), headers: [], timestamp: null },
  {
    topic: "t",
    partition: 0,
    key: null,
    value: null,
    headers: [
      { key: "h", value: bytes("1") },
      { key: "h", value: null },
      { key: "ü", value: bytes("x".repeat(300)) },
    ],
    timestamp: 1_699_999_999_000,
  },
  { topic: "t", partition: 0, key: bytes(""), value: bytes("v".repeat(20_000)), headers: [], timestamp: null },
];

describe("encodeRecordBatch", () => {
  test("timestamps before 1970 and past 2^32 ms encode as int64", () => {
    const at = (timestamp: number) => ({ ...records[0]!, timestamp });
    const { buffer } = encodeRecordBatch([at(-1), at(2 ** 40 + 5)], [0, 1], 0, NO_COMPRESSION);
    expect([buffer.readBigInt64BE(27), buffer.readBigInt64BE(35)]).toEqual([-1n, 2n ** 40n + 5n]);
  });

  test.each(COMPRESSION_TYPES)(
    "round-trips through the library's reader (compression %p), CRC-32C over the stamped batch",
    (type) => {
      const now = 1_700_000_005_000;
      const { buffer, count } = encodeRecordBatch(records, [0, 2, 3], now, { type });
      expect(count).toBe(3);
      stampRecordBatch(buffer, 4242n, 7, 100);
      sealRecordBatch(buffer);
      const batch = readRecordsBatch(Reader.from(buffer));
      expect({
        length: batch.length,
        magic: batch.magic,
        compressed: batch.attributes & 7,
        lastOffsetDelta: batch.lastOffsetDelta,
        firstTimestamp: batch.firstTimestamp,
        maxTimestamp: batch.maxTimestamp,
        producerId: batch.producerId,
        producerEpoch: batch.producerEpoch,
        firstSequence: batch.firstSequence,
        crc: batch.crc,
      }).toEqual({
        length: buffer.length - 12,
        magic: 2,
        compressed: codecId(type),
        lastOffsetDelta: 2,
        firstTimestamp: 1_700_000_000_000n,
        maxTimestamp: BigInt(now),
        producerId: 4242n,
        producerEpoch: 7,
        firstSequence: 100,
        crc: crc32c(buffer.subarray(21)) >>> 0,
      });
      expect(
        batch.records.map((r) => ({
          offsetDelta: r.offsetDelta,
          timestampDelta: r.timestampDelta,
          key: text(r.key),
          value: r.value === null ? null : r.value.length > 100 ? `${r.value.length} bytes` : text(r.value),
          headers: r.headers.map(([k, v]) => [text(k), v === null ? null : v.length]),
        })),
      ).toEqual([
        { offsetDelta: 0, timestampDelta: 0n, key: "k1", value: "v1", headers: [] },
        {
          offsetDelta: 1,
          timestampDelta: -1000n,
          key: null,
          value: null,
          headers: [
            ["h", 1],
            ["h", null],
            ["ü", 300],
          ],
        },
        { offsetDelta: 2, timestampDelta: 5000n, key: "", value: "20000 bytes", headers: [] },
      ]);
    },
  );

  test("is byte for byte what Java's MemoryRecordsBuilder makes (kafka-clients 3.9.2), CRC included", () => {
    // MemoryRecords.builder(magic 2, no compression, CreateTime, base offset 0, producer id 4242,
    // epoch 7, base sequence 100, no partition leader epoch) with the three records below.
    const java =
      "00000000000000000000005dffffffff02b259b0f90000000000020000018bcfe568000000018bcfe57b88000000000000109200070000006400000003" +
      "14000000046b31047631002a00cf0f020101060268023102680104c3bc067878781400904e04000676767600";
    const golden: ProducerRecord[] = [
      { ...records[0]!, headers: [] },
      {
        ...records[2]!,
        headers: [
          { key: "h", value: bytes("1") },
          { key: "h", value: null },
          { key: "ü", value: bytes("xxx") },
        ],
      },
      { ...records[3]!, value: bytes("vvv") },
    ];
    const { buffer } = encodeRecordBatch(golden, [0, 1, 2], 1_700_000_005_000, NO_COMPRESSION);
    stampRecordBatch(buffer, 4242n, 7, 100);
    sealRecordBatch(buffer);
    expect(buffer.toString("hex")).toBe(java);
  });

  test("an unstamped batch carries no producer id, epoch or sequence", () => {
    const { buffer } = encodeRecordBatch(records, [1], 5, NO_COMPRESSION);
    sealRecordBatch(buffer);
    const batch = readRecordsBatch(Reader.from(buffer));
    expect([batch.producerId, batch.producerEpoch, batch.firstSequence]).toEqual([-1n, -1, -1]);
    expect(batch.crc).toBe(crc32c(buffer.subarray(21)) >>> 0);
  });
});
