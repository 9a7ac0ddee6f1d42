import { describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { systemClock } from "../util/clock.ts";
import type { IngestSubmission, RecordOutcome } from "./ingest-record.ts";
import { passThroughStages } from "./request-context.ts";
import { LISTENER_IDLE_SECONDS, requestIdleSeconds } from "./request-idle-hold.ts";
import { IngestRouteTable } from "./route-table.ts";
import { startedIngestServer, testIngestApp, testSettings } from "./test-support.ts";

describe("requestIdleSeconds", () => {
  test.each([
    [null, undefined],
    [30_000, undefined],
    [110_000, undefined],
    [110_001, 121],
    [180_000, 190],
    [245_000, 255],
    [245_001, 0],
    [2_147_483_647, 0],
  ])("ingest.request.timeout.ms %p holds Bun's idle limit at %p", (ms, seconds) => {
    expect(requestIdleSeconds(ms)).toBe(seconds);
  });

  test("the listener's own limit is 120 s; a shorter one is held from a shorter deadline", () => {
    expect(LISTENER_IDLE_SECONDS).toBe(120);
    expect(requestIdleSeconds(1, 8)).toBe(11);
  });
});

/** A connection to `port` that records what it receives and when it closed. */
function client(port: number): { socket: Socket; text: () => string; closed: Promise<void> } {
  let text = "";
  const socket = connect(port, "127.0.0.1");
  socket.on("data", (chunk) => {
    text += chunk.toString();
  });
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  return { socket, text: () => text, closed };
}

/** A route table with route `/a` open, ingest.request.timeout.ms `timeoutMs`, and a task whose records wait for `acknowledge`. */
function heldRoute(timeoutMs: number) {
  const routes = new IngestRouteTable();
  const settings = testSettings({
    "ingest.path": "/a",
    "kafka.topic": "ta",
    "ingest.request.timeout.ms": String(timeoutMs),
    "ingest.rest.proxy.enable": "true",
  });
  routes.open("a", settings, passThroughStages);
  const submitted = Promise.withResolvers<void>();
  const acknowledged = Promise.withResolvers<void>();
  routes.attach("a", {
    pending: 0,
    submit: async (submission: IngestSubmission): Promise<RecordOutcome[]> => {
      submitted.resolve();
      await acknowledged.promise;
      return submission.records.map(() => ({ kind: "written", topic: "ta", partition: 0, offset: 0, timestamp: 1 }));
    },
    withdrawQueued: () => undefined,
  });
  return { routes, submitted: submitted.promise, acknowledge: () => acknowledged.resolve() };
}

// ingestp3: Bun's idleTimeout (120 s, counted from the server's last write) cut a request waiting
// longer than that, with ingest.request.timeout.ms above it, before the gateway answered it.
describe("IngestServer with a route whose ingest.request.timeout.ms outlasts Bun's idle limit", () => {
  // Bun's limit counts while a body is still arriving (bytes from the client do not reset it): a
  // body stalled past it was cut there, unanswered, where the gateway's deadline answers 408.
  test("a body stalled past the listener's idle limit is answered 408 at ingest.request.timeout.ms", async () => {
    const { routes } = heldRoute(15_000);
    // A listener idle limit of 8 s (Bun's timer ticks every 4 s: it fires 8 to 12 s in) keeps the
    // test short; the deadline runs on the system clock, as Bun's timer does.
    const app = testIngestApp(routes, { clock: systemClock });
    const server = startedIngestServer(app, routes, { idleSeconds: 8 });
    try {
      const device = client(Number(new URL(server.urls[0]!).port));
      device.socket.write(
        'POST /a HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a"',
      );
      await device.closed;
      expect(device.text()).toStartWith("HTTP/1.1 408 ");
    } finally {
      await server.stop();
    }
  }, 60_000);

  test("an idle REST Proxy v3 stream ends with the gateway's 408 report at ingest.request.timeout.ms", async () => {
    const { routes, acknowledge } = heldRoute(15_000);
    acknowledge();
    const app = testIngestApp(routes, { clock: systemClock });
    const server = startedIngestServer(app, routes, { idleSeconds: 8 });
    try {
      const device = client(Number(new URL(server.urls[0]!).port));
      const record = '{"value":{"type":"JSON","data":1}}';
      device.socket.write(
        `POST /v3/clusters/k/topics/ta/records HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${record.length.toString(16)}\r\n${record}\r\n`,
      );
      // Its report, then nothing from either side until the gateway's deadline.
      await device.closed;
      expect(device.text()).toContain('"error_code":200');
      expect(device.text()).toContain(
        '{"error_code":408,"message":"No byte of the stream arrived within 15000 ms (ingest.request.timeout.ms)"}',
      );
    } finally {
      await server.stop();
    }
  }, 60_000);

  test("with no Bun limit (a deadline past 255 s), a connection idles out at the listener's limit once answered", async () => {
    const { routes, submitted, acknowledge } = heldRoute(300_000);
    const server = startedIngestServer(testIngestApp(routes), routes, { idleSeconds: 8 });
    try {
      const port = Number(new URL(server.urls[0]!).port);
      const device = client(port);
      device.socket.write(
        'POST /a HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}',
      );
      await submitted;
      acknowledge();
      // Kept alive after its answer: closed by the listener's idle limit, which the request's hold no longer lifts.
      await device.closed;
      expect(device.text()).toStartWith("HTTP/1.1 200 OK\r\n");
    } finally {
      await server.stop();
    }
  }, 60_000);

  test("with no Bun limit, a connection idles out at the listener's limit once its REST Proxy v3 stream ended", async () => {
    const { routes, acknowledge } = heldRoute(300_000);
    acknowledge();
    const server = startedIngestServer(testIngestApp(routes), routes, { idleSeconds: 8 });
    try {
      const device = client(Number(new URL(server.urls[0]!).port));
      const record = '{"value":{"type":"JSON","data":1}}';
      device.socket.write(
        `POST /v3/clusters/k/topics/ta/records HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${record.length.toString(16)}\r\n${record}\r\n0\r\n\r\n`,
      );
      await device.closed;
      expect(device.text()).toContain('"error_code":200');
      expect(device.text()).toEndWith("\r\n0\r\n\r\n");
    } finally {
      await server.stop();
    }
  }, 60_000);
});
