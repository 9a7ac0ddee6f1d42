import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { JsonText } from "../../api/data/json-text.ts";
import { ConnectError, RetriableError } from "../../errors.ts";
import { IngestError } from "../../ingest/ingest-error.ts";
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import { LogManager } from "../../util/logger.ts";
import { httpIngestSource } from "./index.ts";
import { SpoolWriter } from "./spool-writer.ts";
import { toSourceRecord } from "./task.ts";

const rec = (key: string, value: unknown): IngestRecord => ({
  key,
  value,
  headers: [["h", "v"]],
  partition: null,
  timestamp: null,
  bytes: 10,
});
const dyingWorker = new URL("../../../test/fixtures/spool-worker/dying-worker.ts", import.meta.url);
const submission = (records: IngestRecord[]) => ({ topic: "t1", records, signal: new AbortController().signal });

function writer(store: SpoolStore, overrides: Partial<ConstructorParameters<typeof SpoolWriter>[0]> = {}) {
  return new SpoolWriter({
    store,
    connector: "c1",
    maxBytes: 1_000_000,
    maxPoll: 100,
    retryAfterSeconds: 7,
    toSourceRecord,
    committedSeq: null,
    ...overrides,
  });
}

describe("SpoolWriter", () => {
  test("a record Kafka refused goes to the quarantine, counted; one WARN per episode (until a record is delivered) (P1.1)", async () => {
    await using dir = await tempDir("spool-writer-");
    const store = await SpoolStore.open(dir.path);
    const lines: string[] = [];
    const w = writer(store, { log: new LogManager({ sink: (l) => lines.push(l) }).get("test") });
    await w.submit(submission([rec("a", "1"), rec("a", "2"), rec("a", "3"), rec("a", "4")]));
    const polled = await w.poll(new AbortController().signal);
    const refused = { error: "INVALID_TIMESTAMP", message: "out of range" };
    w.ack(polled[0]!, null, refused);
    w.ack(polled[1]!, null, refused);
    expect(lines).toEqual([
      expect.stringContaining("WARN Kafka refused spooled record 1 of connector c1 for good (INVALID_TIMESTAMP)"),
    ]);
    w.ack(polled[2]!, null);
    w.ack(polled[3]!, null, refused);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("record 4 of connector c1");
    expect([w.quarantined, w.drained]).toEqual([3, 1]);
    expect(store.stats("c1").records).toBe(0);
    await store.close();
    const db = new Database(join(dir.path, "spool.db"), { readonly: true });
    expect(db.query("SELECT seq, topic, kafka_error, message FROM spool_quarantine ORDER BY seq").all()).toEqual(
      [1, 2, 4].map((seq) => ({ seq, topic: "t1", kafka_error: "INVALID_TIMESTAMP", message: "out of range" })),
    );
    db.close();
  });

  test("a record errors.tolerance=all skipped after a converter failed on it goes to the quarantine, its WARN saying so without quoting the record", async () => {
    await using dir = await tempDir("spool-writer-");
    const store = await SpoolStore.open(dir.path);
    const lines: string[] = [];
    const w = writer(store, { log: new LogManager({ sink: (l) => lines.push(l) }).get("test") });
    await w.submit(submission([rec("a", "1"), rec("a", "2")]));
    const polled = await w.poll(new AbortController().signal);
    // The converter's message quotes the record's value: the quarantine row keeps it, the log does not.
    const message = 'VALUE_CONVERTER failed in X: Invalid type for INT32: "device-secret-42" is a string';
    w.ack(polled[0]!, null, { error: "VALUE_CONVERTER", message, stage: "VALUE_CONVERTER", skipped: true });
    w.ack(polled[1]!, null);
    expect(lines).toEqual([
      expect.stringMatching(
        /WARN A transformation or converter failed on spooled record 1 of connector c1 \(skipped under errors\.tolerance=all\) \(VALUE_CONVERTER\): the record \(\d+ bytes\) was moved to the spool's quarantine table/,
      ),
    ]);
    expect(lines.filter((l) => l.includes("device-secret-42") || l.includes("Invalid type"))).toEqual([]);
    expect([w.quarantined, w.drained, store.stats("c1").records]).toEqual([1, 1, 0]);
    await store.close();
    const db = new Database(join(dir.path, "spool.db"), { readonly: true });
    expect(db.query("SELECT seq, kafka_error, message FROM spool_quarantine").all()).toEqual([
      { seq: 1, kafka_error: "VALUE_CONVERTER", message },
    ]);
    db.close();
  });

  test("after stop, acknowledgements still delete and quarantine until close; nothing more is accepted or polled", async () => {
    await using dir = await tempDir("spool-writer-");
    const store = await SpoolStore.open(dir.path);
    const w = writer(store);
    await w.submit(submission([rec("a", 1), rec("a", 2), rec("a", 3)]));
    const polled = await w.poll(new AbortController().signal);
    w.stop();
    expect(await w.poll(new AbortController().signal)).toEqual([]);
    await expect(w.submit(submission([rec("a", 4)]))).rejects.toMatchObject({ status: 503 });
    w.ack(polled[0]!, null);
    w.ack(polled[1]!, null, { error: "INVALID_TIMESTAMP", message: "out of range" });
    w.close();
    w.ack(polled[2]!, null);
    expect([w.drained, w.quarantined, store.stats("c1").records]).toEqual([1, 1, 1]);
    await store.close();
    const db = new Database(join(dir.path, "spool.db"), { readonly: true });
    expect(db.query("SELECT seq FROM spool_quarantine").all()).toEqual([{ seq: 2 }]);
    db.close();
  });

  test("answers once spooled, drains in order with the sequence as offset, deletes what Kafka acknowledged", async () => {
    await using dir = await tempDir("spool-writer-");
    const store = await SpoolStore.open(dir.path);
    const w = writer(store);
    const outcomes = await w.submit(submission([rec("a", { n: 1 }), rec("a", { n: 2 })]));
    expect(outcomes.map((o) => o.kind)).toEqual(["spooled", "spooled"]);
    await w.submit(submission([rec("b", { n: 3 })]));
    const polled = await w.poll(new AbortController().signal);
    expect(polled.map((r) => [r.topic, r.key, r.value, r.sourcePartition, r.sourceOffset])).toEqual([
      ["t1", "a", { n: 1 }, { spool: "c1" }, { seq: 1 }],
      ["t1", "a", { n: 2 }, { spool: "c1" }, { seq: 2 }],
      ["t1", "b", { n: 3 }, { spool: "c1" }, { seq: 3 }],
    ]);
    w.ack(polled[0]!);
    w.ack(polled[1]!);
    store.flushDeletes();
    expect((await store.read("c1", 0, 10)).map((r) => r.seq)).toEqual([3]);
    expect(w.drained).toBe(2);
    await store.close();
  });

  test("a spool file lost between two task starts (offsets kept): new records are drained, not deleted", async () => {
    await using dir = await tempDir("spool-writer-");
    const first = await SpoolStore.open(dir.path);
    const w1 = writer(first);
    for (let i = 0; i < 5; i++) await w1.submit(submission([rec("old", { n: i })]));
    const sent = await w1.poll(new AbortController().signal);
    for (const r of sent) w1.ack(r);
    w1.close();
    await first.close();
    const committedSeq = (sent.at(-1)!.sourceOffset as { seq: number }).seq;
    expect(committedSeq).toBe(5);
    for (const f of ["spool.db", "spool.db-wal", "spool.db-shm"]) await rm(join(dir.path, f), { force: true });

    // A new, empty file, and the offset store still says 5 was delivered.
    const second = await SpoolStore.open(dir.path);
    const w2 = writer(second, { committedSeq });
    await w2.start();
    const [outcome] = await w2.submit(submission([rec("new", { n: 1 })]));
    expect(outcome).toEqual({ kind: "spooled", sequence: 6 });
    w2.close();
    await second.close();

    // The next start (no offset committed since) keeps it, and it is drained.
    const third = await SpoolStore.open(dir.path);
    const w3 = writer(third, { committedSeq });
    await w3.start();
    const polled = await w3.poll(new AbortController().signal);
    expect(polled.map((r) => [r.key, r.sourceOffset])).toEqual([["new", { seq: 6 }]]);
    w3.close();
    await third.close();
  });

  test("a drainer that is behind gets full batches in order, each row once (the next batch read ahead)", async () => {
    await using dir = await tempDir("spool-writer-");
    const store = await SpoolStore.open(dir.path);
    const w = writer(store, { maxPoll: 2 });
    await w.submit(submission([1, 2, 3, 4, 5].map((n) => rec("k", n))));
    const signal = new AbortController().signal;
    const batches = [await w.poll(signal), await w.poll(signal), await w.poll(signal)];
    expect(batches.map((b) => b.map((r) => [r.value, r.sourceOffset]))).toEqual([
      [
        [1, { seq: 1 }],
        [2, { seq: 2 }],
      ],
      [
        [3, { seq: 3 }],
        [4, { seq: 4 }],
      ],
      [[5, { seq: 5 }]],
    ]);
    await w.submit(submission([rec("k", 6)]));
    expect((await w.poll(signal)).map((r) => r.value)).toEqual([6]);
    w.close();
    await store.close();
  });

  test("a JsonText polled from memory carries the spool row's value bytes, its text and UTF-8 exact", async () => {
    await using dir = await tempDir("spool-writer-");
    const store = await SpoolStore.open(dir.path);
    const w = writer(store);
    const texts = ['{"a":"é ✓ 𝄞"}', `"${"x".repeat(100_000)}"`, "[]"];
    const body = new TextEncoder().encode(texts[0]);
    // The first one brings its bytes (a view of a request body); the polled record must not keep it.
    const values = [new JsonText(texts[0]!, body), new JsonText(texts[1]!), new JsonText(texts[2]!)];
    await w.submit(submission(values.map((v) => rec("k", v))));
    const polled = await w.poll(new AbortController().signal);
    const got = polled.map((r) => r.value as JsonText);
    expect(got.map((v) => v.text)).toEqual(texts);
    expect(got.map((v) => new TextDecoder().decode(v.encoded()))).toEqual(texts);
    // Encoded once, into the spool buffer: every value is a view of the one buffer the rows share.
    expect(new Set(got.map((v) => v.encoded()!.buffer)).size).toBe(1);
    expect(got[0]!.encoded()!.buffer).not.toBe(body.buffer);
    // The other fields and the records as submitted are left alone.
    expect(polled.map((r) => [r.key, r.headers.toArray().map((h) => [h.key, h.value])])).toEqual(
      texts.map(() => ["k", [["h", "v"]]]),
    );
    expect(values[1]!.encoded()).toBeUndefined();
    w.close();
    await store.close();
  });

  test("a restarted writer re-sends what was not acknowledged and skips what a committed offset covers", async () => {
    await using dir = await tempDir("spool-writer-");
    const store = await SpoolStore.open(dir.path);
    const first = writer(store);
    await first.submit(submission([rec("a", 1), rec("a", 2), rec("a", 3)]));
    await first.poll(new AbortController().signal);
    first.close();
    const again = writer(store, { committedSeq: 1 });
    await again.start();
    const polled = await again.poll(new AbortController().signal);
    expect(polled.map((r) => r.value)).toEqual([2, 3]);
    expect(store.stats("c1").records).toBe(2);
    await store.close();
  });

  test("a poll on an empty spool waits for the next append, and returns nothing when aborted", async () => {
    await using dir = await tempDir("spool-writer-");
    const store = await SpoolStore.open(dir.path);
    const w = writer(store);
    const waiting = w.poll(new AbortController().signal);
    await w.submit(submission([rec("k", "late")]));
    expect((await waiting).map((r) => r.value)).toEqual(["late"]);
    const abort = new AbortController();
    const aborted = w.poll(abort.signal);
    abort.abort();
    expect(await aborted).toEqual([]);
    await store.close();
  });

  test("a request that would pass ingest.spool.max.bytes is 503 with Retry-After and spools nothing", async () => {
    await using dir = await tempDir("spool-writer-");
    const store = await SpoolStore.open(dir.path);
    const w = writer(store, { maxBytes: 300 });
    await w.submit(submission([rec("k", "x".repeat(100))]));
    const refused = await w.submit(submission([rec("k", "y".repeat(200))])).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IngestError);
    expect([(refused as IngestError).status, (refused as IngestError).options.retryAfterSeconds]).toEqual([503, 7]);
    expect(store.stats("c1").records).toBe(1);
    await store.close();
  });

  test("when the spool's worker dies, requests get 503 and the drainer's poll fails with the reason", async () => {
    await using dir = await tempDir("spool-writer-");
    const store = await SpoolStore.open(dir.path, { workerUrl: dyingWorker });
    const w = writer(store, { connector: "throw" });
    const waiting = w.poll(new AbortController().signal).catch((e: unknown) => e);
    const refused = await w.submit(submission([rec("k", 1)])).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IngestError);
    expect([(refused as IngestError).status, (refused as IngestError).options.retryAfterSeconds]).toEqual([503, 7]);
    const expected =
      /^The spool of connector throw is not durable any more, so nothing more is accepted \(The spool worker failed: the disk caught fire\); restart the task \(or the connector\)/;
    expect((refused as Error).message).toMatch(expected);
    const failed = await waiting;
    expect(failed).toBeInstanceOf(ConnectError);
    expect(failed).not.toBeInstanceOf(RetriableError);
    expect((failed as Error).message).toMatch(expected);
    expect(((await w.submit(submission([rec("k", 2)])).catch((e: unknown) => e)) as IngestError).status).toBe(503);
    await store.close();
  });

  test("only spool mode promises order (one request in flight on a producer that is not idempotent)", () => {
    const descriptor = httpIngestSource();
    expect(descriptor.keepsOrder?.({ "ingest.ack.mode": "spool" })).toBe(true);
    expect(descriptor.keepsOrder?.({ "ingest.ack.mode": "kafka" })).toBe(false);
    expect(descriptor.keepsOrder?.({})).toBe(false);
  });

  test("an acknowledgement deletes only a row this writer polled, once", async () => {
    await using dir = await tempDir("spool-writer-");
    const store = await SpoolStore.open(dir.path);
    const w = writer(store);
    await w.submit(submission([rec("a", { n: 1 }), rec("a", { n: 2 }), rec("a", { n: 3 })]));
    const polled = await w.poll(new AbortController().signal);
    w.ack(polled[0]!);
    w.ack(polled[0]!); // twice: nothing more
    w.ack({ ...polled[1]!, sourcePartition: { spool: "other" } }); // not this spool's record
    w.ack(polled[2]!); // the second is never acknowledged: its row stays
    store.flushDeletes();
    expect((await store.read("c1", 0, 10)).map((r) => r.seq)).toEqual([2]);
    expect(w.drained).toBe(2);
    w.close();
    await store.close();
  });
});
