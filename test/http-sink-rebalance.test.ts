/**
 * The HTTP sink connector under consumer-group rebalances and task restarts, in the whole gateway
 * (the compiled binary with GATEWAY_BIN) against the real broker and a loopback endpoint, while
 * records keep flowing: tasks.max 2 → 3 → 1 → 2 (PUT config), a restart of one task, then of the
 * connector and its tasks, a pause and resume, with the endpoint answering slowly (now and then a
 * request held 1.5 s, so that it is on the wire while its partition moves), then with 503s. Single
 * mode on one client library; batch mode with poison records for the dead letter queue
 * (errors.tolerance=all) on the other. Checked from the endpoint's log: every record produced
 * reached it at least once (a poison record: the dead letter queue), a partition's records never
 * skip ahead of the last one accepted (an at-least-once replay starts at or before the next
 * record; a request cut off by a task giving its partition up but applied late would be followed
 * by one that does not follow it), its last write is its last record, and the offsets the group
 * committed, sampled throughout, never ran ahead of what the endpoint had accepted or refused for
 * good; at the end the connector and its two tasks are RUNNING and nothing is in flight.
 */
import { expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, readAll, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PARTITIONS = 6;
const PER_ROUND = 10;
/** Records produced at most ahead of those the endpoint accepted. */
const BACKLOG = 600;

interface Event {
  readonly p: number;
  readonly i: number;
  readonly poison?: boolean;
}

type Mode = "ok" | "slow" | "flaky";

/** Poison records (batch scenario): the endpoint refuses any request holding one with 400. */
const isPoison = (p: number, i: number) => i % 37 === 11 && p % 2 === 0;

/**
 * The endpoint: logs every accepted event in arrival order and, per partition, whether an event
 * arrived that skips past the next one expected (a gap: a record lost or reordered).
 */
function endpoint() {
  let mode: Mode = "ok";
  let requests = 0;
  const accepted: Event[] = [];
  /** Per partition: the events accepted or refused for good (a poison record sent alone). */
  const done = Array.from({ length: PARTITIONS }, () => new Set<number>());
  /** Per partition: the index of the last event accepted. */
  const last = Array.from({ length: PARTITIONS }, () => -1);
  const gaps: string[] = [];
  const refused = new Set<string>();
  const held = new Set<string>();
  const pending = new Set<ReturnType<typeof setTimeout>>();
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(timer);
        resolve();
      }, ms);
      pending.add(timer);
    });
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const n = ++requests;
      const parsed = JSON.parse(await req.text()) as Event | Event[];
      const events = Array.isArray(parsed) ? parsed : [parsed];
      const first = `${events[0]!.p}:${events[0]!.i}`;
      // Slow: 20-100 ms; now and then (once per record) a request takes long enough to be on the
      // wire while its partition moves to another task, and is applied when it ends.
      if (mode !== "ok") await delay(events[0]!.i % 40 === 20 && !held.has(first) ? 1500 : 20 + (n % 5) * 20);
      held.add(first);
      // Flaky: every fourth request is refused, but a request starting with the same record only
      // once, so no record runs out of retries.
      if (mode === "flaky" && n % 4 === 0 && !refused.has(first)) {
        refused.add(first);
        return new Response("busy", { status: 503 });
      }
      if (events.some((e) => e.poison)) {
        if (events.length === 1) done[events[0]!.p]!.add(events[0]!.i);
        return new Response("poison", { status: 400 });
      }
      for (const e of events) {
        // The next record expected is the one after the last one accepted of its partition, past
        // refused poison ones: a replay starts at or before it and runs on in order; a record sent
        // earlier that lands late, after later ones (a request of a task that gave the partition
        // up), is followed by one that does not follow it.
        let next = last[e.p]! + 1;
        while (isPoison(e.p, next) && done[e.p]!.has(next)) next++;
        if (e.i > next) gaps.push(`${e.p}:${e.i} after ${last[e.p]}`);
        last[e.p] = e.i;
        done[e.p]!.add(e.i);
        accepted.push(e);
      }
      return new Response("ok");
    },
  });
  return {
    accepted,
    gaps,
    requests: () => requests,
    last,
    setMode(m: Mode) {
      mode = m;
    },
    /** Per partition: how many records from offset 0 on are done (accepted or refused for good) without a hole. */
    prefix(p: number): number {
      let k = 0;
      while (done[p]!.has(k)) k++;
      return k;
    },
    url: `http://127.0.0.1:${server.port}/events`,
    [Symbol.dispose]() {
      for (const timer of pending) clearTimeout(timer);
      server.stop(true);
    },
  };
}

/** Produces rounds of PER_ROUND records per partition (`{p, i}`, i being the offset) until stopped. */
function producer(topic: string, poison: boolean, room: () => boolean) {
  const produced = Array.from({ length: PARTITIONS }, () => 0);
  let stopping = false;
  const running = (async () => {
    const client = (await testClient()).producer();
    await client.connect();
    try {
      while (!stopping) {
        // At most a bounded backlog ahead of the endpoint, so the scenario's steps stay short.
        await waitFor(() => stopping || room(), { what: "room for more records", timeoutMs: 60_000 });
        if (stopping) break;
        for (let p = 0; p < PARTITIONS; p++) {
          const from = produced[p]!;
          const messages = Array.from({ length: PER_ROUND }, (_, k) => ({
            partition: p,
            value: JSON.stringify(
              poison && isPoison(p, from + k) ? { p, i: from + k, poison: true } : { p, i: from + k },
            ),
          }));
          await client.send({ topic, acks: -1, messages });
          produced[p] = from + PER_ROUND;
        }
      }
    } finally {
      await client.disconnect();
    }
  })();
  return {
    produced,
    total: () => produced.reduce((a, b) => a + b, 0),
    async stop() {
      stopping = true;
      await running;
    },
  };
}

async function committedOffsets(group: string, topic: string): Promise<Map<number, number>> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map(offsets!.partitions.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** Samples the group's committed offsets until stopped: each must be within what the endpoint has done. */
function commitSampler(group: string, topic: string, site: ReturnType<typeof endpoint>) {
  const ahead: string[] = [];
  let samples = 0;
  let stopping = false;
  const running = (async () => {
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      await waitFor(
        async () => {
          if (stopping) return true;
          const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
          // Read after the offsets: the endpoint's count only grows, so this compares fairly.
          for (const { partition, offset } of offsets!.partitions) {
            const prefix = site.prefix(partition);
            if (Number(offset) > prefix) ahead.push(`${partition}: committed ${offset}, done ${prefix}`);
          }
          samples++;
          return stopping;
        },
        { what: "the end of the scenario", intervalMs: 100, timeoutMs: 300_000 },
      );
    } finally {
      await admin.disconnect();
    }
  })();
  return {
    ahead,
    samples: () => samples,
    async stop() {
      stopping = true;
      await running;
    },
  };
}

async function tasksRunning(gw: Gateway, connector: string, count: number): Promise<boolean> {
  const status = (await gw.rest.get(`/connectors/${connector}/status`)).body;
  return (
    status.connector?.state === "RUNNING" &&
    status.tasks?.length === count &&
    status.tasks.every((t: { state: string }) => t.state === "RUNNING")
  );
}

const SCENARIOS = [
  {
    name: "single mode",
    client: "platformatic",
    config: {
      "sink.writer.request.mode": "single",
      "sink.writer.thread-pool.size": "4",
    } as Record<string, string>,
    poison: false,
  },
  {
    name: "batch mode, poison records to the dead letter queue",
    client: "kafkajs",
    config: {
      "sink.batch.max-size": "25",
      "sink.request.batch.size": "25",
      "sink.writer.thread-pool.size": "3",
      "errors.tolerance": "all",
      "errors.deadletterqueue.topic.replication.factor": "1",
    } as Record<string, string>,
    poison: true,
  },
] as const;

// The scenarios share nothing (a gateway, topic, connector and endpoint each) and mostly wait (rebalances, held
// requests): they run at once.
test.concurrent.each(SCENARIOS.map((s) => [s.name, s.client, s] as const))(
  "HTTP sink, %s, kafka.client=%s: tasks.max 2 → 3 → 1 → 2, restarts, pause/resume while records flow: all delivered, no gap, commits never ahead",
  async (_name, client, scenario) => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const topic = uniqueTopic("http-sink-rebalance");
    const dlq = `${topic}-dlq`;
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const connector = uniqueTopic(`rebalance-${scenario.poison ? "batch" : "single"}`);
    const group = `connect-${connector}`;
    await createTopic(topic, PARTITIONS);
    using site = endpoint();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "500",
        "kafka.client": client,
      },
    });
    const config = {
      "connector.class": "HttpSink",
      topics: topic,
      url: site.url,
      "sink.flush-buffer.timeout": "20",
      "sink.retry.backoff.initial.ms": "20",
      "sink.retry.backoff.max.ms": "200",
      "consumer.override.heartbeat.interval.ms": "200",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
      ...(scenario.poison ? { "errors.deadletterqueue.topic.name": dlq } : {}),
      ...scenario.config,
    };
    const records = producer(topic, scenario.poison, () => records.total() - site.accepted.length < BACKLOG);
    const sampler = commitSampler(group, topic, site);
    let passed = false;
    try {
      const progress = async (what: string, more = 200) => {
        const from = site.accepted.length;
        await waitFor(() => site.accepted.length >= from + more, { what, timeoutMs: 30_000 });
      };
      expect(
        (await gw.rest.post("/connectors", { name: connector, config: { ...config, "tasks.max": "2" } })).status,
      ).toBe(201);
      await waitFor(() => tasksRunning(gw, connector, 2), { what: "2 tasks running", timeoutMs: 30_000 });
      await progress("records with 2 tasks");

      site.setMode("slow");
      expect((await gw.rest.put(`/connectors/${connector}/config`, { ...config, "tasks.max": "3" })).status).toBe(200);
      await waitFor(() => tasksRunning(gw, connector, 3), { what: "3 tasks running", timeoutMs: 30_000 });
      await progress("records with 3 tasks");

      // One task restarted alone: its partitions go to the others and come back.
      site.setMode("flaky");
      expect((await gw.rest.post(`/connectors/${connector}/tasks/1/restart`)).status).toBe(204);
      await progress("records after task 1 restarted");

      expect((await gw.rest.put(`/connectors/${connector}/config`, { ...config, "tasks.max": "1" })).status).toBe(200);
      await waitFor(() => tasksRunning(gw, connector, 1), { what: "1 task running", timeoutMs: 30_000 });
      await progress("records with 1 task");

      site.setMode("slow");
      expect((await gw.rest.put(`/connectors/${connector}/config`, { ...config, "tasks.max": "2" })).status).toBe(200);
      await waitFor(() => tasksRunning(gw, connector, 2), { what: "2 tasks running again", timeoutMs: 30_000 });
      await progress("records with 2 tasks again");

      site.setMode("flaky");
      const restarted = await gw.rest.post(`/connectors/${connector}/restart?includeTasks=true&onlyFailed=false`);
      expect(restarted.status).toBe(202);
      await waitFor(() => tasksRunning(gw, connector, 2), { what: "running after the restart", timeoutMs: 30_000 });
      await progress("records after the restart");

      expect((await gw.rest.put(`/connectors/${connector}/pause`)).status).toBe(202);
      await waitFor(
        async () =>
          (await gw.rest.get(`/connectors/${connector}/status`)).body.tasks?.every(
            (t: { state: string }) => t.state === "PAUSED",
          ),
        { what: "paused", timeoutMs: 30_000 },
      );
      site.setMode("ok");
      expect((await gw.rest.put(`/connectors/${connector}/resume`)).status).toBe(202);
      await progress("records after the resume");

      await records.stop();
      const total = records.total();
      const poisoned = records.produced.reduce(
        (n, count, p) => n + Array.from({ length: count }, (_, i) => i).filter((i) => isPoison(p, i)).length,
        0,
      );
      const distinct = () => new Set(site.accepted.map((e) => `${e.p}:${e.i}`)).size;
      await waitFor(() => distinct() === total - (scenario.poison ? poisoned : 0), {
        what: `every one of ${total} records at the endpoint`,
        timeoutMs: 60_000,
      });
      await waitFor(
        async () => {
          const offsets = await committedOffsets(group, topic);
          return records.produced.every((count, p) => offsets.get(p) === count);
        },
        { what: "every offset committed", timeoutMs: 30_000 },
      );
      await sampler.stop();
      expect(site.gaps).toEqual([]);
      // The last write of each partition is its last record (nothing older landed after it).
      expect(site.last).toEqual(
        records.produced.map((count, p) => (isPoison(p, count - 1) && scenario.poison ? count - 2 : count - 1)),
      );
      expect(sampler.ahead).toEqual([]);
      expect(sampler.samples()).toBeGreaterThan(0);
      if (scenario.poison) {
        // Every record in it (a poison record may be there twice: an at-least-once replay after a revocation).
        const dead = await readAll(dlq);
        const keys = new Set(dead.map((r) => JSON.parse(r.value!.toString()) as Event).map((e) => `${e.p}:${e.i}`));
        const missing: string[] = [];
        for (let p = 0; p < PARTITIONS; p++)
          for (let i = 0; i < records.produced[p]!; i++)
            if (isPoison(p, i) && !keys.has(`${p}:${i}`)) missing.push(`${p}:${i}`);
        expect(missing).toEqual([]);
      }
      expect(await tasksRunning(gw, connector, 2)).toBe(true);
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      const inFlight = [...metrics.matchAll(/^http_sink_requests_in_flight\{[^}]*\} (\S+)$/gm)].map((m) =>
        Number(m[1]),
      );
      // One series per running task, each at 0 (none left over from the tasks stopped on the way).
      expect(inFlight).toEqual([0, 0]);
      passed = true;
    } finally {
      await records.stop();
      await sampler.stop();
      if (!passed) console.error(`gateway log (tail):\n${gw.output().slice(-12000)}`);
    }
    expect(await gw.stop()).toBe(0);
  },
  120_000,
);
