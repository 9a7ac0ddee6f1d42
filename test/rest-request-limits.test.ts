/**
 * Issue 8 point 6: the admin REST API reads at most `rest.request.body.max.bytes` of a body (413 in
 * Connect's error shape without reading the rest) and gives a client `rest.request.body.timeout.ms`
 * to send it (408), so neither a huge nor an endless body can exhaust the gateway.
 */
import { describe, expect, test } from "bun:test";
import type { Socket } from "node:net";
import { openRaw, parseResponse } from "./fixtures/connect-rest/raw-http.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const suite = suiteGateway({
  "rest.request.body.max.bytes": "4096",
  "rest.request.body.timeout.ms": "1000",
});

/** Opens a connection, sends `head`, and collects everything until the server closes. */
function open(head: string): { socket: Socket; answer: Promise<Buffer> } {
  const url = new URL(suite.gw.url);
  return openRaw(url.hostname, Number(url.port), head);
}

describe("request body limits", () => {
  test("a declared Content-Length over the limit is 413 before any of the body is sent", async () => {
    const { answer } = open(
      `POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\n\r\n`,
    );
    const r = parseResponse(await answer);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toEqual({
      error_code: 413,
      message: "Request body is larger than the limit of 4096 bytes (rest.request.body.max.bytes)",
    });
  });

  test("a chunked body growing past the limit is cut off with 413", async () => {
    const { socket, answer } = open(
      `PUT /connectors/big/config HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const chunk = `{"a":"${"x".repeat(1000)}",`;
    for (let i = 0; i < 8 && !socket.destroyed; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const r = parseResponse(await answer);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error_code).toBe(413);
    expect((await suite.gw.rest.get("/connectors/big")).status).toBe(404);
  });

  test("a body that never completes is answered 408 after the body timeout", async () => {
    const { answer } = open(
      `POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`,
    );
    const r = parseResponse(await answer);
    expect(r.status).toBe(408);
    expect(JSON.parse(r.body)).toEqual({
      error_code: 408,
      message: "Request body not received within 1000 ms (rest.request.body.timeout.ms)",
    });
  });

  test("a body within the limit is read and bound as usual", async () => {
    const r = await suite.gw.rest.put("/connector-plugins/FileStreamSink/config/validate", {
      "connector.class": "FileStreamSink",
      name: "fits",
      topics: "t",
      padding: "y".repeat(3000),
    });
    expect(r.status).toBe(200);
    expect(r.body.error_count).toBe(0);
  });

  test("the gateway still answers afterwards", async () => {
    expect((await suite.gw.rest.get("/connectors")).status).toBe(200);
  });
});
