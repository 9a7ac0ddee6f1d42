import { describe, expect, test } from "bun:test";
import { crc32c as wasmCrc32c } from "@platformatic/wasm-utils/bundled";
import { crc32c } from "./crc32c.ts";

describe("crc32c (slicing-by-16, in place)", () => {
  test("the standard check value: CRC-32C of '123456789' is 0xe3069283", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  test("agrees with the WebAssembly one on every length to 300 and at unaligned starts", () => {
    const bytes = Buffer.alloc(4096 + 7);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + (i >> 8)) & 0xff;
    for (let start = 0; start < 8; start++)
      for (const length of [...Array(301).keys(), 1023, 4096]) {
        const view = bytes.subarray(start, start + length);
        expect(crc32c(view)).toBe(wasmCrc32c(view) >>> 0);
      }
  });

  test("continues across pieces: the CRC of a then b from crc32c(b, crc32c(a))", () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => 33 + (i % 90)));
    const whole = crc32c(bytes);
    for (const cut of [0, 1, 15, 16, 17, 500, 999, 1000])
      expect(crc32c(bytes.subarray(cut), crc32c(bytes.subarray(0, cut)))).toBe(whole);
  });
});
