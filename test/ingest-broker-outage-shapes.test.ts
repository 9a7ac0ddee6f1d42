/**
 * Device ingest in kafka mode (ingest.ack.mode=kafka, the compiled binary when GATEWAY_BIN is set)
 * under concurrent load of every request shape (the connector's own path: one document, an array,
 * NDJSON; REST Proxy v2, v3 one record, v3 streaming, v3 batch: support/ingest-shapes.ts) while the
 * test's own broker goes away three ways and comes back: frozen (SIGSTOP, a partition that answers
 * nothing), stopped (SIGTERM) and killed (SIGKILL). Per record, what its answer said (a REST Proxy
 * 200 or 207 answers each record on its own): acknowledged → in Kafka exactly once (the idempotent
 * producer's retries across the outage write nothing twice); "not written" (503, or a per-record
 * error without "may still be written") → not in Kafka; "may still be written" → no claim. No other
 * answer. broker-kill-ingest.test.ts checks the native shapes for presence only; this adds REST
 * Proxy's per-record reports, the frozen broker and the exactly-once count.
 */
import { describe, expect, test } from "bun:test";
import { systemClock } from "../src/util/clock.ts";
import { freeze } from "./support/freeze.ts";
import { ingestUrlOf, startGateway } from "./support/gateway.ts";
import { type RecordAnswer, recordsPerRequest, SHAPES, sendShape, type Verdict } from "./support/ingest-shapes.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const CLIENTS = 6;
const PATH = "/ingest/devices";

describe("ingest request shapes across broker outages", () => {
  test("frozen, stopped, killed: acknowledged once in Kafka, not-written absent, nothing else", async () => {
    await using dir = await tempDir("ingest-outage-shapes-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const topic = uniqueTopic("ingest-outage-shapes");
    const admin = kafka.client().admin();
    await admin.connect();
    await createTopicsOn(admin, [{ topic, numPartitions: 2 }]);
    await admin.disconnect();
    // Each outage fails its 30 records through a few ingest.request.timeout.ms (1.5 s) waited out. The producer's
    // requests time out (and are sent again, idempotently) within one of these (1 s: outageIngestWorker's 2 s is
    // longer), so that a record can still be acknowledged after such a retry.
    const worker = { ...outageIngestWorker(kafka, dir.file("data")), "producer.request.timeout.ms": "1000" };
    await using gw = await startGateway({ dir: dir.path, worker });
    const config = {
      "connector.class": "HttpIngestSource",
      "ingest.path": PATH,
      "kafka.topic": topic,
      "ingest.request.timeout.ms": "1500",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.post("/connectors", { name: "devices", config })).status).toBe(201);
    const base = await ingestUrlOf(gw);
    await waitFor(async () => (await sendShape(base, PATH, topic, "single", ["warm-up"]))[0]!.verdict === "acked", {
      what: "the ingest route",
    });

    const answers: RecordAnswer[] = [];
    const load = new AbortController();
    const client = async (c: number) => {
      let unanswered = 0;
      for (let n = 0; !load.signal.aborted; n++) {
        const shape = SHAPES[(n + c) % SHAPES.length]!;
        const ids = Array.from({ length: recordsPerRequest(shape) }, (_, i) => `${c}/${n}/${i}`);
        const got = await sendShape(base, PATH, topic, shape, ids);
        answers.push(...got);
        // No answer (the gateway unreachable): the next attempt waits 10 ms, doubling to 1 s, instead of
        // looping on refused connections; the wait ends early when the load stops.
        unanswered = got[0]?.why.startsWith("no answer") ? unanswered + 1 : 0;
        if (unanswered > 0) await systemClock.sleep(Math.min(1000, 10 * 2 ** (unanswered - 1)), load.signal);
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
    const count = (...verdicts: Verdict[]) => answers.filter((a) => verdicts.includes(a.verdict)).length;
    try {
      for (const outage of ["freeze", "stop", "kill"] as const) {
        const acked = count("acked");
        await waitFor(() => count("acked") >= acked + 300, { what: `300 records acknowledged before the ${outage}` });
        if (outage === "freeze") await freeze(kafka.pid);
        else if (outage === "stop") await kafka.stop();
        else await kafka.kill();
        const failed = count("refused", "maybe");
        await waitFor(() => count("refused", "maybe") >= failed + 30, {
          what: `records failing during the ${outage}`,
          timeoutMs: 30_000,
        });
        if (outage === "freeze") process.kill(kafka.pid, "SIGCONT");
        else await kafka.restart();
      }
      const acked = count("acked");
      await waitFor(() => count("acked") >= acked + 300, { what: "records acknowledged after the outages" });
    } finally {
      load.abort();
      await Promise.all(clients);
    }

    const copies = new Map<string, number>();
    for (const r of await readOwnTopic(kafka, topic)) {
      const id = (JSON.parse(r.value) as { id: string }).id;
      copies.set(id, (copies.get(id) ?? 0) + 1);
    }
    const maybeWritten = answers.filter((a) => a.verdict === "maybe" && copies.has(a.id)).length;
    console.log(
      `ingest shapes across broker outages: ${count("acked")} acknowledged, ${count("refused")} not written, ${count("maybe")} may be written (${maybeWritten} were)`,
    );
    expect(answers.filter((a) => a.verdict === "unexpected").slice(0, 3)).toEqual([]);
    expect(answers.filter((a) => a.verdict === "acked" && copies.get(a.id) !== 1).slice(0, 3)).toEqual([]);
    expect(answers.filter((a) => a.verdict === "refused" && copies.has(a.id)).slice(0, 3)).toEqual([]);
    expect(count("refused", "maybe")).toBeGreaterThan(0);
  }, 120_000);
});
