/**
 * The HTTP sink in the whole gateway (the compiled binary with GATEWAY_BIN) against the real
 * broker and an endpoint that misbehaves: requests that hang are abandoned by a connector DELETE
 * (the task waits for the attempts on the wire until task.shutdown.graceful.timeout.ms, as the
 * endpoint could still apply them, and is then abandoned), with no offset committed past what the
 * endpoint acknowledged, so a connector of the same
 * name (same group) sends them again; a 200 whose body never ends is the endpoint's
 * acknowledgement: the records count as delivered and are committed, nothing goes to the dead
 * letter queue (before, the body was read up to 64 MiB and the records were dead-lettered); a
 * worker shutdown while requests hang exits cleanly and commits none of them.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { createTopicsOn, kafkaBroker, testClient, uniqueTopic } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

async function committed(group: string, topic: string): Promise<number[]> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return offsets!.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  } finally {
    await admin.disconnect();
  }
}

async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = (await testClient()).admin();
  await admin.connect();
  await createTopicsOn(admin, [{ topic, numPartitions: partitions }]);
  await admin.disconnect();
}

/** Events `{p, i}` for i in [from, to) on each of `partitions` (i is the offset when from is the end). */
async function produceEvents(topic: string, partitions: number, from: number, to: number): Promise<void> {
  const producer = (await testClient()).producer();
  await producer.connect();
  for (let p = 0; p < partitions; p++) {
    const messages = Array.from({ length: to - from }, (_, k) => ({
      partition: p,
      value: JSON.stringify({ p, i: from + k }),
    }));
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
}

/** A body that never ends. */
function endless(): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(16 * 1024).fill(46);
  return new ReadableStream({ pull: (c) => c.enqueue(chunk) });
}

type Event = { p: number; i: number };

/**
 * The scene of a test: an endpoint that calls `answer` with each request's events (`gate` resolves
 * when the scene ends, releasing requests held on it) and a gateway on the shared broker. Disposing
 * of it releases the held requests, kills a gateway still running, stops the endpoint and, unless
 * `passed` was set, prints the tail of the gateway's log. `worker`: more worker keys.
 */
async function scene(
  dir: TempDir,
  answer: (events: Event[], gate: Promise<void>) => Promise<Response> | Response,
  worker: Record<string, string> = {},
): Promise<AsyncDisposable & { readonly gw: Gateway; readonly port: number; passed: boolean }> {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    fetch: async (req) => answer((await req.json()) as Event[], gate),
  });
  let gw: Gateway | undefined;
  const ended = {
    passed: false,
    async [Symbol.asyncDispose]() {
      release();
      if (gw && !this.passed) console.error(`gateway log (tail):\n${gw.output().slice(-8000)}`);
      if (gw?.proc.exitCode === null) gw.proc.kill("SIGKILL");
      await server.stop(true);
    },
  };
  try {
    const kafka = await kafkaBroker();
    gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "200",
        ...worker,
      },
    });
  } catch (error) {
    await ended[Symbol.asyncDispose]();
    throw error;
  }
  const started = gw;
  return Object.assign(ended, { gw: started, port: server.port as number });
}

// Every case has a gateway, topic and peer of its own and mostly waits: they run at once.
describe.concurrent("HTTP sink against a misbehaving endpoint, in the gateway", () => {
  test("DELETE while requests hang commits nothing unacknowledged; a 200 with an endless body is delivered", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("http-sink-misbehaving");
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("misbehaving");
    await createTopic(topic, 2);
    await produceEvents(topic, 2, 0, 10);
    let mode: "hang" | "endless" = "hang";
    let held = 0;
    const received: Event[] = [];
    // The DELETE and the shutdown below each wait for the worker's graceful timeout (requests
    // that never end are on the wire): 1.5 s instead of 5.
    await using sc = await scene(
      dir,
      async (body, gate) => {
        if (mode === "hang") {
          held++;
          await gate;
          return new Response("too late");
        }
        received.push(...body);
        return new Response(endless(), { headers: { "content-type": "text/plain" } });
      },
      { "task.shutdown.graceful.timeout.ms": "1500" },
    );
    const { gw, port } = sc;
    const config = {
      "connector.class": "HttpSink",
      topics: topic,
      url: `http://127.0.0.1:${port}/events`,
      "sink.flush-buffer.timeout": "20",
      "sink.request.timeout": "120",
      "sink.writer.thread-pool.size": "2",
      "errors.tolerance": "all",
      "errors.deadletterqueue.topic.name": uniqueTopic("http-sink-misbehaving-dlq"),
      "errors.deadletterqueue.topic.replication.factor": "1",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
    await waitFor(() => held >= 1, { what: "a request hanging", timeoutMs: 30_000 });

    expect((await gw.rest.request("DELETE", `/connectors/${name}`)).status).toBe(204);
    await waitFor(async () => (await gw.rest.get(`/connectors/${name}/status`)).status === 404, {
      what: "the connector gone",
    });
    // Nothing was acknowledged: no partition is committed past its first record.
    for (const offset of await committed(`connect-${name}`, topic)) expect(offset).toBeLessThanOrEqual(0);

    mode = "endless";
    expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
    await waitFor(async () => (await committed(`connect-${name}`, topic)).every((o) => o === 10), {
      what: "every record committed after the endless 200s",
      timeoutMs: 60_000,
    });
    for (let p = 0; p < 2; p++) {
      expect(received.filter((e) => e.p === p).map((e) => e.i)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    }
    const status = (await gw.rest.get(`/connectors/${name}/status`)).body;
    expect(status.tasks.map((t: { state: string }) => t.state)).toEqual(["RUNNING"]);
    const metrics = (await gw.rest.get("/metrics")).text;
    expect(metrics).not.toMatch(new RegExp(`http_sink_records_dlq_total\\{connector="${name}",task="0"\\} [1-9]`));

    // A worker shutdown while requests hang ends cleanly and commits none of them.
    mode = "hang";
    held = 0;
    await produceEvents(topic, 2, 10, 15);
    await waitFor(() => held >= 1, { what: "a request hanging again", timeoutMs: 30_000 });
    expect(await gw.stop()).toBe(0);
    expect(await committed(`connect-${name}`, topic)).toEqual([10, 10]);
    sc.passed = true;
  }, 120_000);

  test("tasks.max 1 → 2 while batches hang: the revoked partitions' requests are abandoned, nothing is lost", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("http-sink-rebalance-hang");
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("rebalance-hang");
    await createTopic(topic, 4);
    await produceEvents(topic, 4, 0, 10);
    let hanging = true;
    let held = 0;
    const accepted: Event[] = [];
    await using sc = await scene(dir, async (body, gate) => {
      if (hanging) {
        held++;
        await gate;
        // The first task gave these up: its abort came before this answer, so they count for nobody.
        return new Response("too late", { status: 503 });
      }
      accepted.push(...body);
      return new Response("ok");
    });
    const { gw, port } = sc;
    const config = {
      "connector.class": "HttpSink",
      topics: topic,
      "tasks.max": "1",
      url: `http://127.0.0.1:${port}/events`,
      "sink.flush-buffer.timeout": "20",
      "sink.request.timeout": "120",
      "sink.request.batch.size": "5",
      "sink.writer.thread-pool.size": "4",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
    await waitFor(() => held >= 4, { what: "four requests hanging", timeoutMs: 30_000 });
    hanging = false;
    const reconfigured = await gw.rest.request("PUT", `/connectors/${name}/config`, {
      ...config,
      "tasks.max": "2",
    });
    expect(reconfigured.status).toBe(200);
    await produceEvents(topic, 4, 10, 20);
    await waitFor(async () => (await committed(`connect-${name}`, topic)).every((o) => o === 20), {
      what: "every record committed",
      timeoutMs: 60_000,
    });
    // Every record reached the endpoint, each partition in order from where it was taken over.
    for (let p = 0; p < 4; p++) {
      const seen = accepted.filter((e) => e.p === p).map((e) => e.i);
      const from = seen[0]!;
      expect(from).toBe(0);
      expect(seen).toEqual(Array.from({ length: 20 - from }, (_, k) => from + k));
    }
    const status = (await gw.rest.get(`/connectors/${name}/status`)).body;
    expect(status.tasks.map((t: { state: string }) => t.state)).toEqual(["RUNNING", "RUNNING"]);
    expect(await gw.stop()).toBe(0);
    sc.passed = true;
  }, 120_000);
});
