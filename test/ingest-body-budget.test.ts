/**
 * `ingest.request.bodies.max.bytes` on the gateway (the compiled binary when GATEWAY_BIN is set),
 * with raw sockets on the plain ingest listener: uploads that stall one byte short of their
 * declared length hold the budget, and a request that would pass it is 503 with Retry-After before
 * its body is read; once a body is in, the next request is served (security hunt 2026-12-03: with
 * the defaults, 500 such uploads held 590 MB of the gateway's memory for ingest.request.timeout.ms).
 * With a second route served, one route holds at most half of it: uploads stalled on one route no
 * longer make the other answer 503 (bodyfair).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { openRaw, parseResponse } from "./fixtures/connect-rest/raw-http.ts";
import { createIngestConnector } from "./support/gateway.ts";
import { uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const SIZE = 300_000;
const suite = suiteGateway({
  "ingest.listeners": "http://127.0.0.1:0",
  "ingest.request.bodies.max.bytes": String(3 * SIZE),
});

/** Creates the ingest connector `name` at /ingest/`name` and waits for its task. */
function route(name: string, extra: Record<string, string> = {}): Promise<void> {
  return createIngestConnector(suite.gw, name, {
    "kafka.topic": uniqueTopic(`ingest-body-budget-${name}`),
    "ingest.path": `/ingest/${name}`,
    "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
    ...extra,
  });
}

beforeAll(() => route("uploads"));

const upload = (extra = "", size = SIZE, path = "/ingest/uploads") =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${size}\r\n${extra}\r\n`;

async function inFlight(path = "/ingest/uploads"): Promise<number> {
  const text = await (await fetch(`${suite.gw.url}/metrics`)).text();
  return Number(new RegExp(`ingest_requests_in_flight\\{route="${path}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
}

/** An upload of `size` bytes to `path`, stalled one byte short of its end. */
function stall(size: number, path: string) {
  const raw = openRaw(new URL(suite.ingest).hostname, Number(new URL(suite.ingest).port), upload("", size, path));
  raw.socket.write("x".repeat(size - 1));
  return raw;
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

  test("with another route served, stalled uploads on one route hold at most half of it: the other route takes its requests", async () => {
    // Its one body (ingest.max.body.bytes) is less than half the budget: half is its share.
    const half = SIZE / 2;
    await route("bulk", { "ingest.max.body.bytes": String(half) });
    await route("devices");
    // Stalled uploads on the bulk route, one more each time, until one more of its requests is
    // refused. Before: until the budget was full (six), and then every route answered 503.
    const stalled: ReturnType<typeof stall>[] = [];
    let refused: Response | undefined;
    while (!refused && stalled.length < 6) {
      stalled.push(stall(half, "/ingest/bulk"));
      await waitFor(async () => (await inFlight("/ingest/bulk")) === stalled.length, {
        what: `${stalled.length} uploads in flight`,
      });
      const more = await fetch(`${suite.ingest}/ingest/bulk`, { method: "POST", body: "x".repeat(half) });
      if (more.status === 503) refused = more;
      else expect(more.status).toBe(200);
    }
    const device = await fetch(`${suite.ingest}/ingest/devices`, { method: "POST", body: "x".repeat(SIZE) });
    expect(device.status).toBe(200);
    expect({
      stalled: stalled.length,
      retryAfter: refused?.headers.get("retry-after"),
      body: await refused?.json(),
    }).toEqual({
      stalled: 3,
      retryAfter: "5",
      body: {
        error_code: 503,
        message: `The ingest route /ingest/bulk is receiving ${3 * half} bytes of request bodies, its share of ingest.request.bodies.max.bytes=${3 * SIZE} (half of it, or one body of ingest.max.body.bytes=${half}, while other routes are served); retry later`,
      },
    });

    for (const { socket } of stalled) socket.destroy();
    await waitFor(async () => (await inFlight("/ingest/bulk")) === 0, { what: "the stalled uploads gone" });
    // The stalled uploads gave the route's share back: a leak would refuse its requests for good.
    const after = await fetch(`${suite.ingest}/ingest/bulk`, { method: "POST", body: "x".repeat(half) });
    expect(after.status).toBe(200);
  });
});
