import { describe, expect, test } from "bun:test";
import { ReceiveBuffer } from "./receive-buffer.ts";

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");

describe("ReceiveBuffer", () => {
  test("holds what arrived in order, without what was consumed", () => {
    const buffer = new ReceiveBuffer();
    buffer.append(Buffer.from("GET / HT"));
    buffer.append(Buffer.from("TP/1.1\r\n\r\nNEXT"));
    buffer.consume(18);
    buffer.append(new Uint8Array([0x21]));
    expect([text(buffer.bytes()), buffer.length]).toEqual(["NEXT!", 5]);
    buffer.consume(5);
    expect([text(buffer.bytes()), buffer.length]).toEqual(["", 0]);
  });

  // Review rv25b: each arrival concatenated everything received before it, O(n²) for a head sent a
  // byte at a time. Every change of the buffer holding the bytes copies them once.
  test("bytes arriving one at a time are copied a bounded number of times in all", () => {
    const buffer = new ReceiveBuffer();
    let copied = 0;
    let store: [ArrayBufferLike, number] | undefined;
    const size = 65536;
    for (let i = 0; i < size; i++) {
      buffer.append(new Uint8Array([i & 0xff]));
      const view = buffer.bytes();
      if (store && (store[0] !== view.buffer || store[1] !== view.byteOffset)) copied += view.length - 1;
      store = [view.buffer, view.byteOffset];
    }
    expect(copied).toBeLessThanOrEqual(2 * size);
    expect(buffer.bytes()).toEqual(Buffer.from(Array.from({ length: size }, (_, i) => i & 0xff)));
  });

  test("bytes taken are never written again, and what arrives later is held apart", () => {
    const buffer = new ReceiveBuffer();
    buffer.append(Buffer.from("body"));
    buffer.append(Buffer.from("-and-"));
    const taken = buffer.take();
    expect(buffer.length).toBe(0);
    for (const part of ["next", "-request", "-bytes"]) buffer.append(Buffer.from(part));
    expect([text(taken), text(buffer.bytes())]).toEqual(["body-and-", "next-request-bytes"]);
  });
});
