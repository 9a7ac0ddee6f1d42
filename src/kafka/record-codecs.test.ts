import { describe, expect, test } from "bun:test";
import { snappyCompress } from "@platformatic/wasm-utils/bundled";
import { COMPRESSION_TYPES, codecId, compressRecords, decompressRecords } from "./record-codecs.ts";

const plain = Buffer.from(Array.from({ length: 2_000 }, (_, i) => `record ${i % 37};`).join(""));

describe("record codecs", () => {
  test.each(COMPRESSION_TYPES.filter((t) => t !== "none"))("%s round-trips and shrinks repetitive records", (type) => {
    const compressed = compressRecords({ type }, plain);
    expect(compressed.length).toBeLessThan(plain.length / 4);
    expect(decompressRecords(codecId(type), compressed)).toEqual(plain);
  });

  test("the level is the configured one (gzip's header says which: XFL 2 at 9, 4 at 1)", () => {
    expect(compressRecords({ type: "gzip", level: 9 }, plain)[8]).toBe(2);
    expect(compressRecords({ type: "gzip", level: 1 }, plain)[8]).toBe(4);
  });

  test("Snappy framed as Java's producer writes it (xerial: header, then length-prefixed chunks) is read", () => {
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    const chunk = (b: Buffer) => {
      const c = snappyCompress(b);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(c.length);
      return [length, c];
    };
    const framed = Buffer.concat([header, ...chunk(plain.subarray(0, 700)), ...chunk(plain.subarray(700))]);
    expect(decompressRecords(2, framed)).toEqual(plain);
    expect(() => decompressRecords(2, framed.subarray(0, framed.length - 3))).toThrow(
      "Corrupt snappy data in a record batch: Invalid xerial snappy chunk data",
    );
  });

  test.each(COMPRESSION_TYPES.filter((t) => t !== "none"))(
    "%s data the codec cannot read is an error naming the codec, and the codec goes on working",
    (type) => {
      const garbage = Buffer.from("not a compressed record batch, not at all");
      expect(() => decompressRecords(codecId(type), garbage)).toThrow(`Corrupt ${type} data in a record batch: `);
      expect(decompressRecords(codecId(type), compressRecords({ type }, plain))).toEqual(plain);
    },
  );

  test.each(COMPRESSION_TYPES.filter((t) => t !== "none"))(
    "%s records that decompress to more than the bound are refused (a small batch can expand to gigabytes)",
    (type) => {
      const zeros = Buffer.alloc(1 << 20);
      const compressed = compressRecords({ type }, zeros);
      expect(compressed.length).toBeLessThan(zeros.length / 20);
      expect(() => decompressRecords(codecId(type), compressed, 100_000)).toThrow(
        `the ${type} records of a batch decompress to more than 100000 bytes, the most this consumer reads of one batch`,
      );
      // An LZ4 frame is bounded by its blocks' maximum size (the bundled encoder's: 4 MiB).
      expect(decompressRecords(codecId(type), compressed, 8 << 20)).toEqual(zeros);
    },
  );

  test("Snappy in xerial's framing is bounded by the sum of its chunks", () => {
    const zeros = Buffer.alloc(600_000);
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    const c = snappyCompress(zeros);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(c.length);
    const framed = Buffer.concat([header, length, c, length, c]);
    expect(() => decompressRecords(2, framed, 1_000_000)).toThrow("decompress to more than 1000000 bytes");
    expect(decompressRecords(2, framed, 1_200_000).length).toBe(1_200_000);
  });

  test("an unknown codec id is an error", () => {
    expect(() => decompressRecords(5, plain)).toThrow("Unknown compression codec 5 in a record batch");
  });
});
