/**
 * Which answers an Idempotency-Key keeps: decided from the records' outcomes, not the status (REST
 * Proxy answers 200 or 207 with failed records). A key whose answer is not final is released, so a
 * retry with it runs again, unless its records may still be written: then it is held until the
 * writer tells what became of them (IngestSubmission.late). Keys on the gateway's real SQLite file.
 */
import { describe, expect, test } from "bun:test";
import { tempDir } from "../../test/support/temp-dir.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { IngestQueue } from "../connectors/http-ingest/ingest-queue.ts";
import { toSourceRecord } from "../connectors/http-ingest/task.ts";
import { openDatabase } from "../store/database.ts";
import { IdempotencyStore } from "../store/idempotency-store.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { StoredIdempotencyGuard } from "./idempotency.ts";
import { ingestApp } from "./ingest-handler.ts";
import { IngestMetrics } from "./ingest-metrics.ts";
import { type LateOutcomes, type RecordOutcome, rejectedOutcome } from "./ingest-record.ts";
import { passThroughStages } from "./request-context.ts";
import { IngestRouteTable, type IngestWriter } from "./route-table.ts";
import { testSettings } from "./test-support.ts";

type Fate = "written" | "not-written" | "maybe-written" | "refused";

const notWritten: RecordOutcome = { kind: "failed", message: "queue closed", retriable: true, maybeWritten: false };
const maybeWritten: RecordOutcome = { kind: "failed", message: "timed out", retriable: true, maybeWritten: true };

/** Route `c` (`/ingest/t`, topic t) whose writer gives each record the fate `fates` says for this attempt. */
function gateway(dir: string, fates: (attempt: number, index: number) => Fate) {
  const db = openDatabase(dir);
  const routes = new IngestRouteTable();
  routes.open("c", testSettings({ "ingest.idempotency.window.ms": "60000" }), passThroughStages);
  let attempts = 0;
  let offset = 0;
  const outcomesOf = (count: number, fate: (index: number) => Fate) =>
    Array.from({ length: count }, (_, i): RecordOutcome => {
      const f = fate(i);
      if (f === "not-written") return notWritten;
      if (f === "maybe-written") return maybeWritten;
      if (f === "refused") return rejectedOutcome({ error: "INVALID_TIMESTAMP", message: "out of range" });
      return { kind: "written", topic: "t", partition: 0, offset: offset++, timestamp: 1 };
    });
  /** The last request's receiver of late outcomes and its record count (a writer tells it as IngestQueue does). */
  let last: { late: LateOutcomes | undefined; count: number } | undefined;
  routes.attach("c", {
    pending: 0,
    submit: async ({ records, late }) => {
      const attempt = attempts++;
      last = { late, count: records.length };
      return outcomesOf(records.length, (i) => fates(attempt, i));
    },
    withdrawQueued: () => undefined,
  });
  /** The last request's records that may still be written settle: each as `fate` says. */
  const settleLate = (fate: Fate) => last!.late!.settled(outcomesOf(last!.count, () => fate));
  const logs = new LogManager({ sink: () => undefined });
  const clock = new ManualClock(1_700_000_000_000);
  const metrics = new IngestMetrics();
  const guard = new StoredIdempotencyGuard(new IdempotencyStore(db), clock, logs.get("idempotency"), metrics);
  const app = ingestApp({ routes, metrics, clock, log: logs.get("ingest"), redact: (t) => t, idempotency: guard });
  const send = async (path: string, contentType: string, body: string, headers: Record<string, string> = {}) => {
    const response = await app.fetch(
      new Request(`http://gateway${path}`, {
        method: "POST",
        body,
        headers: { "Content-Type": contentType, "Idempotency-Key": "k-1", ...headers },
      }),
      {},
    );
    return {
      status: response.status,
      replayed: response.headers.get("Idempotent-Replayed"),
      retryAfter: response.headers.get("Retry-After"),
      body: await response.text(),
    };
  };
  return { db, send, settleLate, attempts: () => attempts };
}

const v2 = (g: ReturnType<typeof gateway>) =>
  g.send("/topics/t", "application/vnd.kafka.json.v2+json", '{"records":[{"value":1},{"value":2}]}');
const native = (g: ReturnType<typeof gateway>) => g.send("/ingest/t", "application/json", "[1,2]");
const v2Offsets = (body: string) => (JSON.parse(body) as { offsets: { error_code: number | null }[] }).offsets;

describe("Idempotency-Key: only final answers are kept", () => {
  test("v2 answers 200 with records failed as not written: the key is released, the retry writes, then its answer is replayed", async () => {
    await using dir = await tempDir("idempotency-final-");
    const g = gateway(dir.path, (attempt) => (attempt === 0 ? "not-written" : "written"));
    const failed = await v2(g);
    expect(failed.status).toBe(200);
    expect(v2Offsets(failed.body).map((o) => o.error_code)).toEqual([50003, 50003]);
    const retry = await v2(g);
    expect([retry.status, retry.replayed]).toEqual([200, null]);
    expect(v2Offsets(retry.body).map((o) => o.error_code)).toEqual([null, null]);
    const again = await v2(g);
    expect([again.replayed, again.body]).toEqual(["true", retry.body]);
    expect(g.attempts()).toBe(2);
    g.db.close();
  });

  test.each([
    ["the connector's path", "/ingest/t", "application/json", "[1,2]", {}],
    ["REST Proxy v2", "/topics/t", "application/vnd.kafka.json.v2+json", '{"records":[{"value":1},{"value":2}]}', {}],
    ["REST Proxy v3", "/v3/clusters/c/topics/t/records", "application/json", '{"value":{"type":"JSON","data":1}}', {}],
    [
      "REST Proxy v3 streaming, one record",
      "/v3/clusters/c/topics/t/records",
      "application/json",
      '{"value":{"type":"JSON","data":1}}',
      { "Transfer-Encoding": "chunked" },
    ],
    [
      "REST Proxy v3 streaming",
      "/v3/clusters/c/topics/t/records",
      "application/json",
      '{"value":{"type":"JSON","data":1}}{"value":{"type":"JSON","data":2}}',
      { "Transfer-Encoding": "chunked" },
    ],
    [
      "REST Proxy v3 records:batch",
      "/v3/clusters/c/topics/t/records:batch",
      "application/json",
      '{"entries":[{"id":"a","value":{"type":"JSON","data":1}},{"id":"b","value":{"type":"JSON","data":2}}]}',
      {},
    ],
  ])(
    "%s: records that may still be written hold the key (409, Retry-After; another request 422) until they settle; written, the answer the request would have given is kept",
    async (_shape, path, type, body, headers: Record<string, string>) => {
      await using direct = await tempDir("idempotency-final-");
      const written = gateway(direct.path, () => "written");
      const expected = await written.send(path, type, body, headers);
      written.db.close();
      await using dir = await tempDir("idempotency-final-");
      const g = gateway(dir.path, (attempt) => (attempt === 0 ? "maybe-written" : "written"));
      const first = await g.send(path, type, body, headers);
      expect(first.body).toContain("50003"); // a record failed, retriable
      const held = await g.send(path, type, body, headers);
      expect([held.status, held.retryAfter]).toEqual([409, "5"]); // the route's ingest.retry.after.seconds
      expect(JSON.parse(held.body).message).toBe(
        "The records of the first request with this Idempotency-Key may still be written: Kafka has not acknowledged them yet. Retry later: once they are written, the answer the first request would have had is replayed; if they are not, a retry writes them",
      );
      // explore23 F3: another body with the held key was 409 "retry later", which its client followed for ever.
      const other = await g.send(path, type, body.replace("1", "3"), headers);
      expect([other.status, JSON.parse(other.body)]).toEqual([
        422,
        {
          error_code: 422,
          message: "This Idempotency-Key was already used with a different request; use a new key for new data",
        },
      ]);
      g.settleLate("written");
      const replay = await waitFor(
        async () => {
          const r = await g.send(path, type, body, headers);
          return r.status !== 409 && r;
        },
        { what: "the held key settled" },
      );
      expect(replay).toEqual({ ...expected, replayed: "true" });
      expect(g.attempts()).toBe(1);
      g.db.close();
    },
  );

  test.each([
    ["stay unknown (their task stopped)", "maybe-written"],
    ["are given up unwritten", "not-written"],
  ] as const)("records that may still be written and then %s: released, the retry writes", async (_how, fate) => {
    await using dir = await tempDir("idempotency-final-");
    const g = gateway(dir.path, (attempt) => (attempt === 0 ? "maybe-written" : "written"));
    expect((await v2(g)).status).toBe(200);
    expect((await v2(g)).status).toBe(409);
    g.settleLate(fate);
    const retry = await waitFor(
      async () => {
        const r = await v2(g);
        return r.status !== 409 && r;
      },
      { what: "the held key released" },
    );
    expect([retry.status, retry.replayed]).toEqual([200, null]);
    expect((await v2(g)).replayed).toBe("true");
    expect(g.attempts()).toBe(2);
    g.db.close();
  });

  test("part written, part not written: released, so the retry writes every record (the written ones twice, as the 500 says; none lost)", async () => {
    await using dir = await tempDir("idempotency-final-");
    const g = gateway(dir.path, (attempt, i) => (attempt === 0 && i === 1 ? "not-written" : "written"));
    const partial = await native(g);
    expect(partial.status).toBe(500);
    expect(JSON.parse(partial.body).message).toContain("the others were written");
    const retry = await native(g);
    expect([retry.status, retry.replayed]).toEqual([200, null]);
    expect(JSON.parse(retry.body).offsets.map((o: { offset: number }) => o.offset)).toEqual([1, 2]);
    expect((await native(g)).replayed).toBe("true");
    g.db.close();
  });

  test("a record Kafka refused for good is final: its v2 200 answer is replayed, nothing runs again", async () => {
    await using dir = await tempDir("idempotency-final-");
    const g = gateway(dir.path, (_attempt, i) => (i === 1 ? "refused" : "written"));
    const first = await v2(g);
    expect(v2Offsets(first.body).map((o) => o.error_code)).toEqual([null, 50002]);
    expect(await v2(g)).toEqual({ ...first, replayed: "true" });
    expect(g.attempts()).toBe(1);
    g.db.close();
  });

  test("a request reaching a task's queue after the gateway's give-up (graceful stop): released, so the retry after the restart writes it", async () => {
    await using dir = await tempDir("idempotency-final-");
    /** The gateway on `dir`'s data file with `writer` as route c's task; a native request with Idempotency-Key k-1. */
    const start = (writer: IngestWriter) => {
      const db = openDatabase(dir.path);
      const routes = new IngestRouteTable();
      routes.open("c", testSettings({ "ingest.idempotency.window.ms": "60000" }), passThroughStages);
      routes.attach("c", writer);
      const logs = new LogManager({ sink: () => undefined });
      const clock = new ManualClock(1_700_000_000_000);
      const metrics = new IngestMetrics();
      const guard = new StoredIdempotencyGuard(new IdempotencyStore(db), clock, logs.get("idempotency"), metrics);
      const app = ingestApp({ routes, metrics, clock, log: logs.get("ingest"), redact: (t) => t, idempotency: guard });
      const send = async () => {
        const response = await app.fetch(
          new Request("http://gateway/ingest/t", {
            method: "POST",
            body: "[1,2]",
            headers: { "Content-Type": "application/json", "Idempotency-Key": "k-1" },
          }),
          {},
        );
        return {
          status: response.status,
          replayed: response.headers.get("Idempotent-Replayed"),
          body: await response.text(),
        };
      };
      return { db, send };
    };
    const stopping = new IngestQueue({ maxQueued: 100, maxPoll: 100, retryAfterSeconds: 3, toSourceRecord });
    stopping.giveUp("The gateway stopped before Kafka acknowledged the record");
    const before = start(stopping);
    const late = await before.send();
    expect(late.status).toBe(503);
    expect(JSON.parse(late.body).message).toContain("(none of them was written)");
    before.db.close();
    let offset = 0;
    const after = start({
      pending: 0,
      submit: async ({ records }) =>
        records.map(
          (): RecordOutcome => ({ kind: "written", topic: "t", partition: 0, offset: offset++, timestamp: 1 }),
        ),
      withdrawQueued: () => undefined,
    });
    const retry = await after.send();
    expect([retry.status, retry.replayed]).toEqual([200, null]);
    expect(offset).toBe(2);
    expect((await after.send()).replayed).toBe("true");
    after.db.close();
  });
});
