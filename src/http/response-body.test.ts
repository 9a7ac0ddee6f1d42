import { describe, expect, test } from "bun:test";
import { HttpResponseTooLargeError } from "./http-errors.ts";
import { readCapped, readPrefix } from "./response-body.ts";

const bytes = (n: number) => new Uint8Array(n).fill(0x61);
const plain = (body: Uint8Array) => new Response(body, { headers: { "content-length": String(body.length) } });
/** A body without Content-Length, in chunks of `size` bytes: read through the stream reader. */
function chunked(body: Uint8Array, size: number): Response {
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= body.length) return controller.close();
      controller.enqueue(body.slice(at, at + size));
      at += size;
    },
  });
  return new Response(stream);
}

describe("readPrefix", () => {
  test("a body with Content-Length shorter than the prefix comes whole, not truncated (read in one call)", async () => {
    const read = await readPrefix(plain(bytes(100)), 1000, () => false);
    expect(read.body).toEqual(bytes(100));
    expect(read.truncated).toBe(false);
  });

  test("a body with Content-Length longer than the prefix gives the prefix, truncated", async () => {
    const read = await readPrefix(plain(bytes(5000)), 1000, () => false);
    expect(read.body).toEqual(bytes(1000));
    expect(read.truncated).toBe(true);
  });

  test("a body of exactly the prefix's length is truncated, with or without Content-Length", async () => {
    for (const response of [plain(bytes(1000)), chunked(bytes(1000), 300)]) {
      const read = await readPrefix(response, 1000, () => false);
      expect(read.body).toEqual(bytes(1000));
      expect(read.truncated).toBe(true);
    }
  });

  test("a chunked body longer than the prefix gives the prefix across chunks", async () => {
    const read = await readPrefix(chunked(bytes(5000), 300), 1000, () => false);
    expect(read.body).toEqual(bytes(1000));
    expect(read.truncated).toBe(true);
  });

  test("an empty body with Content-Length 0 is empty and whole", async () => {
    const read = await readPrefix(plain(new Uint8Array(0)), 1000, () => false);
    expect(read.body.length).toBe(0);
    expect(read.truncated).toBe(false);
  });
});

describe("readCapped", () => {
  test("a body with Content-Length within the cap comes whole", async () => {
    expect(await readCapped(plain(bytes(4000)), 4000, () => "GET x")).toEqual(bytes(4000));
  });

  test("a chunked body past the cap fails, naming the request", async () => {
    const read = readCapped(chunked(bytes(5000), 300), 4000, () => "GET x");
    await expect(read).rejects.toBeInstanceOf(HttpResponseTooLargeError);
    await expect(readCapped(chunked(bytes(5000), 300), 4000, () => "GET x")).rejects.toThrow("GET x");
  });

  test("an encoded body is not taken by its Content-Length: the bytes read are counted against the cap", async () => {
    // Content-Length counts the encoded bytes; what arrives (decompressed) may be far more.
    const response = new Response(bytes(100), { headers: { "content-encoding": "gzip", "content-length": "10" } });
    await expect(readCapped(response, 50, () => "GET x")).rejects.toBeInstanceOf(HttpResponseTooLargeError);
  });
});
