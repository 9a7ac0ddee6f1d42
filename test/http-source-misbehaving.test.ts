/**
 * The HTTP source in the real gateway (GATEWAY_BIN for the compiled binary) against APIs that
 * misbehave in ways only the whole worker shows: a page of 800 000 records, a graceful stop and a
 * connector delete while a page hangs (the stop in the middle of a poll), a 503 with Retry-After at
 * every attempt, a record key nested deeper than the call stack allows.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { kafkaBroker, readAll, readTopic, uniqueTopic, valueIds } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const source = (url: string, topic: string, extra: Record<string, string> = {}) => ({
  "connector.class": "HttpSource",
  "http.url": url,
  "kafka.topic": topic,
  "http.timer.interval.ms": "3600000",
  "http.response.records.path": "$[*]",
  "value.converter": "org.apache.kafka.connect.storage.StringConverter",
  ...extra,
});

async function offsetOf(gw: Gateway, name: string): Promise<Record<string, unknown> | undefined> {
  return (await gw.rest.get(`/connectors/${name}/offsets`)).body.offsets?.[0]?.offset;
}

describe("HTTP source in the gateway against misbehaving APIs", () => {
  test("a page of 800 000 records reaches Kafka: the task stays RUNNING and commits the poll's end", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const count = 800_000;
    const body = `[${'"a",'.repeat(count - 1)}"a"]`;
    using api = startApi(() => new Response(body));
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "200" },
    });
    const topic = uniqueTopic("bulk");
    await gw.rest.put("/connectors/bulk/config", source(`${api.base}/export`, topic));
    const task = await waitFor(
      async () => {
        const state = (await gw.rest.get("/connectors/bulk/status")).body.tasks?.[0];
        if (state?.state === "FAILED") return state;
        return (await offsetOf(gw, "bulk"))?.poll_time !== undefined ? state : undefined;
      },
      { what: "the poll's final offset committed, or the task failed", timeoutMs: 120_000 },
    );
    expect(task).toMatchObject({ state: "RUNNING" });
    expect((await gw.rest.get("/metrics")).text).toContain(
      `http_source_records_polled_total{connector="bulk",task="0"} ${count}`,
    );
    expect(api.seen.length).toBe(1);
    expect(await gw.stop()).toBe(0);
  }, 180_000);

  test("SIGTERM while a page hangs mid-poll: prompt exit; the restart resumes after the last record Kafka has", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    let hold = true;
    using api = startApi((req) => {
      const page = Number(req.url.searchParams.get("page") ?? "1");
      if (page === 3 && hold) return new Promise<Response>(() => undefined);
      const records = [0, 1].map((i) => ({ id: (page - 1) * 2 + i }));
      return Response.json(records, { headers: page < 4 ? { link: `</items?page=${page + 1}>; rel="next"` } : {} });
    });
    const topic = uniqueTopic("held");
    const options = {
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "60000",
      },
    };
    let gw: Gateway = await startGateway(options);
    await using _cleanup = {
      [Symbol.asyncDispose]: async () => {
        if (gw.proc.exitCode === null) gw.proc.kill("SIGKILL");
      },
    };
    await gw.rest.put(
      "/connectors/held/config",
      source(`${api.base}/items`, topic, { "http.pagination.type": "LINK_HEADER" }),
    );
    await readTopic(topic, 4);
    await waitFor(() => api.seen.some((s) => s.url.searchParams.get("page") === "3"), { what: "page 3 requested" });
    // The stop flushes the offsets of what Kafka has (no periodic flush within the test), not of the held page.
    expect(await gw.stop()).toBe(0);
    expect(api.seen.find((s) => s.url.searchParams.get("page") === "3")!.signal.aborted).toBe(true);

    hold = false;
    const before = api.seen.length;
    gw = await startGateway(options);
    await readTopic(topic, 8);
    expect(api.seen[before]!.url.searchParams.get("page")).toBe("2");
    const ids = valueIds(await readAll(topic));
    expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await gw.stop()).toBe(0);
  }, 120_000);
  test("DELETE while a page hangs: the request is aborted and the connector is gone at once", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    using api = startApi(() => new Promise<Response>(() => undefined));
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const topic = uniqueTopic("hanging");
    await gw.rest.put("/connectors/hanging/config", source(`${api.base}/slow`, topic));
    await waitFor(() => api.seen.length === 1, { what: "the hanging request" });
    expect((await gw.rest.delete("/connectors/hanging")).status).toBe(204);
    await waitFor(() => api.seen[0]!.signal.aborted, { what: "the hanging request aborted by the delete" });
    expect((await gw.rest.get("/connectors")).body).toEqual([]);
    expect(api.seen.length).toBe(1);
    expect(await gw.stop()).toBe(0);
  });
  test("an API answering 503 with Retry-After at every attempt fails the task under behavior.on.error=fail once the retries ran out (explore29 F1)", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    using api = startApi(() => new Response("maintenance", { status: 503, headers: { "retry-after": "1" } }));
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const config = source(`${api.base}/items`, uniqueTopic("busy"), {
      "http.retry.max.attempts": "2",
      "http.retry.backoff.ms": "100",
      "http.response.error.codes": "400,401,403,404,500,502,503",
      "behavior.on.error": "fail",
    });
    await gw.rest.put("/connectors/busy/config", config);
    const task = await waitFor(
      async () => {
        const state = (await gw.rest.get("/connectors/busy/status")).body.tasks?.[0];
        return state?.state === "FAILED" ? state : undefined;
      },
      { what: "the task failed (behavior.on.error=fail)" },
    );
    expect(task.trace).toContain(
      `HTTP 503 from GET ${api.base}/items after 2 attempts: maintenance (behavior.on.error=fail)`,
    );
    expect(api.seen.length).toBe(2);
    expect(await gw.stop()).toBe(0);
  });

  test("a key field nested past 1000 levels is an unreadable response (behavior.on.error), not a stack overflow; 1000 levels is a key (review-jsonorder P2)", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    using api = startApi((req) => {
      const id = nested(Number(req.url.searchParams.get("depth")));
      return Response.json(JSON.parse(`[{"id":"k0","v":0},{"id":${id},"v":1},{"id":"k2","v":2}]`));
    });
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const keyed = {
      "http.record.key.field": "$.id",
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    };
    const topic = uniqueTopic("deep-key");
    await gw.rest.put("/connectors/deep/config", source(`${api.base}/items?depth=20000`, topic, keyed));
    const task = await waitFor(
      async () => {
        const state = (await gw.rest.get("/connectors/deep/status")).body.tasks?.[0];
        return state?.state === "FAILED" ? state : undefined;
      },
      { what: "the task failed (behavior.on.error=fail, with errors.tolerance unset)" },
    );
    expect(task.trace).toContain(
      "A record's http.record.key.field $.id nests arrays and objects more than 1000 levels deep",
    );
    expect(task.trace).not.toContain("call stack");
    const limit = uniqueTopic("deep-key");
    await gw.rest.put("/connectors/limit/config", source(`${api.base}/items?depth=1000`, limit, keyed));
    const records = await readTopic(limit, 3);
    expect(records.map((r) => r.key?.toString("utf8"))).toEqual(["k0", nested(1000), "k2"]);
    expect(await gw.stop()).toBe(0);
  }, 60_000);
});
