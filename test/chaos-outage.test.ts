/**
 * Data-path chaos with broker outages and gateway kills, per-record accounting, on the compiled binary and a broker of
 * the test's own. At the same time:
 *   - devices POST numbered records to an HttpIngestSource route in spool mode (store-and-forward): one JSON document,
 *     a JSON array, REST Proxy v2 and v3, an Idempotency-Key on some (test/support/outage-devices.ts);
 *   - an HttpSource polls an API on port 0 whose items (numbered, growing at every chaos step) it pages through
 *     (OFFSET pagination) from its CURSOR offset; the API answers some requests 500 or 429;
 *   - an HttpSink delivers the ingest topic to an endpoint on port 0 that records every record it accepts and answers
 *     500 to some requests;
 * while a seeded chaos loop stops the broker and starts it again, SIGKILLs the gateway and starts it on the same data
 * dir, SIGTERMs it and starts it again, restarts connectors with their tasks and restarts tasks, pacing itself by
 * conditions (more acknowledged requests, the spool backing up), never by time. Then, broker and gateway up: every
 * acknowledged ingest record is in Kafka, once unless README allows it twice (spool mode re-sends after a crash what
 * Kafka acknowledged but the spool had not deleted: records acknowledged before a SIGKILL; a keyed request answered
 * unsure may be written again by its retry), every replay of an acknowledged keyed request answered as a replay,
 * every API item in Kafka (at least once; duplicates counted), every ingest record in Kafka at the sink endpoint (at
 * least once; duplicates counted), no request left unanswered by a SIGTERM's graceful stop had its records written, no
 * task FAILED, and the gateway never exited but by our signals (a SIGTERM's exit 0).
 * CHAOS_SEED replays a run's operations (the seed is printed), CHAOS_STEPS sets its length; without CHAOS_SEED the
 * fixed seeds run. A replay repeats the operations, not their timing.
 */
import { describe, expect, test } from "bun:test";
import { chaosRuns } from "./support/chaos-runs.ts";
import { countOf } from "./support/counts.ts";
import { type Gateway, ingestUrlOf, metric, startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { send } from "./support/lifecycle-checks.ts";
import { outageDevices } from "./support/outage-devices.ts";
import { outageIngestWorker, readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
import { type Prng, prng } from "./support/prng.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const FIXED = [
  { seed: 1, steps: 10 },
  { seed: 2, steps: 10 },
];
const RUNS = chaosRuns(FIXED, 10);
const CLIENTS = 3;
const PATH = "/ingest/chaos";
/** Broker outages per run at most: each restart of the broker costs seconds. */
const OUTAGES = 2;
const PAGE = 10;
const JSON_VALUES = {
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "false",
};

/** The API the HTTP source polls: items `{id}` 0..count-1, those after `after`, `limit` from `offset`. */
function itemsApi(rnd: Prng) {
  let count = 20;
  let failed = 0;
  const api = startApi((req) => {
    const r = rnd.random();
    if (r < 0.1) {
      failed++;
      return new Response("busy", { status: 500 });
    }
    if (r < 0.13) {
      failed++;
      return new Response("slow down", { status: 429, headers: { "Retry-After": "0" } });
    }
    const after = Number(req.url.searchParams.get("after") ?? "-1");
    const offset = Number(req.url.searchParams.get("offset") ?? "0");
    const limit = Number(req.url.searchParams.get("limit") ?? String(PAGE));
    const ids = Array.from({ length: Math.max(0, count - after - 1) }, (_, i) => after + 1 + i);
    return Response.json(ids.slice(offset, offset + limit).map((id) => ({ id })));
  });
  return {
    api,
    count: () => count,
    failed: () => failed,
    grow(by: number) {
      count += by;
    },
  };
}

/** The HTTP sink's endpoint: records every `{c, n}` it accepts, answers 500 to about one request in eight. */
function sinkEndpoint(rnd: Prng) {
  const delivered: string[] = [];
  let refused = 0;
  const api = startApi((req) => {
    if (rnd.random() < 0.12) {
      refused++;
      return new Response("try again", { status: 500 });
    }
    const events = [JSON.parse(req.body)].flat() as { c: number; n: number }[];
    delivered.push(...events.map((e) => `${e.c}/${e.n}`));
    return new Response("ok");
  });
  return { api, delivered, refused: () => refused };
}

async function tasksOf(gw: Gateway, name: string): Promise<{ id: number; state: string; trace?: string }[]> {
  return (await send(gw, "GET", `/connectors/${name}/status`)).body.tasks ?? [];
}

describe("data path under broker outages and gateway kills", () => {
  test.each(RUNS)(
    "CHAOS_SEED=$seed CHAOS_STEPS=$steps: nothing acknowledged lost, duplicates only where README allows them",
    async ({ seed, steps }) => {
      const rnd = prng(seed);
      console.log(`chaos-outage CHAOS_SEED=${seed} CHAOS_STEPS=${steps}`);
      await using dir = await tempDir("chaos-outage-");
      await using broker = await startOwnBroker(dir.file("kafka"));
      const topic = uniqueTopic("chaos-in");
      const apiTopic = uniqueTopic("chaos-api");
      const admin = broker.client().admin();
      await admin.connect();
      await createTopicsOn(admin, [
        { topic, numPartitions: 2 },
        { topic: apiTopic, numPartitions: 1 },
      ]);
      await admin.disconnect();
      const items = itemsApi(prng(seed ^ 0xa9));
      using _api = items.api;
      const sink = sinkEndpoint(prng(seed ^ 0x5eed));
      using _sink = sink.api;
      const options = {
        dir: dir.path,
        worker: {
          ...outageIngestWorker(broker, dir.file("data")),
          // A stop during an outage abandons the tasks still sending soon (the stop limit is 45 s).
          "task.shutdown.graceful.timeout.ms": "3000",
          "consumer.heartbeat.interval.ms": "1000",
        },
      };
      let gw = await startGateway(options);
      await using _gateway = {
        [Symbol.asyncDispose]: async () => {
          if (gw.proc.exitCode === null) gw.proc.kill("SIGKILL");
        },
      };
      const transcript: string[] = [];
      const note = (line: string) => transcript.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
      /** Gateways that exited without our signal: their exit code and log tail. */
      const crashes: string[] = [];
      const checkAlive = () => {
        if (gw.proc.exitCode !== null) crashes.push(`exit ${gw.proc.exitCode}:\n${gw.output().slice(-4000)}`);
      };
      const devices = outageDevices({ clients: CLIENTS, seed, path: PATH, topic });
      let passed = false;
      await using _report = {
        [Symbol.asyncDispose]: async () => {
          if (!passed || process.env.CHAOS_VERBOSE)
            console.error(
              `CHAOS_SEED=${seed} ${passed ? "passed" : "failed"}; answers: ${JSON.stringify(Object.fromEntries(devices.statuses))}; operations:\n${transcript.join("\n")}\ngateway log (tail):\n${gw.output().slice(-12_000)}`,
            );
        },
      };

      const connectors: Record<string, Record<string, string>> = {
        devices: {
          "connector.class": "HttpIngestSource",
          "ingest.path": PATH,
          "kafka.topic": topic,
          "ingest.ack.mode": "spool",
          ...JSON_VALUES,
        },
        api: {
          "connector.class": "HttpSource",
          "http.url": `${items.api.base}/items?after=\${offset}`,
          "kafka.topic": apiTopic,
          "http.timer.interval.ms": "100",
          "http.response.records.path": "$[*]",
          "http.offset.mode": "CURSOR",
          "http.offset.field": "id",
          "http.initial.offset": "-1",
          "http.pagination.type": "OFFSET",
          "http.pagination.limit.value": String(PAGE),
          "http.retry.max.attempts": "3",
          "http.retry.backoff.ms": "5",
          "http.retry.backoff.max.ms": "50",
          "behavior.on.error": "log",
          ...JSON_VALUES,
        },
        sink: {
          "connector.class": "HttpSink",
          topics: topic,
          url: `${sink.api.base}/events`,
          "consumer.override.auto.offset.reset": "earliest",
          "sink.request.batch.size": "20",
          "sink.flush-buffer.timeout": "20",
          "sink.retry.max-attempts": "-1",
          "sink.retry.backoff.initial.ms": "5",
          "sink.retry.backoff.max.ms": "50",
          ...JSON_VALUES,
        },
      };
      for (const [name, config] of Object.entries(connectors))
        expect((await send(gw, "PUT", `/connectors/${name}/config`, config)).status).toBe(201);
      const allRunning = async () => {
        for (const name of Object.keys(connectors)) {
          const tasks = await tasksOf(gw, name);
          if (tasks.length === 0 || tasks.some((t) => t.state !== "RUNNING")) return false;
        }
        return true;
      };
      await waitFor(allRunning, { what: "every connector RUNNING", timeoutMs: 30_000 });

      devices.setUrl(await ingestUrlOf(gw));
      devices.wake();
      let brokerUp = true;
      let outages = 0;
      /** performance.now() of the last SIGKILL of the gateway. */
      let lastKill = Number.NEGATIVE_INFINITY;
      /** When each SIGTERM's stop began and ended (performance.now()). */
      const sigterms: [number, number][] = [];
      const moreAcks = async (wanted: number, step: string) => {
        const before = devices.acks();
        devices.wake();
        // Refused devices try again once all of them wait (the spool full, the gateway starting).
        await waitFor(
          () => {
            if (devices.acks() >= before + wanted) return true;
            if (devices.allWaiting()) devices.wake();
            return false;
          },
          {
            timeoutMs: 30_000,
            what: `${wanted} more acknowledged requests after ${step}`,
          },
        );
      };
      const restartGateway = async (how: "SIGKILL" | "SIGTERM") => {
        checkAlive();
        devices.setUrl(undefined);
        if (how === "SIGKILL") {
          await gw.kill();
          lastKill = performance.now();
        } else {
          const from = performance.now();
          const code = await gw.stop();
          sigterms.push([from, performance.now()]);
          if (code !== 0) crashes.push(`SIGTERM exit ${code}:\n${gw.output().slice(-4000)}`);
        }
        gw = await startGateway(options);
        devices.setUrl(await ingestUrlOf(gw));
      };

      for (let step = 0; step < steps; step++) {
        items.grow(Math.floor(rnd.random() * 30));
        const r = rnd.random();
        const label = `step ${step}`;
        if (r < 0.3 && (!brokerUp || outages < OUTAGES)) {
          if (brokerUp) {
            outages++;
            note(`${label}: stop the broker`);
            await broker.stop();
            brokerUp = false;
            await moreAcks(1 + Math.floor(rnd.random() * 10), `${label}'s broker stop`);
            await waitFor(async () => ((await metric(gw, "ingest_spool_records", "devices")) ?? 0) > 0, {
              timeoutMs: 30_000,
              what: "records kept in the spool while the broker is down",
            });
          } else {
            note(`${label}: start the broker`);
            await broker.restart();
            brokerUp = true;
            await moreAcks(1 + Math.floor(rnd.random() * 10), `${label}'s broker start`);
          }
        } else if (r < 0.5) {
          note(`${label}: SIGKILL the gateway (broker ${brokerUp ? "up" : "down"})`);
          await restartGateway("SIGKILL");
          await moreAcks(1 + Math.floor(rnd.random() * 10), `${label}'s SIGKILL`);
        } else if (r < 0.65) {
          note(`${label}: SIGTERM the gateway (broker ${brokerUp ? "up" : "down"})`);
          await restartGateway("SIGTERM");
          await moreAcks(1 + Math.floor(rnd.random() * 10), `${label}'s SIGTERM`);
        } else {
          checkAlive();
          const name = rnd.pick(Object.keys(connectors));
          const [method, path] =
            rnd.random() < 0.5
              ? ["POST", `/connectors/${name}/restart?includeTasks=true`]
              : ["POST", `/connectors/${name}/tasks/0/restart`];
          const answer = await send(gw, method, path);
          note(`${label}: ${method} ${path} → ${answer.status} (broker ${brokerUp ? "up" : "down"})`);
          expect(answer.status).toBeLessThan(500);
          await moreAcks(1 + Math.floor(rnd.random() * 10), `${label}'s restart`);
        }
      }

      // Settle: broker up, gateway up, the devices served again, then stopped.
      if (!brokerUp) {
        note("settle: start the broker");
        await broker.restart();
      }
      await moreAcks(10, "the settle");
      await devices.stop();
      checkAlive();
      await waitFor(async () => (await metric(gw, "ingest_spool_records", "devices")) === 0, {
        timeoutMs: 30_000,
        what: "the spool drained",
      });

      const ids = (records: { value: string }[]) =>
        records.map((r) => {
          const v = JSON.parse(r.value) as { c: number; n: number };
          return `${v.c}/${v.n}`;
        });
      const inKafka = ids(await readOwnTopic(broker, topic));
      const kafkaCounts = countOf(inKafka);
      const acked = [...devices.outcome].filter(([, o]) => o === "acked").map(([id]) => id);
      const lost = acked.filter((id) => !kafkaCounts.has(id));
      const twice = [...kafkaCounts].filter(([, n]) => n > 1).map(([id]) => id);
      const allowed = (id: string) => (devices.ackedAt.get(id) ?? 0) < lastKill || devices.everUnsure.has(id);
      const unexplainedTwice = twice.filter((id) => !allowed(id));
      // A graceful stop answers every request in flight (README "Graceful stop"): a request left without an answer
      // then (its connection reset) must have written nothing, as one sent on a keep-alive connection the stop closed
      // (unless its key's retry was acknowledged since: then the retry wrote it).
      const inSigterm = (at: number) => sigterms.some(([from, to]) => at >= from && at <= to);
      const unansweredWritten = [...devices.unansweredAt]
        .filter(([id, at]) => inSigterm(at) && devices.outcome.get(id) !== "acked" && kafkaCounts.has(id))
        .map(([id]) => `${id} (${devices.outcome.get(id)}, ${kafkaCounts.get(id)} in Kafka)`);

      const apiIds = await waitFor(
        async () => {
          const got = (await readOwnTopic(broker, apiTopic)).map((r) => (JSON.parse(r.value) as { id: number }).id);
          return new Set(got).size >= items.count() ? got : undefined;
        },
        { timeoutMs: 30_000, what: `every API item in Kafka (${items.count()})` },
      );
      const missingAt = (delivered: readonly string[]) => {
        const got = new Set(delivered);
        return [...kafkaCounts.keys()].filter((id) => !got.has(id));
      };
      await waitFor(() => missingAt(sink.delivered).length === 0, {
        timeoutMs: 30_000,
        what: `every ingest record in Kafka at the HTTP sink (missing ${missingAt(sink.delivered).slice(0, 5)})`,
      });
      const summary = {
        seed,
        steps,
        outages,
        records: devices.outcome.size,
        acked: acked.length,
        inKafka: inKafka.length,
        ingestDuplicates: twice.length,
        unexplainedDuplicates: unexplainedTwice.length,
        unansweredInSigterm: [...devices.unansweredAt.values()].filter(inSigterm).length,
        replays: devices.replays(),
        apiItems: items.count(),
        apiInKafka: apiIds.length,
        apiDuplicates: apiIds.length - new Set(apiIds).size,
        api5xx429: items.failed(),
        sinkDelivered: sink.delivered.length,
        sinkDuplicates: sink.delivered.length - new Set(sink.delivered).size,
        sink500s: sink.refused(),
        answers: Object.fromEntries(devices.statuses),
      };
      console.log(`chaos-outage ${JSON.stringify(summary)}`);
      expect({ lost, unexplainedTwice, unansweredWritten, replayWrote: devices.replayWrote, crashes }).toEqual({
        lost: [],
        unexplainedTwice: [],
        unansweredWritten: [],
        replayWrote: [],
        crashes: [],
      });
      expect(acked.length).toBeGreaterThan(0);
      for (const name of Object.keys(connectors))
        expect({ name, notRunning: (await tasksOf(gw, name)).filter((t) => t.state !== "RUNNING") }).toEqual({
          name,
          notRunning: [],
        });
      expect(await gw.stop()).toBe(0);
      passed = true;
    },
    90_000,
  );
});
