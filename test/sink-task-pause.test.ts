/**
 * A sink task's own pause (SinkTaskContext.pause) in the whole gateway against the real broker, as
 * Connect's WorkerSinkTaskContext.pausedPartitions: the HTTP sink pauses its partition when
 * `sink.requests.max-buffered` records wait for a slow endpoint; pausing and resuming the connector
 * through REST, and the rebalance a new topic matching `topics.regex` causes, leave it paused. The
 * records produced to it meanwhile are not read until the endpoint answers and the task resumes
 * it itself, while the new topic's partition (assigned after the task paused) flows.
 */
import { expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { kafkaBroker, produce, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

interface Event {
  readonly t: string;
  readonly i: number;
}

/** A loopback endpoint that holds every request until `release()`, then answers 200 to all. */
function slowEndpoint() {
  const requests: Event[][] = [];
  let released = false;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      requests.push(JSON.parse(await req.text()) as Event[]);
      if (!released) await gate;
      return new Response("ok");
    },
  });
  return {
    requests,
    url: `http://127.0.0.1:${server.port}/events`,
    release() {
      released = true;
      release();
    },
    [Symbol.dispose]() {
      server.stop(true);
    },
  };
}

async function createTopic(topic: string): Promise<void> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

const events = (t: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => ({ value: JSON.stringify({ t, i: from + k }) }));

async function recordsRead(gw: Gateway): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const line = /^kafka_connect_sink_task_metrics_sink_record_read_total\{connector="own-pause",task="0"\} (\S+)$/m;
  return Number(line.exec(text)?.[1] ?? 0);
}

async function states(gw: Gateway): Promise<string> {
  const status = (await gw.rest.get("/connectors/own-pause/status")).body;
  return `${status?.connector?.state}/${status?.tasks?.[0]?.state}`;
}

test.each([["platformatic"], ["kafkajs"]] as const)(
  "kafka.client=%s: the HTTP sink's own pause holds across a REST pause/resume and a rebalance; records produced meanwhile wait for its resume",
  async (client) => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    using endpoint = slowEndpoint();
    const prefix = uniqueTopic(`own-pause-${client}`);
    const [a, b] = [`${prefix}-a`, `${prefix}-b`];
    await createTopic(a);
    await produce(a, events("a", 0, 3));

    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "kafka.client": client },
    });
    const created = await gw.rest.post("/connectors", {
      name: "own-pause",
      config: {
        "connector.class": "HttpSink",
        "topics.regex": `${prefix}-.*`,
        url: endpoint.url,
        // The three records go in one request the endpoint holds, and the task pauses at three.
        "sink.requests.max-buffered": "3",
        "sink.batch.max-size": "3",
        "sink.request.batch.size": "3",
        "sink.flush-buffer.timeout": "3600000",
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

    expect((await gw.rest.put("/connectors/own-pause/pause")).status).toBe(202);
    await waitFor(async () => (await states(gw)) === "PAUSED/PAUSED", { what: "paused" });
    expect((await gw.rest.put("/connectors/own-pause/resume")).status).toBe(202);
    await waitFor(async () => (await states(gw)) === "RUNNING/RUNNING", { what: "running again" });

    // Produced after the resume: the task still holds its partition, so these are not read. The
    // new topic rebalances the group; its partition was not paused by the task and flows: once its
    // record was read, a fetch after these records were written has been made.
    await produce(a, events("a", 3, 5));
    await createTopic(b);
    await produce(b, events("b", 0, 1));
    await waitFor(async () => (await recordsRead(gw)) >= 4, { what: "the new topic's record read", timeoutMs: 30_000 });
    expect(await recordsRead(gw)).toBe(4);
    expect(endpoint.requests).toHaveLength(1);

    // The endpoint answers: the buffer drains, the task resumes its partition and the rest comes.
    endpoint.release();
    const delivered = () => new Set(endpoint.requests.flat().map((e) => `${e.t}:${e.i}`));
    await waitFor(() => ["a:3", "a:4", "b:0"].every((e) => delivered().has(e)), {
      what: "the records produced meanwhile delivered",
      timeoutMs: 30_000,
    });
    expect([...delivered()].sort()).toEqual(["a:0", "a:1", "a:2", "a:3", "a:4", "b:0"]);
  },
);
