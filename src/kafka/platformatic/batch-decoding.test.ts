import { describe, expect, test } from "bun:test";
import * as platformatic from "@platformatic/kafka";
import { crc32c, Reader } from "@platformatic/kafka";
import type { ProducerRecord } from "../kafka-port.ts";
import { batchDecoder, HELD_BACK } from "./batch-decoding.ts";
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

  test("one answer's batches past the bound together: the first is read, the later ones held back", () => {
    const decode = batchDecoder({ checkCrcs: true, maxBatchBytes: 120_000 });
    const plain = batch("none").subarray(61);
    expect([decode(batch("gzip")), decode(batch("gzip")), decode(batch("gzip")), decode(batch("none"))]).toEqual([
      plain,
      plain,
      HELD_BACK,
      plain,
    ]);
    // The next answer's decoder starts afresh.
    expect(batchDecoder({ checkCrcs: true, maxBatchBytes: 120_000 })(batch("gzip"))).toEqual(plain);
  });

  describe("in the patched record reader (readRecordsBatches)", () => {
    type Read = { firstOffset: bigint; records: unknown[]; invalid?: string };
    const library = platformatic as unknown as {
      batchDecoding: { current: unknown };
      readRecordsBatches(reader: unknown): Read[];
    };
    function read(recordSet: Buffer): Read[] {
      library.batchDecoding.current = batchDecoder({ checkCrcs: true, maxBatchBytes: 1 << 20 });
      try {
        return library.readRecordsBatches(Reader.from(recordSet));
      } finally {
        library.batchDecoding.current = null;
      }
    }
    const at = (offset: number) => {
      const b = batch("gzip");
      b.writeBigInt64BE(BigInt(offset), 0);
      return b;
    };

    test("a last batch cut short by the fetch's byte limits is left unread, not reported", () => {
      const batches = read(Buffer.concat([at(40), at(41).subarray(0, 70)]));
      expect(batches.map((b) => [b.firstOffset, b.records.length, b.invalid])).toEqual([[40n, 1, undefined]]);
    });

    test.each([
      [-12, "Record size -12 is less than the minimum record overhead (14)"],
      [-500, "Record size -500 is less than the minimum record overhead (14)"],
      [20, "Record batch is corrupt (the size 32 is smaller than the minimum allowed overhead 61)"],
    ])(
      "a damaged length %i is invalid (a negative one read the batch forever), nothing after it read",
      (length, cause) => {
        const damaged = at(41);
        damaged.writeInt32BE(length, 8);
        const batches = read(Buffer.concat([at(40), damaged, at(42)]));
        expect(batches.map((b) => [b.firstOffset, b.invalid])).toEqual([
          [40n, undefined],
          [41n, cause],
        ]);
      },
    );

    test("a v1 message set is refused by name, not read as a v2 batch", () => {
      const message = Buffer.alloc(12 + 22 + 5);
      message.writeBigInt64BE(7n, 0);
      message.writeInt32BE(22 + 5, 8);
      message[16] = 1; // magic
      message.writeInt32BE(-1, 26); // null key
      message.writeInt32BE(5, 30);
      message.write("hello", 34);
      expect(read(Buffer.concat([message, message]))[0]!.invalid).toBe(
        "a message set of format v1 (written before Kafka 0.11), which kafka.client=platformatic does not read (kafka.client=kafkajs does)",
      );
    });
  });
});
