/**
 * `ingest.request.bodies.max.bytes` on the gateway (the compiled binary when GATEWAY_BIN is set),
 * with raw sockets on the plain ingest listener: uploads that stall one byte short of their
 * declared length hold the budget, and a request that would pass it is 503 with Retry-After before
 * its body is read; once a body is in, the next request is served (security hunt 2026-12-03: with
 * the defaults, 500 such uploads held 590 MB of the gateway's memory for ingest.request.timeout.ms).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { openRaw, parseResponse } from "./fixtures/connect-rest/raw-http.ts";
import { uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const SIZE = 300_000;
const suite = suiteGateway({
  "ingest.listeners": "http://127.0.0.1:0",
  "ingest.request.bodies.max.bytes": String(3 * SIZE),
});

beforeAll(async () => {
  const created = await suite.gw.rest.post("/connectors", {
    name: "uploads",
    config: {
      "connector.class": "HttpIngestSource",
      "kafka.topic": uniqueTopic("ingest-body-budget"),
      "ingest.path": "/ingest/uploads",
      "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
    },
  });
  expect(created.status).toBe(201);
  await waitFor(
    async () => (await suite.gw.rest.get("/connectors/uploads/status")).body?.tasks?.[0]?.state === "RUNNING",
    {
      what: "uploads running",
    },
  );
});

const upload = (extra = "") =>
  `POST /ingest/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${SIZE}\r\n${extra}\r\n`;

async function inFlight(): Promise<number> {
  const text = await (await fetch(`${suite.gw.url}/metrics`)).text();
  return Number(/ingest_requests_in_flight\{route="\/ingest\/uploads"\} (\d+)/.exec(text)?.[1] ?? 0);
}

describe("ingest.request.bodies.max.bytes", () => {
  test("stalled uploads hold it: one more request is 503 with Retry-After, nothing read; served again once a body is in", async () => {
    const stalled = [0, 1, 2].map((i) => {
      const raw = openRaw(
        new URL(suite.ingest).hostname,
        Number(new URL(suite.ingest).port),
        upload(i === 0 ? "Connection: close\r\n" : ""),
      );
      raw.socket.write("x".repeat(SIZE - 1));
      return raw;
    });
    await waitFor(async () => (await inFlight()) === 3, { what: "three uploads in flight" });

    const refused = await fetch(`${suite.ingest}/ingest/uploads`, { method: "POST", body: "small" });
    expect({
      status: refused.status,
      retryAfter: refused.headers.get("retry-after"),
      body: await refused.json(),
    }).toEqual({
      status: 503,
      retryAfter: "5", // the route's ingest.retry.after.seconds, as its other overload answers
      body: {
        error_code: 503,
        message: `The ingest listeners are receiving ${3 * SIZE} bytes of request bodies (ingest.request.bodies.max.bytes=${3 * SIZE}); retry later`,
      },
    });

    // The first upload's last byte: it is written, and its room is free again.
    stalled[0]!.socket.write("x");
    expect(parseResponse(await stalled[0]!.answer).status).toBe(200);
    const served = await fetch(`${suite.ingest}/ingest/uploads`, { method: "POST", body: "small" });
    expect(served.status).toBe(200);

    for (const { socket } of stalled.slice(1)) socket.destroy();
    await waitFor(async () => (await inFlight()) === 0, { what: "the stalled uploads gone" });
    // A body larger than the room the uploads whose clients left held fits only when they gave it
    // back: a leak of theirs would make every request 503 for good.
    const after = await fetch(`${suite.ingest}/ingest/uploads`, { method: "POST", body: "x".repeat(2 * SIZE) });
    expect(after.status).toBe(200);
  });
});
