/**
 * Device ingest (HttpIngestSource, ingest.ack.mode=kafka) while the broker dies hard (kill -9 of
 * its JVM) twice under concurrent load and comes back on the same port and log dirs (the test's own
 * broker): every request answered 2xx has its records in Kafka; the others are answered 500 (may
 * be written) or 503 with Retry-After (nothing written: none of its records is in Kafka), each
 * within the request timeout; afterwards the task is RUNNING and answers 2xx again, no restart.
 * A spool-mode route next to it (same kills, its own load) keeps answering 2xx through the outages
 * and drains its spool once the broker is back: every record it acknowledged is in Kafka.
 */
import { describe, expect, test } from "bun:test";
import { ingestUrlOf, metric, startGateway, taskState } from "./support/gateway.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const REQUEST_TIMEOUT_MS = 1_500;
/** A request unanswered this long after its timeout hangs (the client gives up: status 0). */
const HANG_MS = REQUEST_TIMEOUT_MS + 30_000;

interface Answer {
  readonly ids: string[];
  readonly status: number; // 0: no answer
  readonly retryAfter: string | null;
  readonly ms: number;
}

/**
 * `clients` loops POSTing numbered records (every third request an array of 4) until stopped, or
 * `requests` each when given; ids are `<prefix><client>/<n>`.
 */
function load(url: string, clients: number, o: { requests?: number; prefix?: string } = {}) {
  const answers: Answer[] = [];
  let stopped = false;
  const loop = async (c: number) => {
    for (let n = 0, sent = 0; !stopped && sent !== o.requests; sent++) {
      const size = n % 3 === 2 ? 4 : 1;
      const ids = Array.from({ length: size }, (_, i) => `${o.prefix ?? ""}${c}/${n + i}`);
      n += size;
      const body = JSON.stringify(size === 1 ? { id: ids[0] } : ids.map((id) => ({ id })));
      const started = performance.now();
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body,
          signal: AbortSignal.timeout(HANG_MS),
        });
        await response.text();
        answers.push({
          ids,
          status: response.status,
          retryAfter: response.headers.get("Retry-After"),
          ms: performance.now() - started,
        });
      } catch {
        answers.push({ ids, status: 0, retryAfter: null, ms: performance.now() - started });
      }
    }
  };
  const running = Array.from({ length: clients }, (_, c) => loop(c));
  return {
    answers,
    ok: () => answers.filter((a) => a.status >= 200 && a.status < 300).length,
    failed: () => answers.filter((a) => a.status >= 300 || a.status === 0).length,
    done: () => Promise.all(running),
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

describe("device ingest across kill -9 of the broker", () => {
  test("kafka mode: every 2xx in Kafka, the rest 500/503 in time; spool mode: every 2xx drained; tasks recover", async () => {
    await using dir = await tempDir("broker-kill-ingest-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const topic = uniqueTopic("bk-ingest");
    const admin = kafka.client().admin();
    await admin.connect();
    await createTopicsOn(admin, [{ topic, numPartitions: 2 }]);
    await admin.disconnect();
    await using gw = await startGateway({
      dir: dir.path,
      // The producer's requests time out (and are sent again, idempotently) within one REQUEST_TIMEOUT_MS (1 s:
      // outageIngestWorker's 2 s is longer), so that a record can still be acknowledged after such a retry.
      worker: { ...outageIngestWorker(kafka, dir.file("data")), "producer.request.timeout.ms": "1000" },
    });
    const config = {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/devices",
      "kafka.topic": topic,
      "ingest.request.timeout.ms": String(REQUEST_TIMEOUT_MS),
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.post("/connectors", { name: "devices", config })).status).toBe(201);
    const spoolTopic = `${topic}-spool`;
    const spoolConfig = {
      ...config,
      "ingest.path": "/ingest/spooled",
      "kafka.topic": spoolTopic,
      "ingest.ack.mode": "spool",
    };
    expect((await gw.rest.post("/connectors", { name: "spooled", config: spoolConfig })).status).toBe(201);
    const url = `${await ingestUrlOf(gw)}/ingest/devices`;
    const spoolUrl = `${await ingestUrlOf(gw)}/ingest/spooled`;
    const post = () =>
      fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"id":"probe"}' });
    await waitFor(async () => (await post()).status === 200, { what: "the ingest route" });
    const probe = () =>
      fetch(spoolUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: "[]" });
    await waitFor(async () => (await probe()).status === 422 && (await taskState(gw, "spooled")) === "RUNNING", {
      what: "the spool route",
    });

    const devices = load(url, 8);
    const spooled: Answer[] = [];
    try {
      for (let round = 1; round <= 2; round++) {
        const [ok, failed] = [devices.ok(), devices.failed()];
        await waitFor(() => devices.ok() >= ok + 200, { what: `200 acknowledged requests before kill ${round}` });
        await kafka.kill();
        // Spool mode: a burst of requests while Kafka is gone (drained after the restart, maybe
        // while the next kill comes).
        const burst = load(spoolUrl, 4, { requests: 100, prefix: `r${round}-` });
        await burst.done();
        spooled.push(...burst.answers);
        await waitFor(() => devices.failed() >= failed + 8, {
          what: `requests failing during outage ${round}`,
          timeoutMs: 30_000,
        });
        await kafka.restart();
      }
      const ok = devices.ok();
      await waitFor(() => devices.ok() >= ok + 200, { what: "acknowledged requests after the last restart" });
    } finally {
      await devices.stop();
    }
    expect(await taskState(gw, "devices")).toBe("RUNNING");

    // Spool mode: every request answered 2xx through the outages, all of it in Kafka once drained.
    expect(spooled.filter((a) => a.status !== 200)).toEqual([]);
    await waitFor(async () => (await metric(gw, "ingest_spool_records", "spooled")) === 0, {
      what: "the spool drained",
      timeoutMs: 60_000,
    });
    expect(await taskState(gw, "spooled")).toBe("RUNNING");
    const inSpoolTopic = new Set(
      (await readOwnTopic(kafka, spoolTopic)).map((r) => (JSON.parse(r.value) as { id: string }).id),
    );
    expect(spooled.flatMap((a) => a.ids).filter((id) => !inSpoolTopic.has(id))).toEqual([]);
    console.log(
      `spool mode across broker kill -9: ${spooled.length} requests acknowledged, ${inSpoolTopic.size} records in Kafka`,
    );

    const answers = devices.answers;
    const inKafka = new Set((await readOwnTopic(kafka, topic)).map((r) => (JSON.parse(r.value) as { id: string }).id));
    const acked = answers.filter((a) => a.status >= 200 && a.status < 300);
    const refused = answers.filter((a) => a.status === 503);
    const summary = {
      requests: answers.length,
      acked: acked.length,
      byStatus: Object.fromEntries(
        [...new Set(answers.map((a) => a.status))].map((s) => [s, answers.filter((a) => a.status === s).length]),
      ),
      slowestMs: Math.round(Math.max(...answers.map((a) => a.ms))),
      failedRecordsInKafka: answers
        .filter((a) => a.status === 500)
        .flatMap((a) => a.ids)
        .filter((id) => inKafka.has(id)).length,
    };
    console.log(`ingest across broker kill -9: ${JSON.stringify(summary)}`);
    // Every record of a 2xx is in Kafka.
    expect(acked.flatMap((a) => a.ids).filter((id) => !inKafka.has(id))).toEqual([]);
    // The others: 500 (may be written) or 503 with Retry-After, none of whose records is in Kafka.
    expect(answers.filter((a) => a.status >= 300 && a.status !== 500 && a.status !== 503)).toEqual([]);
    // Every request got an answer: none hung (the slowest's time is printed above, not asserted).
    expect(answers.filter((a) => a.status === 0).length).toBe(0);
    expect(refused.filter((a) => a.retryAfter === null)).toEqual([]);
    expect(refused.flatMap((a) => a.ids).filter((id) => inKafka.has(id))).toEqual([]);
    expect(refused.length + answers.filter((a) => a.status === 500).length).toBeGreaterThan(0);
  }, 180_000);
});
