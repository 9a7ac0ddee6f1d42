/**
 * A sink task's own pause (SinkTaskContext.pause) in the whole gateway against the real broker, as
 * Connect's WorkerSinkTaskContext.pausedPartitions: the HTTP sink pauses its partition when
 * `sink.requests.max-buffered` records wait for a slow endpoint, and pausing and resuming the
 * connector through REST leaves it paused. A new topic matching `topics.regex` then rebalances the
 * group (eager: everything is revoked first): the revocation waits for the request on the wire (its
 * answer a 503, not retried), drops the task's records and ends its backpressure while nothing is
 * assigned, so its partition, paused again by the runtime on assignment, is resumed by the task's
 * `open` and read again from the committed offset (before, it stayed paused for good). The read count checks that the records produced after the REST resume
 * were read once, after the rebalance (while every partition of the task is paused no fetch shows
 * that they would have been read earlier; worker-sink-task-pause.test.ts proves that rule).
 */
import { expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, produce, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

interface Event {
  readonly t: string;
  readonly i: number;
}

/**
 * A loopback endpoint that holds every request until `release()`, then answers 200 to all;
 * `refuseFirst()` answers the first one 503 at once.
 */
function slowEndpoint() {
  const requests: Event[][] = [];
  let released = false;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let refuseFirst!: () => void;
  const firstRefused = new Promise<void>((resolve) => {
    refuseFirst = resolve;
  });
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      requests.push(JSON.parse(await req.text()) as Event[]);
      if (requests.length === 1) {
        if (await Promise.race([gate.then(() => false), firstRefused.then(() => true)]))
          return new Response("busy", { status: 503 });
      }
      if (!released) await gate;
      return new Response("ok");
    },
  });
  return {
    requests,
    url: `http://127.0.0.1:${server.port}/events`,
    refuseFirst,
    release() {
      released = true;
      release();
    },
    [Symbol.dispose]() {
      server.stop(true);
    },
  };
}

const events = (t: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => ({ value: JSON.stringify({ t, i: from + k }) }));

async function recordsRead(gw: Gateway, name: string): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const metric = "kafka_connect_sink_task_metrics_sink_record_read_total";
  const line = new RegExp(`^${metric}\\{connector="${name}",task="0"\\} (\\S+)$`, "m");
  return Number(line.exec(text)?.[1] ?? 0);
}

async function states(gw: Gateway, name: string): Promise<string> {
  const status = (await gw.rest.get(`/connectors/${name}/status`)).body;
  return `${status?.connector?.state}/${status?.tasks?.[0]?.state}`;
}

test.each([["platformatic"], ["kafkajs"]] as const)(
  "kafka.client=%s: the HTTP sink's own pause holds across a REST pause/resume; a rebalance that revokes its partition ends it and the partition flows again",
  async (client) => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    using endpoint = slowEndpoint();
    // The connector's name too: a name (so a consumer group and client.ids) of its own, as
    // overlapping runs on the shared broker would otherwise share the group.
    const prefix = uniqueTopic(`own-pause-${client}`);
    const [a, b] = [`${prefix}-a`, `${prefix}-b`];
    await createTopic(a);
    await produce(a, events("a", 0, 3));

    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "kafka.client": client },
    });
    const created = await gw.rest.post("/connectors", {
      name: prefix,
      config: {
        "connector.class": "HttpSink",
        "topics.regex": `${prefix}-.*`,
        url: endpoint.url,
        // The three records (one produce: one fetch) go in one request the endpoint holds, and the
        // task pauses at three. A short flush timeout: how the records after the rebalance come
        // (a:0-4 in one fetch, b:0 in the same or a later one) decides the batches, and a last
        // partial batch must not wait for a record that never comes.
        "sink.requests.max-buffered": "3",
        "sink.batch.max-size": "3",
        "sink.request.batch.size": "3",
        "sink.flush-buffer.timeout": "200",
        "sink.requests.max-inflight": "1",
        "sink.request.timeout": "600",
        "consumer.override.metadata.max.age.ms": "500",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
      },
    });
    expect(created.status).toBe(201);
    await waitFor(() => endpoint.requests.length === 1, { what: "the first request", timeoutMs: 30_000 });
    expect(endpoint.requests[0]).toEqual([0, 1, 2].map((i) => ({ t: "a", i })));

    expect((await gw.rest.put(`/connectors/${prefix}/pause`)).status).toBe(202);
    await waitFor(async () => (await states(gw, prefix)) === "PAUSED/PAUSED", { what: "paused" });
    expect((await gw.rest.put(`/connectors/${prefix}/resume`)).status).toBe(202);
    await waitFor(async () => (await states(gw, prefix)) === "RUNNING/RUNNING", { what: "running again" });

    // Produced after the REST resume, while the task holds its partition paused.
    await produce(a, events("a", 3, 5));
    // The new topic rebalances the group: a is revoked (its records dropped, nothing committed; the
    // revocation waits for the request on the wire, which the endpoint then refuses, and does not
    // retry it), then a and b are assigned and opened; the task is no longer paused, so a is read
    // again from offset 0 and b from its start, until the buffer pauses them again.
    await createTopic(b);
    await gw.waitForOutput(new RegExp(`Partitions (revoked|lost): ${a}-0`), 30_000);
    endpoint.refuseFirst();
    await produce(b, events("b", 0, 1));
    await waitFor(() => endpoint.requests.length === 2, { what: "a request after the rebalance", timeoutMs: 30_000 });

    // The endpoint answers: the buffer drains, the task resumes and everything comes.
    endpoint.release();
    const delivered = () => new Set(endpoint.requests.flat().map((e) => `${e.t}:${e.i}`));
    await waitFor(() => ["a:3", "a:4", "b:0"].every((e) => delivered().has(e)), {
      what: "the records produced meanwhile delivered",
      timeoutMs: 30_000,
    });
    expect([...delivered()].sort()).toEqual(["a:0", "a:1", "a:2", "a:3", "a:4", "b:0"]);
    // a:0-2 before the rebalance; a:0-4 and b:0 after it. Had the REST resume released a, a:3-4
    // could have been read before the rebalance too.
    await waitFor(async () => (await recordsRead(gw, prefix)) >= 9, { what: "every record read" });
    expect(await recordsRead(gw, prefix)).toBe(9);
    const a0 = endpoint.requests.flat().filter((e) => e.t === "a" && e.i === 0);
    expect(a0).toHaveLength(2);
  },
  // Two rebalances and waits of up to 30 s: above CI's 60 s per test, so that a slow run is reported
  // by the wait that was slow rather than cut off.
  120_000,
);
