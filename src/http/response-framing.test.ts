/**
 * HttpClient against answers whose framing disagrees with their Content-Length, from a raw socket
 * (Bun.serve frames its answers itself): a body sent chunked beside a Content-Length (the transfer
 * coding wins, so the body may be far longer than declared) must still be read against the cap and
 * the prefix, not taken whole by its Content-Length.
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { HttpClient } from "./http-client.ts";
import { HttpResponseTooLargeError } from "./http-errors.ts";

const LONG = "a".repeat(200_000);
/** Each answer closes its connection, so no bytes past a Content-Length meet the next request. */
const ANSWERS: Record<string, string> = {
  "/chunked-beside-length": `200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n${LONG.length.toString(16)}\r\n${LONG}\r\n0\r\n\r\n`,
  "/longer-than-length": `200 OK\r\nContent-Length: 10\r\n\r\n${LONG}`,
  "/head-of-a-long-body": "200 OK\r\nContent-Length: 5000\r\n\r\n",
  "/no-content": "204 No Content\r\nContent-Length: 5000\r\n\r\n",
};

/** Writes what is left of the answer (a large one takes several writes) and closes once it is out. */
function flush(socket: Socket<{ left: Buffer }>): void {
  const written = socket.write(socket.data.left);
  socket.data.left = socket.data.left.subarray(Math.max(written, 0));
  if (socket.data.left.length === 0) socket.end();
}

const server = Bun.listen<{ left: Buffer }>({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(socket) {
      socket.data = { left: Buffer.alloc(0) };
    },
    data(socket, data) {
      const answer =
        ANSWERS[data.toString("latin1").split(" ")[1] ?? ""] ?? "404 Not Found\r\nContent-Length: 0\r\n\r\n";
      socket.data.left = Buffer.from(`HTTP/1.1 ${answer.replace("\r\n", "\r\nConnection: close\r\n")}`, "latin1");
      flush(socket);
    },
    drain(socket) {
      if (socket.data.left.length > 0) flush(socket);
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
});
