/**
 * HttpClient against answers whose framing disagrees with their Content-Length, from a raw socket
 * (Bun.serve frames its answers itself): a body sent chunked beside a Content-Length (the transfer
 * coding wins, so the body may be far longer than declared) or gzipped (Content-Length counts the
 * compressed bytes) must still be read against the cap and the prefix, not taken whole by its
 * Content-Length. Also answers that have no body whatever their Content-Length says (HEAD, 204,
 * 304), and a body that stalls short of its Content-Length until the request timeout.
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { HttpClient } from "./http-client.ts";
import { HttpResponseTooLargeError } from "./http-errors.ts";

const LONG = "a".repeat(200_000);
/** 200 kB of zeros gzipped to a few hundred bytes. */
const BOMB = Buffer.from(Bun.gzipSync(new Uint8Array(200_000))).toString("latin1");
/** Each answer closes its connection, so no bytes past a Content-Length meet the next request. */
const ANSWERS: Record<string, string> = {
  "/chunked-beside-length": `200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n${LONG.length.toString(16)}\r\n${LONG}\r\n0\r\n\r\n`,
  "/longer-than-length": `200 OK\r\nContent-Length: 10\r\n\r\n${LONG}`,
  "/gzip-with-length": `200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${BOMB.length}\r\n\r\n${BOMB}`,
  "/head-of-a-long-body": "200 OK\r\nContent-Length: 5000\r\n\r\n",
  "/no-content": "204 No Content\r\nContent-Length: 5000\r\n\r\n",
  "/not-modified": "304 Not Modified\r\nContent-Length: 5000\r\n\r\n",
  "/stalled-body": "503 Service Unavailable\r\nContent-Length: 100\r\n\r\nbackend overloaded",
};
/** Answers whose connection stays open after them: a body shorter than its Content-Length stalls there. */
const STALLED = new Set(["/stalled-body"]);

interface Exchange {
  /** The request head as far as it came. */
  head: string;
  /** The connection stays open once the answer is out (STALLED). */
  stall: boolean;
  /** What is left to write of the answer; null until the head is complete. */
  left: Buffer | null;
}

/** Writes what is left of the answer (a large one takes several writes) and closes once it is out. */
function flush(socket: Socket<Exchange>, left: Buffer): void {
  const written = socket.write(left);
  socket.data.left = left.subarray(Math.max(written, 0));
  if (socket.data.left.length === 0 && !socket.data.stall) socket.end();
}

const server = Bun.listen<Exchange>({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(socket) {
      socket.data = { head: "", left: null, stall: false };
    },
    data(socket, data) {
      if (socket.data.left !== null) return;
      socket.data.head += data.toString("latin1");
      if (!socket.data.head.includes("\r\n\r\n")) return;
      const path = socket.data.head.split(" ")[1] ?? "";
      const answer = ANSWERS[path] ?? "404 Not Found\r\nContent-Length: 0\r\n\r\n";
      socket.data.stall = STALLED.has(path);
      flush(socket, Buffer.from(`HTTP/1.1 ${answer.replace("\r\n", "\r\nConnection: close\r\n")}`, "latin1"));
    },
    drain(socket) {
      if (socket.data.left?.length) flush(socket, socket.data.left);
    },
  },
});
afterAll(() => server.stop(true));

const client = new HttpClient({ maxResponseBytes: 1000 });
const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

describe("HttpClient when the framing disagrees with Content-Length", () => {
  test("a chunked body beside a small Content-Length is counted against the cap", async () => {
    const read = client.request({ method: "GET", url: url("/chunked-beside-length") });
    await expect(read).rejects.toBeInstanceOf(HttpResponseTooLargeError);
  });

  test("a chunked body beside a small Content-Length gives only the prefix", async () => {
    const read = await client.request({ method: "GET", url: url("/chunked-beside-length"), bodyPrefixBytes: 50 });
    expect({ length: read.body.length, truncated: read.truncated }).toEqual({ length: 50, truncated: true });
  });

  test("a gzip body with Content-Length is counted decompressed (Bun keeps Content-Encoding when it decompresses)", async () => {
    await expect(client.request({ method: "GET", url: url("/gzip-with-length") })).rejects.toBeInstanceOf(
      HttpResponseTooLargeError,
    );
    const read = await client.request({ method: "GET", url: url("/gzip-with-length"), bodyPrefixBytes: 50 });
    expect({ length: read.body.length, truncated: read.truncated }).toEqual({ length: 50, truncated: true });
  });

  test("a body longer than its Content-Length is cut at it", async () => {
    for (const bodyPrefixBytes of [undefined, 50]) {
      const read = await client.request({ method: "GET", url: url("/longer-than-length"), bodyPrefixBytes });
      expect(new TextDecoder().decode(read.body)).toBe("a".repeat(10));
    }
  });

  test("HEAD and 204 answers are empty whatever Content-Length says", async () => {
    const head = await client.request({ method: "HEAD", url: url("/head-of-a-long-body"), bodyPrefixBytes: 50 });
    const none = await client.request({ method: "GET", url: url("/no-content"), bodyPrefixBytes: 50 });
    expect([head.body.length, none.status, none.body.length]).toEqual([0, 204, 0]);
  });

  test("HEAD and 304 answers are not refused for a Content-Length over the cap: they have no body", async () => {
    const head = await client.request({ method: "HEAD", url: url("/head-of-a-long-body") });
    const notModified = await client.request({ method: "GET", url: url("/not-modified") });
    expect([head.status, head.body.length, notModified.status, notModified.body.length]).toEqual([200, 0, 304, 0]);
  });

  test("a body within the prefix still arriving at the request timeout gives what came (the sink's excerpt), truncated", async () => {
    const impatient = new HttpClient({ requestTimeoutMs: 300 });
    const read = await impatient.request({ method: "POST", url: url("/stalled-body"), bodyPrefixBytes: 1000 });
    const body = new TextDecoder().decode(read.body);
    expect({ status: read.status, body, truncated: read.truncated }).toEqual({
      status: 503,
      body: "backend overloaded",
      truncated: true,
    });
  });
});
