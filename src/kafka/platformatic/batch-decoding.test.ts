import { describe, expect, test } from "bun:test";
import { crc32c } from "@platformatic/kafka";
import type { ProducerRecord } from "../kafka-port.ts";
import { batchDecoder } from "./batch-decoding.ts";
import { encodeRecordBatch, sealRecordBatch } from "./record-batch.ts";

const value = new TextEncoder().encode("z".repeat(50_000));
const records: ProducerRecord[] = [{ topic: "t", partition: 0, key: null, value, headers: [], timestamp: 1 }];

function batch(type: "none" | "gzip"): Buffer {
  const { buffer } = encodeRecordBatch(records, [0], 1, { type });
  sealRecordBatch(buffer);
  return Buffer.from(buffer);
}

describe("batchDecoder (check.crcs, decompressed size)", () => {
  test("a sound batch gives its records' bytes, decompressed", () => {
    const plain = batch("none").subarray(61);
    expect(batchDecoder({ checkCrcs: true, maxBatchBytes: 1 << 20 })(batch("gzip"))).toEqual(plain);
  });

  test("one flipped byte: Java's CorruptRecordException message, with the stored and computed CRC", () => {
    const damaged = batch("gzip");
    damaged[damaged.length - 9]! ^= 0x01;
    const stored = damaged.readUInt32BE(17);
    const computed = crc32c(damaged.subarray(21)) >>> 0;
    expect(batchDecoder({ checkCrcs: true, maxBatchBytes: 1 << 20 })(damaged)).toBe(
      `Record is corrupt (stored crc = ${stored}, computed crc = ${computed})`,
    );
  });

  test("check.crcs=false reads a damaged batch as it is", () => {
    const damaged = batch("none");
    damaged[damaged.length - 2]! ^= 0x01;
    expect(batchDecoder({ checkCrcs: false, maxBatchBytes: 1 << 20 })(damaged)).toEqual(damaged.subarray(61));
  });

  test("records that decompress past the bound: the batch is invalid, nothing held", () => {
    expect(batchDecoder({ checkCrcs: true, maxBatchBytes: 10_000 })(batch("gzip"))).toStartWith(
      "the gzip records of a batch decompress to more than 10000 bytes",
    );
  });
});
