import { describe, expect, test } from "bun:test";
import type { Socket } from "node:net";
import { fieldName, type WriteOptions, writeResponse } from "./response-writer.ts";

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
  const closes = await writeResponse(socket, response, { headOnly: false, close: false, http10: false, ...options });
  const [head = "", body] = text().split("\r\n\r\n");
  const fields = head
    .split("\r\n")
    .slice(1)
    .filter((f) => !f.startsWith("Date: "));
  return { fields, body, closes };
}

describe("writeResponse", () => {
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
