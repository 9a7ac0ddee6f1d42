/**
 * Idempotency-Key across kill -9 (the compiled binary when GATEWAY_BIN is set, the real broker):
 * eight clients send requests, each with a key of its own, and the gateway is killed with SIGKILL
 * the moment the 150th 2xx answer is read. After the restart, every request answered before the
 * kill, sent again with its key and body, gets its ORIGINAL answer (status and body,
 * `Idempotent-Replayed: true`) and writes nothing: the key's answer is committed to SQLite before
 * the answer is sent (ingest-handler.ts awaits IdempotencyGuard.end, a synchronous bun:sqlite
 * upsert, before it returns the response), so a kill after the answer cannot lose it. One request
 * without a key, sent after the replays, is then the only record added to the one-partition topic.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, ingestUrlOf, metric } from "./support/gateway.ts";
import { delivery, ingestConnector, ingestLoad, NAME, PATH, startCrashIngestGateway } from "./support/ingest-load.ts";
import { createTopic, readAll, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const KILL_AT = 150;

/** Spool mode: waits until the drainer sent everything (kafka mode: Kafka has it already). */
async function settled(gw: Gateway, mode: "spool" | "kafka") {
  if (mode === "spool")
    await waitFor(async () => (await metric(gw, "ingest_spool_records", NAME)) === 0, {
      what: "the spool drained",
      timeoutMs: 60_000,
    });
}

describe("Idempotency-Key after kill -9", () => {
  test.each(["kafka", "spool"] as const)(
    "ingest.ack.mode=%s: a request answered just before the kill is replayed with its original answer, nothing written",
    async (mode) => {
      await using dir = await tempDir(`ingest-idem-crash-${mode}-`);
      const topic = uniqueTopic(`ingest-idem-crash-${mode}`);
      await createTopic(topic, 1);
      const first = await startCrashIngestGateway(dir, "up", ingestConnector(topic, mode));
      const load = ingestLoad(8, {
        keyed: true,
        onAcked: (requests) => {
          if (requests === KILL_AT) first.proc.kill("SIGKILL");
        },
      });
      load.start(`${await ingestUrlOf(first)}${PATH}`);
      await first.proc.exited;
      await load.stop();
      expect(load.answers.length).toBeGreaterThanOrEqual(KILL_AT);

      const gw = await startCrashIngestGateway(dir, "up");
      try {
        await settled(gw, mode);
        const before = await delivery(topic, load);
        expect(before.lost).toEqual([]);
        const url = `${await ingestUrlOf(gw)}${PATH}`;
        const replays = await Promise.all(
          load.answers.map(async (a) => {
            const r = await fetch(url, {
              method: "POST",
              headers: { "Content-Type": "application/json", "Idempotency-Key": a.key },
              body: a.body,
            });
            return {
              key: a.key,
              status: r.status,
              text: await r.text(),
              replayed: r.headers.get("idempotent-replayed"),
            };
          }),
        );
        const different = replays.filter((r, i) => {
          const a = load.answers[i]!;
          return r.status !== a.status || r.text !== a.text || r.replayed !== "true";
        });
        expect(different).toEqual([]);

        const sentinel = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: '{"c":-1,"n":0}',
        });
        expect(sentinel.status).toBe(200);
        await settled(gw, mode);
        const records = await waitFor(
          async () => {
            const all = await readAll(topic);
            return all.length > before.inKafka && all;
          },
          { what: "the sentinel record" },
        );
        // One partition: the sentinel is the only record after those there before the replays.
        expect(records.slice(before.inKafka).map((r) => r.value?.toString("utf8"))).toEqual(['{"c":-1,"n":0}']);
        const after = await delivery(topic, load);
        console.log(
          `ingest kill -9 (Idempotency-Key, ${mode}): ${load.answers.length} keyed requests answered, ${replays.length} replayed, ${JSON.stringify({ ...after, lost: after.lost.length })}`,
        );
        if (mode === "kafka") expect(after.duplicates).toBe(0);
      } finally {
        await gw.kill();
      }
    },
    120_000,
  );
});
