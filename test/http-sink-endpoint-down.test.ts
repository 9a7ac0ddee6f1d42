/**
 * The HTTP sink in the whole gateway (the compiled binary with GATEWAY_BIN) against the real broker
 * and a loopback endpoint that is unavailable (down, or answering 503) or refuses the credentials
 * (401) for longer than `sink.retry.max-attempts`: with errors.tolerance=all, with and without a
 * dead letter queue, no record goes to the DLQ nor is skipped; the task FAILS with a trace naming
 * the status or failure and the URL without its credentials, nothing is committed, and once the
 * endpoint is back a task restart delivers every record, in order. With `sink.retry.max-attempts=-1`
 * the task stays RUNNING through the outage and delivers everything once the endpoint returns.
 * Connect's semantics: errors.tolerance covers records, an unavailable external system fails the task.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, startGateway, taskState } from "./support/gateway.ts";
import { createTopic, kafkaBroker, produce, testClient, uniqueTopic } from "./support/kafka.ts";
import { committedOffsets, highWatermark } from "./support/kill-accounting.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

type Mode = "down" | "503" | "401" | "ok";

/** An endpoint on a fixed loopback port that refuses connections ("down"), answers 503 or 401, or accepts. */
async function switchableEndpoint() {
  const accepted: number[] = [];
  let requests = 0;
  let mode: Mode = "ok";
  const serve = (port: number) =>
    Bun.serve({
      port,
      hostname: "127.0.0.1",
      async fetch(req) {
        requests++;
        const body = await req.text();
        if (mode === "503") return new Response("maintenance", { status: 503 });
        if (mode === "401") return new Response("credentials rotated", { status: 401 });
        for (const e of JSON.parse(body) as { i: number }[]) accepted.push(e.i);
        return new Response("ok");
      },
    });
  let server: ReturnType<typeof serve> | undefined = serve(0);
  const port = server.port!;
  return {
    accepted,
    requests: () => requests,
    url: `http://user:zq8-s3cret-p4ss@127.0.0.1:${port}/events`,
    port,
    async set(next: Mode): Promise<void> {
      mode = next;
      if (next === "down" && server) {
        await server.stop(true);
        server = undefined;
      } else if (next !== "down" && !server) {
        server = serve(port);
      }
    },
    async [Symbol.asyncDispose]() {
      await server?.stop(true);
    },
  };
}

async function gatewayConfig(dir: string) {
  const kafka = await kafkaBroker();
  return {
    dir,
    worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": `${dir}/data`, "offset.flush.interval.ms": "60000" },
  };
}

const COUNT = 30;

async function produceEvents(topic: string): Promise<void> {
  await produce(
    topic,
    Array.from({ length: COUNT }, (_, i) => ({ value: JSON.stringify({ i }) })),
  );
}

async function admin<T>(
  use: (a: ReturnType<Awaited<ReturnType<typeof testClient>>["admin"]>) => Promise<T>,
): Promise<T> {
  const a = (await testClient()).admin();
  await a.connect();
  try {
    return await use(a);
  } finally {
    await a.disconnect();
  }
}

function sinkConfig(topic: string, url: string, extra: Record<string, string>): Record<string, string> {
  return {
    "connector.class": "HttpSink",
    topics: topic,
    url,
    "sink.batch.max-size": "10",
    "sink.request.batch.size": "10",
    "sink.flush-buffer.timeout": "20",
    "sink.retry.max-attempts": "3",
    "sink.retry.backoff.initial.ms": "10",
    "sink.retry.backoff.max.ms": "50",
    "errors.tolerance": "all",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
    ...extra,
  };
}

const ALL = Array.from({ length: COUNT }, (_, i) => i);

describe("HTTP sink whose endpoint is unavailable or refuses the credentials, in the gateway", () => {
  test.each([
    ["answers 503, a DLQ", "503", true, {}],
    ["is down, no DLQ nor errors.log", "down", false, {}],
    ["refuses the credentials (401), errors.log.enable without DLQ", "401", false, { "errors.log.enable": "true" }],
  ] as [string, Mode, boolean, Record<string, string>][])(
    "the endpoint %s (%s) past the attempts, errors.tolerance=all: the task FAILS, nothing to the DLQ or committed; a restart delivers every record",
    async (_what, mode, withDlq, extra) => {
      await using dir = await tempDir();
      const topic = uniqueTopic("http-sink-down");
      const dlq = uniqueTopic("http-sink-down-dlq");
      // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
      const name = uniqueTopic(`down-${mode}-sink`);
      await createTopic(topic, 1);
      await using endpoint = await switchableEndpoint();
      await endpoint.set(mode);
      await using gw: Gateway = await startGateway(await gatewayConfig(dir.path));
      const dlqKeys: Record<string, string> = withDlq
        ? { "errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.topic.replication.factor": "1" }
        : {};
      const created = await gw.rest.post("/connectors", {
        name,
        config: sinkConfig(topic, endpoint.url, { ...dlqKeys, ...extra }),
      });
      expect(created.status).toBe(201);
      await produceEvents(topic);
      const task = await waitFor(
        async () => {
          const t = (await gw.rest.get(`/connectors/${name}/status`)).body.tasks?.[0];
          return t?.state === "FAILED" ? t : undefined;
        },
        { what: "the task FAILED" },
      );
      const redacted = `POST http://***@127.0.0.1:${endpoint.port}/events`;
      const expected = (<Record<Mode, string>>{
        ok: "",
        "503": `HTTP 503 from ${redacted} after 3 attempt(s): maintenance`,
        down: `${redacted} failed after 3 attempt(s):`,
        "401": `HTTP 401 from ${redacted} after 1 attempt(s): credentials rotated`,
      })[mode];
      expect(task.trace).toStartWith("org.apache.kafka.connect.errors.ConnectException: ");
      expect(task.trace).toContain(expected);
      expect(task.trace).not.toContain("Tolerance exceeded");
      expect(task.trace).not.toContain("zq8-s3cret-p4ss");
      expect(gw.output()).not.toContain("zq8-s3cret-p4ss");
      expect(gw.output()).not.toContain("could not be delivered");
      expect(endpoint.accepted).toEqual([]);
      await admin(async (a) => {
        expect((await committedOffsets(a, `connect-${name}`, topic)).get(0) ?? -1).toBeLessThanOrEqual(0);
        if (withDlq) expect(await highWatermark(a, dlq)).toBe(0);
      });

      await endpoint.set("ok");
      expect((await gw.rest.post(`/connectors/${name}/tasks/0/restart`)).status).toBe(204);
      await waitFor(() => endpoint.accepted.length >= COUNT, { what: `${COUNT} records delivered` });
      expect(endpoint.accepted).toEqual(ALL);
      await waitFor(() => admin(async (a) => (await committedOffsets(a, `connect-${name}`, topic)).get(0) === COUNT), {
        what: `offset ${COUNT} committed`,
      });
      expect(await taskState(gw, name)).toBe("RUNNING");
      if (withDlq) expect(await admin((a) => highWatermark(a, dlq))).toBe(0);
    },
    120_000,
  );

  test("sink.retry.max-attempts=-1: RUNNING through a 503 outage, every record delivered once the endpoint returns", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("http-sink-forever");
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("forever-sink");
    await createTopic(topic, 1);
    await using endpoint = await switchableEndpoint();
    await endpoint.set("503");
    await using gw: Gateway = await startGateway(await gatewayConfig(dir.path));
    const created = await gw.rest.post("/connectors", {
      name,
      config: sinkConfig(topic, endpoint.url, { "sink.retry.max-attempts": "-1" }),
    });
    expect(created.status).toBe(201);
    await produceEvents(topic);
    await waitFor(() => endpoint.requests() >= 10, { what: "10 attempts refused" });
    // RUNNING, with a Degraded trace naming the outage (explore8 L6: it read RUNNING without a trace).
    const retrying = (await gw.rest.get(`/connectors/${name}/status`)).body.tasks[0];
    expect(retrying.state).toBe("RUNNING");
    expect(retrying.trace).toStartWith(`Degraded: POST http://***@127.0.0.1:${endpoint.port}/events has failed `);
    expect(retrying.trace).toContain("(the last: HTTP 503)");
    expect(retrying.trace).not.toContain("zq8-s3cret-p4ss");
    // Then down: connections refused, retried as well.
    await endpoint.set("down");
    await waitFor(() => /failed \(attempt \d+\): (?!HTTP 503)/.test(gw.output()), {
      what: "a refused connection retried",
    });
    expect(await taskState(gw, name)).toBe("RUNNING");
    await endpoint.set("ok");
    await waitFor(() => endpoint.accepted.length >= COUNT, { what: `${COUNT} records delivered` });
    expect(endpoint.accepted).toEqual(ALL);
    await waitFor(() => admin(async (a) => (await committedOffsets(a, `connect-${name}`, topic)).get(0) === COUNT), {
      what: `offset ${COUNT} committed`,
    });
    const delivered = (await gw.rest.get(`/connectors/${name}/status`)).body.tasks[0];
    expect(delivered.state).toBe("RUNNING");
    expect(delivered.trace).toBeUndefined();
  }, 120_000);
});
