import { describe, expect, test } from "bun:test";
import type { Socket } from "node:net";
import { recordedConnectionClose } from "../../../test/fixtures/connect-rest/connection-close.ts";
import { fieldName, type WriteOptions, writeResponse } from "./response-writer.ts";

const RECORDED = await recordedConnectionClose();

/** A socket that takes every write at once and keeps it. */
function memorySocket(): { socket: Socket; written: () => string } {
  const chunks: Buffer[] = [];
  const socket = {
    destroyed: false,
    write(data: Uint8Array) {
      chunks.push(Buffer.from(data));
      return true;
    },
    on() {},
    off() {},
  } as unknown as Socket;
  return { socket, written: () => Buffer.concat(chunks).toString("latin1") };
}

async function written(response: Response, options: Partial<WriteOptions> = {}) {
  const { socket, written: text } = memorySocket();
  const closes = await writeResponse(socket, response, {
    headOnly: false,
    close: false,
    version: "HTTP/1.1",
    ...options,
  });
  const [head = "", body] = text().split("\r\n\r\n");
  const fields = head
    .split("\r\n")
    .slice(1)
    .filter((f) => !f.startsWith("Date: "));
  return { fields, body, closes };
}

/** The Connection field Connect wrote in a recorded case, or null. */
function recordedConnection(id: string): string | null {
  const recorded = RECORDED.find((r) => r.id === id);
  if (!recorded) throw new Error(`no recorded case ${id}`);
  return recorded.headers.find(([name]) => name === "Connection")?.[1] ?? null;
}

describe("writeResponse", () => {
  describe("the Connection field (Connect's in test/fixtures/connect-rest/connection-close.json)", () => {
    // The version is the request's as Jetty read it: HTTP/1.0 for a request line it could not read.
    test.each([
      ["http10-get", "HTTP/1.0", true],
      ["http10-get-keep-alive", "HTTP/1.0", false],
      ["http10-not-found", "HTTP/1.0", true],
      ["http10-post", "HTTP/1.0", true],
      ["connect-http10", "HTTP/1.0", false],
      ["bad-uri-http10-keep-alive", "HTTP/1.0", true],
      ["bad-target", "HTTP/1.0", true],
      ["http11-get", "HTTP/1.1", false],
      ["http11-get-close", "HTTP/1.1", true],
      ["http11-not-found-close", "HTTP/1.1", true],
      ["connect-close", "HTTP/1.1", false],
      ["bad-host", "HTTP/1.1", true],
      ["expect-bogus", "HTTP/1.1", true],
      ["http20-get", "HTTP/2.0", true],
      ["http20-get-close", "HTTP/2.0", true],
    ] as const)("%s: %s, closing: %s", async (id, version, close) => {
      const { fields, closes } = await written(Response.json([]), { version, close });
      const connection = fields.find((f) => f.startsWith("Connection: "))?.slice("Connection: ".length) ?? null;
      expect([connection, closes]).toEqual([recordedConnection(id), close]);
    });

    test("a close Jetty does not announce is not announced, even to HTTP/1.1 (get-star)", async () => {
      const { fields, closes } = await written(new Response("page"), { close: true, unsaidClose: true });
      expect([fields.some((f) => f.startsWith("Connection:")), closes]).toEqual([false, true]);
      expect(recordedConnection("get-star")).toBeNull();
    });
  });

  describe("when the body's length is unknown", () => {
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode("one,"));
          c.enqueue(new TextEncoder().encode("two"));
          c.close();
        },
      });

    test("chunks it to HTTP/1.1 and keeps the connection", async () => {
      expect(await written(new Response(stream()))).toEqual({
        fields: ["Transfer-Encoding: chunked"],
        body: "4\r\none,\r\n3\r\ntwo\r\n0",
        closes: false,
      });
    });

    test.each(["HTTP/1.0", "HTTP/2.0"])(
      "delimits it by closing the connection for %s, unannounced",
      async (version) => {
        expect(await written(new Response(stream()), { version })).toEqual({
          fields: [],
          body: "one,two",
          closes: true,
        });
      },
    );
  });

  test("writes the fields' names as Connect does, fetch's lower-cased ones capitalized", async () => {
    const headers = new Headers({ "cache-control": "no-cache", "WWW-Authenticate": "Basic", "x-a-b": "1" });
    const { fields } = await written(new Response("", { headers }));
    expect(fields).toEqual(["Cache-Control: no-cache", "WWW-Authenticate: Basic", "X-A-B: 1", "Content-Length: 0"]);
  });
});

describe("fieldName", () => {
  test.each([
    ["content-type", "Content-Type"],
    ["access-control-allow-origin", "Access-Control-Allow-Origin"],
    ["www-authenticate", "WWW-Authenticate"],
    ["retry-after", "Retry-After"],
    ["vary", "Vary"],
  ])("%s is written %s", (name, written) => {
    expect(fieldName(name)).toBe(written);
  });
});
