/**
 * A graceful stop (SIGTERM) of the gateway (the compiled binary when GATEWAY_BIN is set, the real
 * broker) while devices send: the requests in flight are answered before their connections close
 * (as Connect's REST server finishes its requests on stop), so every record's fate is what its
 * request was told. Kill hunt 2026-12-02: the ingest listener closed its connections at once, and
 * in spool mode every request cut off that way (ECONNRESET, 24 requests in 3 stops) had been
 * spooled and was delivered: a device retries it, a duplicate a graceful stop should not make.
 *
 * Per record, both modes (two stops under load, then a start that drains the spool): answered 2xx
 * → in Kafka; answered 503 or not answered at all (connection refused or reset) → not in Kafka
 * (nothing written, so a retry makes no duplicate); 500 (kafka mode: may still be written) → no
 * claim. Each stop exits 0.
 */
import { describe, expect, test } from "bun:test";
import { ingestUrlOf, metric } from "./support/gateway.ts";
import { ingestConnector, NAME, PATH, startCrashIngestGateway } from "./support/ingest-load.ts";
import { createTopic, readAll, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/** What one request was told: its status, or "none" when the connection was refused or reset. */
interface Outcome {
  readonly ids: readonly string[];
  readonly answer: number | "none";
}

/** `clients` loops POSTing numbered records (every third request 4 of them) to `url` until stopped. */
function devices(outcomes: Outcome[], clients = 8) {
  let stopped = false;
  let next = 0;
  const send = async (url: string, c: number) => {
    while (!stopped) {
      const records = Array.from({ length: next % 3 === 2 ? 4 : 1 }, () => ({ c, n: next++ }));
      const ids = records.map((r) => `${r.c}/${r.n}`);
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(records.length === 1 ? records[0] : records),
        });
        await response.text();
        outcomes.push({ ids, answer: response.status });
      } catch {
        outcomes.push({ ids, answer: "none" });
        return; // the gateway is going away: no connection-refused spin while it stops
      }
    }
  };
  let running: Promise<void>[] = [];
  return {
    start(url: string) {
      stopped = false;
      running = Array.from({ length: clients }, (_, c) => send(url, c));
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

describe("device ingest across a graceful stop", () => {
  for (const mode of ["spool", "kafka"] as const) {
    test(`${mode} mode: requests in flight are answered; a record is in Kafka exactly when its request was answered 2xx`, async () => {
      await using dir = await tempDir(`ingest-graceful-${mode}-`);
      const topic = uniqueTopic(`ingest-graceful-${mode}`);
      await createTopic(topic, 2);
      // Time enough to answer whatever is in flight, however loaded the machine.
      const worker = { "task.shutdown.graceful.timeout.ms": "30000" };
      const outcomes: Outcome[] = [];
      const load = devices(outcomes);
      for (let round = 0; round < 2; round++) {
        // Stopped (SIGTERM) at scope end if a wait below fails first.
        await using gw = await startCrashIngestGateway(
          dir,
          "up",
          round === 0 ? ingestConnector(topic, mode) : undefined,
          worker,
        );
        load.start(`${await ingestUrlOf(gw)}${PATH}`);
        const from = outcomes.length;
        try {
          await waitFor(() => outcomes.length >= from + 200, { timeoutMs: 60_000, what: "200 requests answered" });
        } finally {
          // Up to 30 s of ingest drain, then up to 30 s for the tasks: past gateway.ts' default limit.
          const code = await gw.stop(65_000);
          await load.stop();
          expect(code).toBe(0);
        }
      }
      await using gw = await startCrashIngestGateway(dir, "up", undefined, worker);
      await waitFor(async () => mode === "kafka" || (await metric(gw, "ingest_spool_records", NAME)) === 0, {
        timeoutMs: 60_000,
        what: "the spool drained",
      });
      const inKafka = new Set(
        (await readAll(topic)).map((r) => {
          const v = JSON.parse(r.value!.toString()) as { c: number; n: number };
          return `${v.c}/${v.n}`;
        }),
      );
      const summary = new Map<string, { requests: number; inKafka: number; absent: number }>();
      const wrong: { answer: number | "none"; ids: readonly string[] }[] = [];
      for (const o of outcomes) {
        const answered2xx = typeof o.answer === "number" && o.answer >= 200 && o.answer < 300;
        const found = o.ids.filter((id) => inKafka.has(id)).length;
        const key = String(o.answer);
        const s = summary.get(key) ?? { requests: 0, inKafka: 0, absent: 0 };
        summary.set(key, {
          requests: s.requests + 1,
          inKafka: s.inKafka + found,
          absent: s.absent + o.ids.length - found,
        });
        if (o.answer === 500) continue; // may still be written: no claim
        if (answered2xx ? found !== o.ids.length : found !== 0) wrong.push(o);
      }
      console.log(`ingest graceful stop (${mode}): ${JSON.stringify([...summary])}`);
      expect(wrong).toEqual([]);
    }, 120_000);
  }
});
