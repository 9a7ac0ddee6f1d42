/**
 * Whole gateway (the compiled binary when GATEWAY_BIN is set), the plain http ingest listener
 * (Bun.serve) and raw sockets: HTTP/1.1 edge cases of real devices, checked against the records in
 * Kafka (a 2xx means the request's records are in Kafka, any other answer that none was written).
 *
 * Bun.serve (1.4.5) ends a chunked body at its last chunk and parses trailer fields as the next
 * request: 400 and the connection closed. Before the fix that 400 was the only answer the client
 * read while the request's record was written; now the record is withdrawn (body-reader.ts). Chunk
 * extensions are read (a quoted value with a space is Bun's 400, and nothing is written); `Expect: 100-continue` gets Bun's 100 at once, and a refused request its
 * answer without the body being waited for.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { ingestRequests } from "./support/gateway.ts";
import { readAll, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const topic = uniqueTopic("ingest-wire-plain");
const PATH = "/ingest/wire-plain";
const suite = suiteGateway({ "ingest.listeners": "http://127.0.0.1:0" });

/** The status codes of the answers in `text`, in order (100 Continue included). */
const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

const post = (body: string) =>
  `POST ${PATH} HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const chunkedHead = `POST ${PATH} HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;

/** Sends `bytes` on a new connection and waits until `done` holds for what came back, or the close. */
async function exchange(bytes: string, done: (text: string) => boolean): Promise<string> {
  const url = new URL(suite.ingest);
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  socket.on("error", () => {});
  let text = "";
  let closed = false;
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString("latin1");
  });
  socket.on("close", () => {
    closed = true;
  });
  socket.write(bytes);
  try {
    await waitFor(() => done(text) || closed || undefined, { what: "the answers" });
  } finally {
    socket.destroy();
  }
  return text;
}

/** How many records of the topic have this value, once a later record was acknowledged. */
async function written(value: string): Promise<number> {
  // Records of one task go to Kafka in order: once the marker is acknowledged, any record sent
  // before it is in the topic too.
  const marker = `{"marker":${Date.now()}}`;
  expect(statuses(await exchange(post(marker), (t) => statuses(t).length === 1))).toEqual([200]);
  return (await readAll(topic)).filter((r) => r.value?.toString() === value).length;
}

/** `ingest_requests_total` of the route by status class, from /metrics. */
const answered = (statusClass: string) => ingestRequests(suite.gw, PATH, statusClass);

beforeAll(async () => {
  const created = await suite.gw.rest.post("/connectors", {
    name: "wire-plain",
    config: {
      "connector.class": "HttpIngestSource",
      "ingest.path": PATH,
      "kafka.topic": topic,
      "ingest.max.body.bytes": "4096",
      "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
    },
  });
  expect(created.status).toBe(201);
  await waitFor(async () => statuses(await exchange(post('"ready"'), (t) => statuses(t).length === 1))[0] === 200, {
    what: "the route with a running task",
  });
}, 120_000);

describe("the plain ingest listener on the wire", () => {
  test("a chunked body with chunk extensions is read as its data", async () => {
    const body = '5;name=value\r\n{"ch"\r\n8;q="xy";flag\r\n:"unked"\r\n1\r\n}\r\n0;last\r\n\r\n';
    expect(statuses(await exchange(chunkedHead + body, (t) => statuses(t).length === 1))).toEqual([200]);
    expect(await written('{"ch":"unked"}')).toBe(1);
  });

  test("a chunk extension Bun does not parse (a quoted value with a space) is 400 with nothing written", async () => {
    const body = '5;q="x y"\r\n{"ch"\r\n9\r\n:"unked2"\r\n1\r\n}\r\n0\r\n\r\n';
    expect(statuses(await exchange(chunkedHead + body, () => false))).toEqual([400]);
    expect(await written('{"ch":"unked2"}')).toBe(0);
  });

  test("a chunked body with trailer fields answered 400 by Bun has none of its records written", async () => {
    const value = '{"trailer":1}';
    const body = `${value.length.toString(16)}\r\n${value}\r\n0\r\nX-Checksum: 1\r\n\r\n`;
    const text = await exchange(chunkedHead + body, () => false); // until Bun closes the connection
    const answered = statuses(text);
    expect(answered.length).toBeGreaterThan(0);
    // The acknowledged-record rule, whichever answer the client reads first.
    expect(await written(value)).toBe(answered[0] === 200 ? 1 : 0);
  });

  test("Expect: 100-continue: Bun's 100 at once; a refused request is answered without its body", async () => {
    const head = (path: string, length: number) =>
      `POST ${path} HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`;
    expect(statuses(await exchange(head("/ingest/none", 7), (t) => statuses(t).length === 2))).toEqual([100, 404]);
    expect(statuses(await exchange(head(PATH, 5000), (t) => statuses(t).length === 2))).toEqual([100, 413]);
    expect(statuses(await exchange(head(PATH, 7), (t) => statuses(t).length === 1))).toEqual([100]);
  });

  test("a client that closes mid-body has nothing written, and is not counted or logged as a gateway failure", async () => {
    const before = { client: await answered("4xx"), server: await answered("5xx") };
    const url = new URL(suite.ingest);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    socket.on("error", () => {});
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.end(
      `POST ${PATH} HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"gone":`,
    );
    // Before the fix: 500 and an ERROR "Ingest request on … failed" (the body read's AbortError taken for a bug).
    await waitFor(async () => (await answered("4xx")) + (await answered("5xx")) > before.client + before.server, {
      what: "the request to be answered",
    });
    expect(await answered("5xx")).toBe(before.server);
    expect(suite.gw.output()).not.toContain("ERROR Ingest request on");
    socket.destroy();
  });
});
