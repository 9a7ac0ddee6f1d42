/**
 * Every reservation of ingest.request.bodies.max.bytes is given back, on the real plain listener
 * with raw clients: a client leaving mid-body (declared length or chunked), a chunked body passing
 * the route's limit, the request's deadline, a route suspended while its body arrives, and the
 * REST Proxy v2/v3 routes. A leak would make a route (or every route) answer 503 for good.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { waitFor } from "../../test/support/wait-for.ts";
import { systemClock } from "../util/clock.ts";
import { LogManager } from "../util/logger.ts";
import { BodyBudget } from "./body-budget.ts";
import { ingestApp } from "./ingest-handler.ts";
import { IngestMetrics } from "./ingest-metrics.ts";
import type { IngestSubmission, RecordOutcome } from "./ingest-record.ts";
import type { IngestServer } from "./ingest-server.ts";
import { passThroughStages } from "./request-context.ts";
import { IngestRouteTable } from "./route-table.ts";
import { startedIngestServer, testSettings } from "./test-support.ts";

const routes = new IngestRouteTable();
const budget = new BodyBudget(10_000, () => routes.routes().length);
const writer = {
  pending: 0,
  submit: async ({ records, topic }: IngestSubmission) =>
    records.map((_, i): RecordOutcome => ({ kind: "written", topic, partition: 0, offset: i, timestamp: 1 })),
  withdrawQueued: () => undefined,
};
let server: IngestServer;
let port = 0;

function open(connector: string, path: string, topic: string, extra: Record<string, string> = {}): void {
  routes.open(
    connector,
    testSettings({ "ingest.path": path, "kafka.topic": topic, "ingest.max.body.bytes": "1000", ...extra }),
    passThroughStages,
  );
  routes.attach(connector, writer);
}

beforeAll(() => {
  open("a", "/a", "ta", { "ingest.rest.proxy.enable": "true" });
  open("b", "/b", "tb", { "ingest.request.timeout.ms": "300" });
  const app = ingestApp({
    routes,
    metrics: new IngestMetrics(),
    clock: systemClock,
    log: new LogManager().get("test"),
    redact: (text) => text,
    bodies: budget,
  });
  server = startedIngestServer(app, routes);
  port = Number(new URL(server.urls[0]!).port);
});
afterAll(() => server.stop());

/** Sends `head` and `body` on a new connection; the answer's text once the connection closes. */
function send(head: string, body: string): { socket: Socket; answer: Promise<string> } {
  const socket = connect(port, "127.0.0.1", () => socket.write(head + body));
  socket.on("error", () => {});
  let text = "";
  socket.on("data", (chunk) => {
    text += chunk.toString();
  });
  const answer = new Promise<string>((resolve) => socket.once("close", () => resolve(text)));
  return { socket, answer };
}

const sized = (path: string, length: number, type = "application/octet-stream") =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`;
const chunked = (path: string, type = "application/octet-stream") =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: ${type}\r\nTransfer-Encoding: chunked\r\n\r\n`;
const chunk = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n`;

const receiving = () => routes.routes().map((r) => [r.connector, r.requests.receiving, r.requests.inFlight]);
async function released(what: string): Promise<void> {
  await waitFor(async () => budget.reserved === 0 && receiving().every(([, bytes, n]) => bytes === 0 && n === 0), {
    what: `${what}: the budget back to 0 (${budget.reserved}, ${JSON.stringify(receiving())})`,
  });
}
const held = (bytes: number) => waitFor(async () => budget.reserved === bytes, { what: `${bytes} reserved` });

describe("the body budget is given back", () => {
  test("when the client leaves mid-body: declared length, chunked, REST Proxy v2 and streaming v3", async () => {
    for (const [head, first] of [
      [sized("/a", 900), "x".repeat(400)],
      [chunked("/a"), chunk("x".repeat(400))],
      [sized("/topics/ta", 900, "application/vnd.kafka.json.v2+json"), '{"records":[{"value":'],
      [chunked("/v3/clusters/c/topics/ta/records", "application/json"), chunk('{"value":{"type":"JSON","data":')],
    ] as const) {
      const { socket } = send(head, first);
      await held(head.includes("chunked") ? 1000 : 900);
      socket.destroy();
      await released(head.split("\r\n")[0]!);
    }
  });

  test("when a chunked body passes the route's limit (413 mid-stream), and when the deadline passes", async () => {
    const over = send(chunked("/a"), `${chunk("x".repeat(600))}${chunk("x".repeat(600))}0\r\n\r\n`);
    expect((await over.answer).split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
    await released("413");
    const late = send(sized("/b", 900), "x".repeat(10));
    await held(900);
    expect((await late.answer).split("\r\n")[0]).toBe("HTTP/1.1 408 Request Timeout");
    await released("408");
  });

  test("when the route is suspended and reopened while its body arrives", async () => {
    const { socket, answer } = send(sized("/a", 900), "x".repeat(400));
    await held(900);
    routes.suspend("a");
    open("a", "/a", "ta", { "ingest.rest.proxy.enable": "true" });
    socket.write("x".repeat(500));
    expect((await answer).length).toBeGreaterThan(0);
    await released("reopened");
  });
});
