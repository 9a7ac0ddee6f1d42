import { describe, expect, test } from "bun:test";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { IngestMetrics } from "./ingest-metrics.ts";
import type { RecordOutcome } from "./ingest-record.ts";
import { type IngestStages, passThroughStages } from "./request-context.ts";
import { IngestRouteTable as RouteTable } from "./route-table.ts";
import { noRoutes, post, testIngestApp, testSettings } from "./test-support.ts";

/** Records the latency sample of each finished request. */
class RecordingMetrics extends IngestMetrics {
  readonly samples: { route: string; status: number; seconds: number }[] = [];
  override finished(route: string, status: number, seconds: number, records: number, bytes: number): void {
    this.samples.push({ route, status, seconds });
    super.finished(route, status, seconds, records, bytes);
  }
}

describe("ingest request latency", () => {
  /**
   * A REST Proxy request for a topic no route serves; looking the topic up takes 250 ms on the
   * monotonic clock, during which NTP steps the wall clock by `stepMs`.
   */
  async function latencyWithWallStep(stepMs: number): Promise<{ seconds: number; status: number }> {
    const clock = new ManualClock(1_700_000_000_000);
    const metrics = new RecordingMetrics();
    const routes = noRoutes(() => {
      clock.advance(250);
      clock.stepWallClock(stepMs);
    });
    const app = testIngestApp(routes, { metrics, clock });
    const response = await app.fetch(
      new Request("http://127.0.0.1/topics/unknown", {
        method: "POST",
        headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
        body: JSON.stringify({ records: [{ value: 1 }] }),
      }),
      {},
    );
    expect(metrics.samples).toHaveLength(1);
    return { seconds: metrics.samples[0]!.seconds, status: response.status };
  }

  test("a wall clock stepped back during the request does not give a negative sample", async () => {
    const { seconds, status } = await latencyWithWallStep(-3_600_000);
    expect(status).toBe(404);
    expect(seconds).toBeCloseTo(0.25, 6);
  });

  test("a wall clock stepped forward during the request does not give a huge sample", async () => {
    const { seconds } = await latencyWithWallStep(86_400_000);
    expect(seconds).toBeCloseTo(0.25, 6);
  });
});

describe("REST Proxy request metrics", () => {
  test("each shape is counted under its own route label, records:batch apart from records (splitrest P3)", async () => {
    const metrics = new RecordingMetrics();
    const app = testIngestApp(noRoutes(), { metrics });
    const send = (path: string, type: string) =>
      app.fetch(
        new Request(`http://127.0.0.1${path}`, { method: "POST", headers: { "Content-Type": type }, body: "{}" }),
        {},
      );
    await send("/topics/unknown", "application/vnd.kafka.json.v2+json");
    await send("/v3/clusters/c/topics/unknown/records", "application/json");
    await send("/v3/clusters/c/topics/unknown/records:batch", "application/json");
    expect(metrics.samples.map((s) => [s.route, s.status])).toEqual([
      ["/topics/{topic}", 404],
      ["/v3/…/records", 404],
      ["/v3/…/records:batch", 404],
    ]);
  });
});

describe("a plain listener's connection", () => {
  /** A route on `/ingest/t` whose writer acknowledges every record at once; `stages` as given. */
  function appWith(stages: IngestStages) {
    const routes = new RouteTable();
    routes.open("c", testSettings(), stages);
    routes.attach("c", {
      pending: 0,
      submit: async ({ records }) =>
        records.map((_, i): RecordOutcome => ({ kind: "written", topic: "t", partition: 0, offset: i, timestamp: 1 })),
      withdrawQueued: () => undefined,
    });
    return testIngestApp(routes);
  }

  /** Bun's server as the listener passes it: counts the peer address look-ups. */
  function server() {
    const lookups: Request[] = [];
    return {
      lookups,
      requestIP: (request: Request) => {
        lookups.push(request);
        return { address: "192.0.2.7" };
      },
    };
  }

  test("is not looked up when no stage asks for the peer address", async () => {
    const srv = server();
    const response = await appWith(passThroughStages).serve(post('{"a":1}', "application/json"), srv);
    expect(response.status).toBe(200);
    expect(srv.lookups).toEqual([]);
  });

  test("gives a stage the peer address, looked up once, on the native path and on hono's", async () => {
    const seen: (string | null)[] = [];
    const app = appWith({
      ...passThroughStages,
      authenticate: (context) => {
        seen.push(context.connection.remoteAddress, context.connection.remoteAddress);
        expect(context.connection.tls).toBe(false);
        expect(context.connection.peerCertificate).toBeNull();
        return passThroughStages.authenticate(context);
      },
    });
    const srv = server();
    const direct = post('{"a":1}', "application/json");
    expect((await app.serve(direct, srv)).status).toBe(200);
    expect(seen).toEqual(["192.0.2.7", "192.0.2.7"]);
    expect(srv.lookups).toEqual([direct]);
    // A percent-encoded path takes hono's route to the same connector.
    const encoded = new Request("http://gateway/ingest/%74", {
      method: "POST",
      body: '{"a":1}',
      headers: { "Content-Type": "application/json" },
    });
    expect((await app.serve(encoded, srv)).status).toBe(200);
    expect(srv.lookups).toEqual([direct, encoded]);
  });
});

describe("ingest.max.concurrent.requests", () => {
  test("a route reopened while requests run (reconfigured, resumed) counts them down when they end", async () => {
    const routes = new RouteTable();
    const settings = testSettings({ "ingest.max.concurrent.requests": "2" });
    routes.open("c", settings, passThroughStages);
    const gate = Promise.withResolvers<void>();
    const bothSubmitted = Promise.withResolvers<void>();
    let submitted = 0;
    routes.attach("c", {
      pending: 0,
      submit: async ({ records }) => {
        if (++submitted === 2) bothSubmitted.resolve();
        await gate.promise;
        return records.map(
          (): RecordOutcome => ({ kind: "written", topic: "t", partition: 0, offset: 0, timestamp: 1 }),
        );
      },
      withdrawQueued: () => undefined,
    });
    const app = testIngestApp(routes);
    const running = [app.fetch(post("{}", "application/json"), {}), app.fetch(post("{}", "application/json"), {})];
    await bothSubmitted.promise;
    const refused = await app.fetch(post("{}", "application/json"), {}); // the limit holds
    expect([refused.status, refused.headers.get("Retry-After"), await refused.json()]).toEqual([
      503,
      "5",
      {
        error_code: 503,
        // It names the connector: a REST Proxy client posting to /topics/… never saw /ingest/t (auditingest F12).
        message:
          "Too many concurrent requests for the ingest connector c, on /ingest/t and its REST Proxy topics together (ingest.max.concurrent.requests=2)",
      },
    ]);
    routes.open("c", settings, passThroughStages); // reopened under load
    expect((await app.fetch(post("{}", "application/json"), {})).status).toBe(503); // still two running
    gate.resolve();
    expect((await Promise.all(running)).map((r) => r.status)).toEqual([200, 200]);
    expect((await app.fetch(post("{}", "application/json"), {})).status).toBe(200);
    expect(routes.byPath("/ingest/t")!.requests.inFlight).toBe(0);
  });
});

describe("a route's concurrency slot (P2.4)", () => {
  const written = ({ records }: { records: readonly unknown[] }) =>
    Promise.resolve(
      records.map((): RecordOutcome => ({ kind: "written", topic: "t", partition: 0, offset: 0, timestamp: 1 })),
    );

  function oneSlotApp(stages: IngestStages = passThroughStages) {
    const routes = new RouteTable();
    routes.open(
      "c",
      testSettings({ "ingest.max.concurrent.requests": "1", "ingest.request.timeout.ms": "5000" }),
      stages,
    );
    routes.attach("c", { pending: 0, submit: written, withdrawQueued: () => undefined });
    const clock = new ManualClock(1_700_000_000_000);
    const app = testIngestApp(routes, { clock });
    return { app, clock, slots: () => routes.byPath("/ingest/t")!.requests.inFlight };
  }

  test("a body that does not arrive within ingest.request.timeout.ms is 408, closes the connection and frees the slot", async () => {
    const { app, clock, slots } = oneSlotApp();
    // Part of a body, then nothing: a device (or an attacker) holding the request open.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"a":'));
      },
    });
    const slow = app.fetch(
      new Request("http://gateway/ingest/t", {
        method: "POST",
        body,
        headers: { "Content-Type": "application/json" },
        duplex: "half",
      } as RequestInit),
      {},
    );
    expect(slots()).toBe(1);
    expect((await app.fetch(post("{}", "application/json"), {})).status).toBe(503); // the slot is held
    clock.advance(5000);
    const response = await slow;
    expect({
      status: response.status,
      connection: response.headers.get("connection"),
      body: await response.json(),
    }).toEqual({
      status: 408,
      connection: "close",
      body: { error_code: 408, message: "The request body did not arrive within 5000 ms (ingest.request.timeout.ms)" },
    });
    expect(slots()).toBe(0);
    expect((await app.fetch(post("{}", "application/json"), {})).status).toBe(200);
  });

  test("a request still being authenticated holds no slot", async () => {
    const gate = Promise.withResolvers<void>();
    const { app, slots } = oneSlotApp({
      ...passThroughStages,
      authenticate: async (context) => {
        if (context.request.headers.has("x-slow")) await gate.promise;
        return passThroughStages.authenticate(context);
      },
    });
    const authenticating = app.fetch(post("{}", "application/json", { "x-slow": "1" }), {});
    expect(slots()).toBe(0);
    expect((await app.fetch(post("{}", "application/json"), {})).status).toBe(200);
    gate.resolve();
    expect((await authenticating).status).toBe(200);
  });
});

describe("a body read that fails", () => {
  async function failingBody(error: Error): Promise<{ status: number; logged: string[] }> {
    const logged: string[] = [];
    const routes = new RouteTable();
    routes.open("c", testSettings({}), passThroughStages);
    routes.attach("c", { pending: 0, submit: () => Promise.resolve([]), withdrawQueued: () => undefined });
    const app = testIngestApp(routes, { log: new LogManager({ sink: (line) => logged.push(line) }).get("ingest") });
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(error);
      },
    });
    const response = await app.fetch(
      new Request("http://gateway/ingest/t", {
        method: "POST",
        body,
        headers: { "Content-Type": "application/json", "x-device-secret": "s3cret-header" },
        duplex: "half",
      } as RequestInit),
      {},
    );
    return { status: response.status, logged };
  }

  test("a client that closed its connection mid-body is a 400, not logged", async () => {
    const { status, logged } = await failingBody(new DOMException("The connection was closed.", "AbortError"));
    expect(status).toBe(400);
    expect(logged).toEqual([]);
  });

  test("an error of the gateway's own while reading is still a 400 but logged at ERROR, without request data", async () => {
    const { status, logged } = await failingBody(new TypeError("undefined is not a function (a bug)"));
    expect(status).toBe(400);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain("ERROR");
    expect(logged[0]).toContain("undefined is not a function (a bug)");
    expect(logged[0]).not.toContain("s3cret-header");
  });
});

describe("what a device's answers hide (crlreload P3: as the REST API's answers do)", () => {
  /** A route of connector `c` whose records get `outcome`; `redact` hides `zq7` for `c` and records whom it hid for. */
  function appOfC(outcome: RecordOutcome) {
    const connectors: (string | undefined)[] = [];
    const routes = new RouteTable();
    routes.open("c", testSettings({ "ingest.max.body.bytes": "8" }), passThroughStages);
    routes.attach("c", {
      pending: 0,
      submit: async ({ records }) => records.map(() => outcome),
      withdrawQueued: () => undefined,
    });
    const redact = (text: string, connector?: string) => {
      connectors.push(connector);
      return connector === "c" ? text.replaceAll("zq7", "[hidden]") : text;
    };
    return { app: testIngestApp(routes, { redact }), connectors };
  }

  test("a failed record's message goes through the route's connector's redaction", async () => {
    const { app } = appOfC({
      kind: "failed",
      message: "Unable to convert zq7 to a number",
      retriable: false,
      maybeWritten: false,
      kafkaError: "TRANSFORMATION",
    });
    const answer = await app.fetch(post("{}", "application/json"), {});
    const body = (await answer.json()) as { message: string; offsets: { error: string }[] };
    expect({ status: answer.status, error: body.offsets[0]?.error }).toEqual({
      status: 422,
      error: "Unable to convert [hidden] to a number",
    });
    expect(body.message).toEndWith(": Unable to convert [hidden] to a number");
  });

  test("an error answer of a route goes through its connector's redaction", async () => {
    const { app, connectors } = appOfC({ kind: "written", topic: "t", partition: 0, offset: 0, timestamp: 1 });
    expect((await app.fetch(post('{"too":"large"}', "application/json"), {})).status).toBe(413);
    expect(connectors).toEqual(["c"]);
  });
});
