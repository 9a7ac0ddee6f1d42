/**
 * Limits of the ingest listener against hostile clients (security review of 2026-12-01), on the
 * gateway (the compiled binary when GATEWAY_BIN is set) with raw sockets: a repeated
 * Content-Length must not bypass `ingest.max.body.bytes` (P1.3), and Bun's own body limit is the
 * largest route limit.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { parseResponse } from "./fixtures/connect-rest/raw-http.ts";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const TOPIC = uniqueTopic("ingest-limits");

let dir: TempDir;
let gw: Gateway;
let ingest: URL;

async function createConnector(name: string, config: Record<string, string>): Promise<void> {
  const created = await gw.rest.post("/connectors", {
    name,
    config: { "connector.class": "HttpIngestSource", "kafka.topic": TOPIC, ...config },
  });
  expect(created.status).toBe(201);
  await waitFor(async () => (await gw.rest.get(`/connectors/${name}/status`)).body?.tasks?.[0]?.state === "RUNNING", {
    what: `${name} running`,
  });
}

beforeAll(async () => {
  const kafka = await kafkaBroker();
  dir = await tempDir();
  gw = await startGateway({
    dir: dir.path,
    worker: {
      "bootstrap.servers": kafka.bootstrap,
      "ingest.listeners": "http://127.0.0.1:0",
      "data.dir": dir.file("data"),
    },
  });
  const m = await gw.waitForOutput(/Ingest listener open at (http:\/\/[^\s]+?)\/? /);
  ingest = new URL(m[1]!);
  await createConnector("small", { "ingest.path": "/ingest/small", "ingest.max.body.bytes": "1024" });
  await createConnector("big", { "ingest.path": "/ingest/big", "ingest.max.body.bytes": "65536" });
});

afterAll(async () => {
  await gw?.stop();
  await dir?.[Symbol.asyncDispose]();
});

/** Opens a connection to the ingest listener, sends `head`, and collects everything until the server closes. */
function open(head: string): { socket: Socket; answer: Promise<Buffer> } {
  const chunks: Buffer[] = [];
  const socket = connect({ host: ingest.hostname, port: Number(ingest.port) });
  socket.write(head);
  const answer = new Promise<Buffer>((resolve) => {
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(Buffer.concat(chunks)));
  });
  return { socket, answer };
}

const post = (path: string, headers: string) =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${headers}\r\n`;

describe("P1.3: Content-Length", () => {
  test("a repeated Content-Length over the route's limit is 413 before any of the body is sent", async () => {
    // Without the fix the handler waited for all 60000 bytes (Number("60000, 60000") is NaN).
    const { answer } = open(post("/ingest/small", "Content-Length: 60000\r\nContent-Length: 60000\r\n"));
    const r = parseResponse(await answer);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toEqual({
      error_code: 413,
      message: "Request body is larger than the limit of 1024 bytes (ingest.max.body.bytes)",
    });
  });

  test("a body over every route's limit is refused by the listener itself (413, connection closed)", async () => {
    const { answer } = open(post("/ingest/big", "Content-Length: 52428800\r\nContent-Length: 52428800\r\n"));
    const r = parseResponse(await answer);
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe("close");
  });

  test("a repeated Content-Length within the limit is read as that length", async () => {
    const { answer } = open(
      `${post("/ingest/small", "Content-Length: 7\r\nContent-Length: 7\r\nConnection: close\r\n")}{"a":1}`,
    );
    const r = parseResponse(await answer);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).offsets).toHaveLength(1);
  });
});
