import { afterEach, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import type { Herder } from "../runtime/herder.ts";
import { LogManager } from "../util/logger.ts";
import { headContentLength } from "./head-length.ts";
import { type Http1Server, startHttp1Server } from "./http1/http1-server.ts";
import { jsonResponse } from "./json-body.ts";
import type { Route } from "./route.ts";
import { restApp, restEnv } from "./server.ts";

const routes: Route[] = [
  { method: "GET", path: "/small", consumesJson: true, handle: () => jsonResponse(200, { a: "é" }) },
  { method: "GET", path: "/large", consumesJson: true, handle: () => jsonResponse(200, ["x".repeat(9000)]) },
  { method: "POST", path: "/post-only", consumesJson: true, handle: () => jsonResponse(200, {}) },
];

let server: Http1Server | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function start(): number {
  const app = restApp(routes, { herder: {} as Herder, logs: new LogManager() });
  server = startHttp1Server({ host: "127.0.0.1", port: 0, handler: (r, info) => app.fetch(r, restEnv(info)) });
  return server.port;
}

/** The raw answer to one request on a connection of its own. */
function send(port: number, method: string, path: string): Promise<{ head: string; body: string }> {
  return new Promise((resolve) => {
    let out = "";
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
    });
    socket.on("data", (d: Buffer) => {
      out += d.toString("latin1");
    });
    socket.on("close", () => {
      const end = out.indexOf("\r\n\r\n");
      resolve({ head: out.slice(0, end), body: out.slice(end + 4) });
    });
  });
}

const lengthOf = (head: string) => /\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? null;

describe("HEAD on the REST server", () => {
  test("declares the Content-Length of the body GET sends, in bytes, and sends no body", async () => {
    const port = start();
    const get = await send(port, "GET", "/small");
    const head = await send(port, "HEAD", "/small");
    expect(lengthOf(get.head)).toBe(String(Buffer.byteLength('{"a":"é"}')));
    expect(lengthOf(head.head)).toBe(lengthOf(get.head));
    expect(head.head.toLowerCase()).toContain("content-type: application/json");
    expect(head.body).toBe("");
  });

  test("declares the length of 404 and 405 answers too", async () => {
    const port = start();
    for (const path of ["/nope", "/post-only"]) {
      const get = await send(port, "GET", path);
      const head = await send(port, "HEAD", path);
      expect(head.head.slice(0, 12)).toBe(get.head.slice(0, 12));
      expect(lengthOf(head.head)).toBe(String(Buffer.byteLength(get.body)));
      expect(head.body).toBe("");
    }
  });

  test("declares 0 for a body longer than Jersey's 8192-byte buffer, as Connect does", async () => {
    const port = start();
    const head = await send(port, "HEAD", "/large");
    expect(lengthOf(head.head)).toBe("0");
    expect(head.body).toBe("");
  });
});

describe("headContentLength", () => {
  test("is the body's length up to 8192 bytes, 0 above", () => {
    expect(headContentLength(0)).toBe(0);
    expect(headContentLength(8192)).toBe(8192);
    expect(headContentLength(8193)).toBe(0);
  });
});
