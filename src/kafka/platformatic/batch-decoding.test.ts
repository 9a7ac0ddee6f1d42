import { describe, expect, test } from "bun:test";
import * as platformatic from "@platformatic/kafka";
import { crc32c, type KafkaRecord, Reader } from "@platformatic/kafka";
import type { ProducerRecord } from "../kafka-port.ts";
import { batchDecoder, type FetchedBytes, HELD_BACK } from "./batch-decoding.ts";
import { encodeRecordBatch, sealRecordBatch } from "./record-batch.ts";

const value = new TextEncoder().encode("z".repeat(50_000));
const records: ProducerRecord[] = [{ topic: "t", partition: 0, key: null, value, headers: [], timestamp: 1 }];

function batch(type: "none" | "gzip"): Buffer {
  const { buffer } = encodeRecordBatch(records, [0], 1, { type });
  sealRecordBatch(buffer);
  return Buffer.from(buffer);
}

/** `bytes` as a Fetch answer's reader holds them: in chunks (split at `cuts`), as the socket delivered them. */
function chunks(bytes: Buffer, ...cuts: number[]): Reader["buffer"] {
  const held = Reader.from(bytes.subarray(0, cuts[0] ?? bytes.length)).buffer;
  for (const [i, cut] of cuts.entries()) held.append(bytes.subarray(cut, cuts[i + 1] ?? bytes.length));
  return held;
}
const fetched = (bytes: Buffer, ...cuts: number[]): FetchedBytes => chunks(bytes, ...cuts);

/** What a decoder returned: the records' values, or why the batch is invalid. */
function decoded(out: KafkaRecord[] | Buffer | string): (Buffer | null)[] | string {
  if (typeof out === "string") return out;
  if (Buffer.isBuffer(out)) throw new Error("the decoder left the records to the library's reader");
  return out.map((r) => r.value);
}

const check = (checks: { checkCrcs: boolean; maxBatchBytes: number }, bytes: FetchedBytes) =>
  decoded(batchDecoder(checks)(bytes));

describe("batchDecoder (check.crcs, decompressed size)", () => {
  test("a sound batch gives its records, decompressed", () => {
    expect(check({ checkCrcs: true, maxBatchBytes: 1 << 20 }, fetched(batch("gzip")))).toEqual([Buffer.from(value)]);
  });

  test("a batch in one chunk is read where it is (its values are views of the chunk); one across chunks too", () => {
    const bytes = batch("none");
    const [inPlace] = decoded(batchDecoder({ checkCrcs: true, maxBatchBytes: 1 << 20 })(fetched(bytes)));
    expect(inPlace).toEqual(Buffer.from(value));
    expect((inPlace as Buffer).buffer).toBe(bytes.buffer);
    expect(check({ checkCrcs: true, maxBatchBytes: 1 << 20 }, fetched(bytes, 10, 40, 30_000))).toEqual([
      Buffer.from(value),
    ]);
  });

  test("one flipped byte in a later chunk of a batch: the CRC over the chunks finds it", () => {
    const damaged = batch("none");
    damaged[40_000]! ^= 0x01;
    const stored = damaged.readUInt32BE(17);
    const computed = crc32c(damaged.subarray(21)) >>> 0;
    expect(check({ checkCrcs: true, maxBatchBytes: 1 << 20 }, fetched(damaged, 19, 30, 30_000))).toBe(
      `Record is corrupt (stored crc = ${stored}, computed crc = ${computed})`,
    );
  });

  test("one flipped byte: Java's CorruptRecordException message, with the stored and computed CRC", () => {
    const damaged = batch("gzip");
    damaged[damaged.length - 9]! ^= 0x01;
    const stored = damaged.readUInt32BE(17);
    const computed = crc32c(damaged.subarray(21)) >>> 0;
    expect(check({ checkCrcs: true, maxBatchBytes: 1 << 20 }, fetched(damaged))).toBe(
      `Record is corrupt (stored crc = ${stored}, computed crc = ${computed})`,
    );
  });

  test("check.crcs=false reads a damaged batch as it is", () => {
    const damaged = batch("none");
    damaged[damaged.length - 2]! ^= 0x01;
    // The last byte is the record's header count; the one before it, the value's last.
    expect(check({ checkCrcs: false, maxBatchBytes: 1 << 20 }, fetched(damaged))).toEqual([
      damaged.subarray(damaged.length - 1 - value.length, damaged.length - 1),
    ]);
  });

  test("records that decompress past the bound: the batch is invalid, nothing held", () => {
    expect(check({ checkCrcs: true, maxBatchBytes: 10_000 }, fetched(batch("gzip"), 5_000))).toStartWith(
      "the gzip records of a batch decompress to more than 10000 bytes",
    );
  });

  test("one answer's batches past the bound together: the first is read, the later ones held back", () => {
    const decode = batchDecoder({ checkCrcs: true, maxBatchBytes: 120_000 });
    const read = (type: "none" | "gzip") => decoded(decode(fetched(batch(type))));
    const plain = [Buffer.from(value)];
    expect([read("gzip"), read("gzip"), read("gzip"), read("none")]).toEqual([plain, plain, HELD_BACK, plain]);
    // The next answer's decoder starts afresh.
    expect(check({ checkCrcs: true, maxBatchBytes: 120_000 }, fetched(batch("gzip")))).toEqual(plain);
  });

  describe("in the patched record reader (readRecordsBatches)", () => {
    type Read = { firstOffset: bigint; records: { value: Buffer | null }[]; invalid?: string };
    const library = platformatic as unknown as {
      batchDecoding: { current: unknown };
      readRecordsBatches(reader: unknown): Read[];
    };
    function read(recordSet: Buffer, ...cuts: number[]): Read[] {
      library.batchDecoding.current = batchDecoder({ checkCrcs: true, maxBatchBytes: 1 << 20 });
      try {
        return library.readRecordsBatches(new Reader(chunks(recordSet, ...cuts)));
      } finally {
        library.batchDecoding.current = null;
      }
    }
    const at = (offset: number) => {
      const b = batch("gzip");
      b.writeBigInt64BE(BigInt(offset), 0);
      return b;
    };

    test("batches are read in place where they lie in one chunk, and across chunks", () => {
      const small = Array.from(
        { length: 100 },
        (_, i): ProducerRecord => ({
          topic: "t",
          partition: 0,
          key: null,
          value: new TextEncoder().encode(`${i}`.padStart(200, "v")),
          headers: [],
          timestamp: 1,
        }),
      );
      const { buffer } = encodeRecordBatch(small, [...small.keys()], 1, { type: "none" });
      sealRecordBatch(buffer);
      const one = Buffer.from(buffer);
      const answer = Buffer.concat([one, one]);
      const batches = read(answer, one.length + 5_000, one.length + 12_000);
      const expected = small.map((r) => new TextDecoder().decode(r.value!));
      for (const b of batches) {
        expect(b.invalid).toBeUndefined();
        expect(b.records.map((r) => r.value!.toString())).toEqual(expected);
      }
      expect(batches[0]!.records.every((r) => r.value!.buffer === answer.buffer)).toBe(true);
    });

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
