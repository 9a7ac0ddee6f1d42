import { describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { systemClock } from "../util/clock.ts";
import type { IngestSubmission, RecordOutcome } from "./ingest-record.ts";
import { passThroughStages } from "./request-context.ts";
import { heldRequest, LISTENER_IDLE_SECONDS, requestIdleSeconds } from "./request-idle-hold.ts";
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

describe("heldRequest", () => {
  // ingestp3-b: a handler that threw at once left the hold on the connection.
  test("sets the listener's limit back when the handler throws at once", () => {
    const limits: number[] = [];
    const server = { timeout: (_request: Request, seconds: number) => void limits.push(seconds) };
    const request = new Request("http://gw/a", { method: "POST" });
    expect(() =>
      heldRequest(request, server as unknown as Parameters<typeof heldRequest>[1], 30, 4, () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(limits).toEqual([30, 4]);
  });
});

/** The listener's Bun idle limit in these tests: Bun's timer ticks every 4 s, so it fires 4 to 8 s in. */
const IDLE_SECONDS = 4;

/**
 * Sends `raw` on a connection of its own to a listener whose Bun idle limit is IDLE_SECONDS, route
 * `/a` open with ingest.request.timeout.ms `timeoutMs` (and `more` settings) and records written at
 * once, then, with `drip`, one byte of whitespace every IDLE_SECONDS / 4 s (a stall of the loaded
 * test host does not reach the routes' 3 s idle watch) while the connection is open; what the connection received once it closed. The gateway's deadlines run on the system
 * clock, as Bun's timer does.
 */
async function answerOf(
  timeoutMs: number,
  raw: string,
  { more = {}, drip = false }: { more?: Record<string, string>; drip?: boolean } = {},
): Promise<string> {
  const routes = new IngestRouteTable();
  const settings = testSettings({
    "ingest.path": "/a",
    "kafka.topic": "ta",
    "ingest.request.timeout.ms": String(timeoutMs),
    "ingest.rest.proxy.enable": "true",
    ...more,
  });
  routes.open("a", settings, passThroughStages);
  routes.attach("a", {
    pending: 0,
    submit: async (submission: IngestSubmission): Promise<RecordOutcome[]> =>
      submission.records.map(() => ({ kind: "written", topic: "ta", partition: 0, offset: 0, timestamp: 1 })),
    withdrawQueued: () => undefined,
  });
  const server = startedIngestServer(testIngestApp(routes, { clock: systemClock }), routes, {
    idleSeconds: IDLE_SECONDS,
  });
  let dripping: ReturnType<typeof setInterval> | undefined;
  try {
    let text = "";
    const socket = connect(Number(new URL(server.urls[0]!).port), "127.0.0.1", () => {
      socket.write(raw);
      // A chunk of one space: whitespace between the stream's JSON values.
      if (drip) dripping = setInterval(() => socket.write("1\r\n \r\n"), (IDLE_SECONDS / 4) * 1000);
    });
    socket.on("data", (chunk) => {
      text += chunk.toString();
    });
    await new Promise<void>((resolve) => socket.on("close", () => resolve()));
    return text;
  } finally {
    clearInterval(dripping);
    await server.stop();
  }
}

const POST_A = "POST /a HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n";
const RECORD = '{"value":{"type":"JSON","data":1}}';
const V3_STREAM = `POST /v3/clusters/k/topics/ta/records HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${RECORD.length.toString(16)}\r\n${RECORD}\r\n`;

// ingestp3: Bun's idleTimeout (120 s) counts from the server's last write, also while a body is
// arriving (bytes from the client do not reset it): a request whose body stalled, or a v3 stream
// sending nothing, was cut there unanswered when ingest.request.timeout.ms was set above it.
describe("IngestServer with a route whose ingest.request.timeout.ms outlasts Bun's idle limit", () => {
  test.concurrent("a body stalled past the listener's idle limit is answered 408 at ingest.request.timeout.ms", async () => {
    expect(await answerOf(10_000, `${POST_A}{"a"`)).toStartWith("HTTP/1.1 408 ");
  }, 60_000);

  test.concurrent("an idle REST Proxy v3 stream ends with the gateway's 408 report at ingest.request.timeout.ms", async () => {
    // Its record's report, then nothing from either side until the gateway's deadline.
    const answer = await answerOf(10_000, V3_STREAM);
    expect(answer).toContain('"error_code":200');
    expect(answer).toContain(
      '{"error_code":408,"message":"No byte of the stream arrived within 10000 ms (ingest.request.timeout.ms)"}',
    );
  }, 60_000);

  // Kept alive after its answer: the connection closes only if the listener's idle limit is back.
  test.concurrent("with no Bun limit (a deadline past 255 s), a connection idles out at the listener's limit once answered", async () => {
    expect(await answerOf(300_000, `${POST_A}{"a":1}`)).toStartWith("HTTP/1.1 200 OK\r\n");
  }, 60_000);

  test.concurrent("with no Bun limit, a connection idles out at the listener's limit once its REST Proxy v3 stream ended", async () => {
    const answer = await answerOf(300_000, `${V3_STREAM}0\r\n\r\n`);
    expect(answer).toContain('"error_code":200');
    expect(answer).toEndWith("\r\n0\r\n\r\n");
  }, 60_000);
});

// ingestp3-b: the hold counted from the server's last write too, so a v3 stream whose client kept
// sending (whitespace, a record arriving slowly) but got no report was cut unanswered at it.
describe("a REST Proxy v3 stream whose client keeps sending but gets no report", () => {
  test.concurrent("outlasts Bun's idle limit and the deadline's hold, and ends with ingest.streaming.max.duration.ms's 408 report", async () => {
    // Held at 3 + 10 s (Bun's timer: 13 to 17 s after the record's report); the stream's limit is 20 s.
    const answer = await answerOf(3_000, V3_STREAM, {
      more: { "ingest.streaming.max.duration.ms": "20000" },
      drip: true,
    });
    expect(answer).toContain('"error_code":200');
    expect(answer).toContain('{"error_code":408,"message":"Streaming connection open for longer than allowed"}');
  }, 60_000);
});
