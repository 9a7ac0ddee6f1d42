/**
 * The options and examples of Flink's HTTP connector document (shared seed 002) as this sink takes
 * them: every option of its "Sink Connector options" table under the name the table gives, the
 * streaming-API examples' `http.sink.*` properties (as copied into
 * test/fixtures/seed-examples/http-sink.json), headers, Basic and OIDC authentication and the
 * TLS/mTLS keys, through the validation POST /connectors runs (validateConnectorConfig on the
 * built-in registry) and into the task's settings; and sink.requests.max-inflight bounding the
 * requests a larger thread pool would start.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import seed from "../../../test/fixtures/seed-examples/http-sink.json";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { makeTls, type TlsFiles } from "../../../test/support/tls.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { builtInRegistry } from "../../plugins.ts";
import { validateConnectorConfig } from "../../runtime/validate-connector-config.ts";
import { sinkSettings } from "./settings.ts";
import { endpoint, harness, record } from "./test-support.ts";

const registry = builtInRegistry();
const base = { name: "http-sink", "connector.class": "HttpSink", topics: "orders" };
const errorsOf = (config: Record<string, string>) => {
  const { infos } = validateConnectorConfig(registry, { ...base, ...config });
  return infos.configs.flatMap((c) => (c.value && c.value.errors.length > 0 ? [[c.value.name, c.value.errors]] : []));
};

let dir: TempDir;
let tls: TlsFiles;
beforeAll(async () => {
  dir = await tempDir();
  tls = await makeTls(dir.path);
});
afterAll(() => dir[Symbol.asyncDispose]());

describe("Flink HTTP connector document: sink options", () => {
  test("every option of the table, spelled as the table spells it, is accepted and applied", () => {
    const table = {
      connector: "http-sink",
      format: "json",
      url: "http://localhost:8080/client",
      "insert-method": "PUT",
      "sink.batch.max-size": "100",
      "sink.requests.max-inflight": "8",
      "sink.requests.max-buffered": "1000",
      "sink.flush-buffer.size": "65536",
      "sink.flush-buffer.timeout": "250",
      "flink.connector.http.sink.request-callback": "slf4j-logger",
      "flink.connector.http.sink.error.code": "4XX,5XX",
      "flink.connector.http.sink.error.code.exclude": "404,409",
      "flink.connector.http.security.cert.server": `${tls.caCert},${tls.serverCert}`,
      "flink.connector.http.security.cert.client": tls.clientCert,
      "flink.connector.http.security.key.client": tls.clientKey,
      "flink.connector.http.security.cert.server.allowSelfSigned": "false",
      "flink.connector.http.sink.request.timeout": "12",
      "flink.connector.http.sink.writer.thread-pool.size": "4",
      "flink.connector.http.sink.writer.request.mode": "batch",
      "flink.connector.http.sink.request.batch.size": "50",
    };
    expect(errorsOf(table)).toEqual([]);
    const s = sinkSettings(table);
    expect({
      method: s.method,
      limits: s.limits,
      singleBodies: s.singleBodies,
      timeoutMs: s.timeoutMs,
      concurrency: s.concurrency,
      maxBuffered: s.maxBuffered,
      logRequests: s.logRequests,
      errors: [400, 404, 409, 500, 204].map((status) => s.errorStatuses.isError(status)),
      mtls: [s.tls?.cert !== undefined, s.tls?.key !== undefined, s.allowSelfSigned],
    }).toEqual({
      method: "PUT",
      limits: { maxBatchRecords: 100, flushBytes: 65536, flushTimeoutMs: 250, requestRecords: 50 },
      singleBodies: false,
      timeoutMs: 12_000,
      concurrency: 4,
      maxBuffered: 1000,
      logRequests: true,
      errors: [true, false, false, true, false],
      mtls: [true, true, false],
    });
  });

  test("the documented defaults: batch mode, 500 per request, 30 s timeout, 50 in flight (Flink's writer with its one thread), slf4j-logger", () => {
    const s = sinkSettings({ url: "http://localhost:8080/client" });
    expect([s.singleBodies, s.limits.requestRecords, s.timeoutMs, s.concurrency, s.logRequests]).toEqual([
      false,
      500,
      30_000,
      50,
      true,
    ]);
  });

  test.each([
    ["Batch submission mode", { single: false, requestRecords: 50 }],
    ["Single submission mode", { single: true, requestRecords: 1 }],
  ] as const)("%s: the streaming-API example's property is accepted and applied", (name, expected) => {
    const { endpointUrl, properties } = seed[name];
    const config: Record<string, string> = { url: endpointUrl, ...properties };
    expect(errorsOf(config)).toEqual([]);
    const s = sinkSettings(config);
    expect({ single: s.singleBodies, requestRecords: s.limits.requestRecords }).toEqual(expected);
  });

  test("Http headers: flink.connector.http.sink.header.NAME and http.sink.header.NAME", () => {
    for (const key of [
      "flink.connector.http.sink.header.X-Content-Type-Options",
      "http.sink.header.X-Content-Type-Options",
    ]) {
      const config = { url: "http://example.com/myendpoint", [key]: "nosniff" };
      expect(errorsOf(config)).toEqual([]);
      expect(sinkSettings(config).headers).toEqual([["X-Content-Type-Options", "nosniff"]]);
    }
  });

  test.each([
    ["user:pw", "false", `Basic ${btoa("user:pw")}`],
    ["Basic dXNlcjpwdw==", "false", "Basic dXNlcjpwdw=="],
    ["Bearer abc", "true", "Bearer abc"],
  ])("Basic Authentication: %p with use-raw-authorization-header=%s is sent as %p", (value, raw, sent) => {
    const config = {
      url: "http://example.com/myendpoint",
      "flink.connector.http.sink.header.Authorization": value,
      "flink.connector.http.source.lookup.use-raw-authorization-header": raw,
    };
    expect(errorsOf(config)).toEqual([]);
    expect(sinkSettings(config).headers).toEqual([["Authorization", sent]]);
  });

  test("OIDC Bearer Authentication: the token request and endpoint; the expiry reduction defaults to 1 second", () => {
    const config = {
      url: "http://example.com/myendpoint",
      "flink.connector.http.security.oidc.token.request": "grant_type=client_credentials&client_id=c&client_secret=s",
      "flink.connector.http.security.oidc.token.endpoint.url": "http://127.0.0.1/token",
    };
    expect(errorsOf(config)).toEqual([]);
    expect(sinkSettings(config).oidc).toEqual({
      tokenUrl: "http://127.0.0.1/token",
      tokenUrlFromProvider: false,
      form: "grant_type=client_credentials&client_id=c&client_secret=s",
      expiryReductionMs: 1000,
      tls: undefined,
    });
    const reduced = { ...config, "flink.connector.http.security.oidc.token.expiry.reduction": "5 s" };
    expect(errorsOf(reduced)).toEqual([]);
    expect(sinkSettings(reduced).oidc?.expiryReductionMs).toBe(5000);
  });
});

describe("sink.requests.max-inflight", () => {
  test("bounds the requests in flight below a larger sink.writer.thread-pool.size", async () => {
    await using server = endpoint();
    let inFlight = 0;
    let maxInFlight = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    server.answer(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await gate;
      inFlight--;
      return new Response("ok");
    });
    await using h = harness({
      url: server.url(),
      "sink.writer.thread-pool.size": "4",
      "sink.requests.max-inflight": "2",
      "sink.request.batch.size": "1",
      "sink.batch.max-size": "1",
      "sink.flush-buffer.timeout": "0",
    });
    // put() launches every request it may at once (pump is synchronous); each counts itself in
    // the in-flight gauge before its first byte is sent, so once two reached the endpoint the
    // gauge shows every request launched.
    await h.task.put([0, 1, 2, 3].map((p) => record(p, 0, p)));
    await waitFor(() => inFlight === 2);
    const gauge = h.metrics
      .families({ connector: "c", task: "0" })
      .find((f) => f.name === "http_sink_requests_in_flight")?.samples[0]?.value;
    expect(gauge).toBe(2);
    release();
    await waitFor(() => server.received.length === 4);
    expect(maxInFlight).toBe(2);
  });

  // Leftovers sinkp7 #6: the default was one request at a time per task (min(thread-pool 1, 50)),
  // where Flink's writer has up to sink.requests.max-inflight (50) in flight with its one thread.
  test("by default a task sends one request per partition at once, each partition's records in order", async () => {
    await using server = endpoint();
    let inFlight = 0;
    let maxInFlight = 0;
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    server.answer(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await gate;
      inFlight--;
      return new Response("ok");
    });
    await using h = harness(
      { url: server.url(), "sink.request.batch.size": "2", "sink.flush-buffer.timeout": "0" },
      { assignment: [0, 1, 2, 3].map((partition) => ({ topic: "orders", partition })) },
    );
    await h.task.put([0, 1, 2, 3].flatMap((p) => [0, 1, 2, 3].map((o) => record(p, o, { p, o }))));
    await waitFor(() => inFlight === 4);
    expect(server.received).toHaveLength(4);
    const first = release;
    gate = new Promise<void>((r) => (release = r));
    first();
    await waitFor(() => server.received.length === 8 && inFlight === 4);
    release();
    await h.task.idle();
    expect(maxInFlight).toBe(4);
    const seen = server.values() as { p: number; o: number }[];
    for (const p of [0, 1, 2, 3]) expect(seen.filter((v) => v.p === p).map((v) => v.o)).toEqual([0, 1, 2, 3]);
  });
});
