/**
 * Whole gateway: a device on the https ingest listener that sends requests but never reads the
 * answers. The real broker, a server certificate made with openssl, the worker key
 * ingest.listeners.https.write.stall.timeout.ms. The device pipelines batches of requests (fewer
 * than the gate's MAX_WAITING each), each ending in a POST to a route with
 * ingest.max.concurrent.requests=1, until its answers back up: the connection is closed at the
 * deadline, every record written was answered to the gateway's metrics, none is left in flight and
 * the route serves another device. (That requests waiting behind unread answers are not handled,
 * and so hold no ingest slot, is shown by src/ingest/tls/tls-front-end-unread.test.ts, where the
 * handler can be counted: here a handled request frees its slot as soon as its answer is
 * buffered, so a slot check could not fail.)
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { httpsIngestSuite } from "./support/https-ingest-suite.ts";
import { readTopic, uniqueTopic } from "./support/kafka.ts";
import { waitFor } from "./support/wait-for.ts";

const topic = uniqueTopic("ingest-unread");
const PATH = "/ingest/unread";
const suite = httpsIngestSuite({ "ingest.listeners.https.write.stall.timeout.ms": "1000" });

beforeAll(async () => {
  const created = await suite.gw.rest.post("/connectors", {
    name: "unread-ingest",
    config: {
      "connector.class": "HttpIngestSource",
      "ingest.path": PATH,
      "kafka.topic": topic,
      "ingest.max.concurrent.requests": "1",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    },
  });
  expect(created.status).toBe(201);
  await waitFor(async () => (await exchange(post("{}"))).startsWith("HTTP/1.1 200") || undefined, {
    what: "the route with a running task",
  });
}, 120_000);

function post(body: string): string {
  return `POST ${PATH} HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

async function secured(): Promise<TLSSocket> {
  const socket = tlsConnect({
    port: suite.port,
    host: "127.0.0.1",
    ca: await Bun.file(suite.pki.caCert).text(),
    servername: "localhost",
  });
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", () => resolve());
    socket.once("close", () => reject(new Error("closed before the handshake completed")));
  });
  return socket;
}

/** One request on its own connection (closed after the answer); the whole answer. */
async function exchange(request: string): Promise<string> {
  const socket = await secured();
  const chunks: Buffer[] = [];
  socket.on("data", (d: Buffer) => chunks.push(d));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.write(request.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"));
  await closed;
  return Buffer.concat(chunks).toString("latin1");
}

async function metric(pattern: RegExp): Promise<number | undefined> {
  const text = await (await fetch(`${suite.gw.url}/metrics`)).text();
  const match = text.match(pattern);
  return match ? Number(match[1]) : undefined;
}

describe("a device that does not read its answers on the https ingest listener", () => {
  test("is closed after write.stall.timeout.ms; the route it used serves other devices", async () => {
    const twoXx = /ingest_requests_total\{route="\/ingest\/unread",status_class="2xx"\} (\d+)/;
    const closedForWrite = /ingest_tls_connections_closed_total\{listener="https:[^"]+",reason="write"\} (\d+)/;
    const answered = (await metric(twoXx)) ?? 0;
    const unread = await secured();
    try {
      unread.pause();
      // Batches (under the gate's MAX_WAITING) of answers large enough to fill every buffer, each
      // ending in a record; the next batch once the record was written, until one is not.
      const openApi = "GET /openapi.json HTTP/1.1\r\nHost: h\r\n\r\n";
      let batches = 0;
      for (;;) {
        unread.write(openApi.repeat(50) + post(`{"n":"b${batches}"}`));
        const next = await waitFor(
          async () =>
            (await metric(twoXx)) === answered + batches + 1 ? "handled" : (await metric(closedForWrite)) && "closed",
          { what: `batch ${batches} to be handled or the connection closed`, timeoutMs: 30_000 },
        );
        if (next === "closed") break;
        batches++;
      }
      expect(batches).toBeGreaterThan(0);
      // The route allows one request at a time: none is left in flight, another device is served.
      expect(await metric(/ingest_requests_in_flight\{route="\/ingest\/unread"\} (\d+)/)).toBe(0);
      expect(await exchange(post('{"n":"other"}'))).toStartWith("HTTP/1.1 200");
      expect(await metric(twoXx)).toBe(answered + batches + 1);
      const values = (await readTopic(topic, answered + batches + 1)).map((r) => r.value?.toString());
      const expected = [...Array.from({ length: batches }, (_, n) => `{"n":"b${n}"}`), '{"n":"other"}'];
      expect(values.filter((v) => v !== "{}").sort()).toEqual(expected.sort());
    } finally {
      unread.destroy();
    }
  }, 60_000);
});
