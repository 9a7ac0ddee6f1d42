import { describe, expect, test } from "bun:test";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { IngestError } from "../../ingest/ingest-error.ts";
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import { LogManager } from "../../util/logger.ts";
import { HttpIngestSourceConnector } from "./connector.ts";
import { spoolPartition } from "./spool-offset.ts";
import { START_RETRY_MS } from "./spool-start.ts";
import { SpoolWriter } from "./spool-writer.ts";
import { toSourceRecord } from "./task.ts";
import { ingestServices, SPOOL_CONFIG } from "./test-support.ts";

const rec = (value: unknown): IngestRecord => ({
  key: "k",
  value,
  headers: [],
  partition: null,
  timestamp: null,
  bytes: 10,
});
const submission = (records: IngestRecord[]) => ({ topic: "t1", records, signal: new AbortController().signal });

/** `store` whose next `failures` deleteThrough calls fail as on a full disk (the worker's SQLITE_FULL). */
function failingDeletes(store: SpoolStore, failures: number): SpoolStore {
  let left = failures;
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === "deleteThrough")
        return (partition: string, seq: number) =>
          left-- > 0 ? Promise.reject(new Error("database or disk is full")) : target.deleteThrough(partition, seq);
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("SpoolWriter.start when the delivered rows cannot be deleted (a full disk)", () => {
  test("the task starts; requests get 503 and nothing is polled until the retried delete works, then the undelivered rows are sent", async () => {
    await using dir = await tempDir("spool-start-");
    const store = await SpoolStore.open(dir.path);
    const first = new SpoolWriter({
      store,
      connector: "c1",
      maxBytes: 1_000_000,
      maxPoll: 100,
      retryAfterSeconds: 7,
      toSourceRecord,
      committedSeq: null,
    });
    for (const n of [1, 2, 3]) await first.submit(submission([rec({ n })]));
    first.close();

    const timers: (() => void)[] = [];
    const lines: string[] = [];
    const w = new SpoolWriter({
      store: failingDeletes(store, 2),
      connector: "c1",
      maxBytes: 1_000_000,
      maxPoll: 100,
      retryAfterSeconds: 7,
      toSourceRecord,
      committedSeq: 2, // records 1 and 2 were delivered; their delete is what fails
      log: new LogManager({ sink: (l) => lines.push(l) }).get("test"),
      setTimer: (run, ms) => {
        expect(ms).toBe(START_RETRY_MS);
        timers.push(run);
        return { cancel: () => {} };
      },
    });
    await w.start();
    expect(lines).toEqual([
      expect.stringContaining(
        "WARN The spool of connector c1 could not delete the rows its committed offset covers (sequence 2: database or disk is full): requests to it are answered 503",
      ),
    ]);
    const refused = (await w.submit(submission([rec({ n: 4 })])).catch((e: unknown) => e)) as IngestError;
    expect([refused.status, refused.message]).toEqual([
      503,
      "The spool of connector c1 cannot take records yet: it could not delete the rows already delivered (database or disk is full); retry later",
    ]);
    const abort = new AbortController();
    const polled = w.poll(abort.signal);

    timers.shift()!(); // still full: tried again later
    await waitFor(() => timers.length === 1, { what: "the next retry scheduled" });
    timers.shift()!(); // room again
    const records = await polled;
    expect(records.map((r) => r.sourceOffset)).toEqual([{ seq: 3 }]);
    expect(lines.at(-1)).toContain("INFO The spool of connector c1 deleted the rows its committed offset covers");
    expect((await w.submit(submission([rec({ n: 4 })])))[0]).toEqual({ kind: "spooled", sequence: 4 });
    expect(store.stats("c1").records).toBe(2);
    w.close();
    await store.close();
  });
});

describe("SpoolWriter.start after an offset written above every sequence of the spool file (PATCH .../offsets)", () => {
  test("the connector's alterOffsets raised the file's sequence: the start deletes the rows up to it, without the lost-file WARN, and new records come after it", async () => {
    await using dir = await tempDir("spool-start-");
    const store = await SpoolStore.open(dir.path);
    const options = { store, connector: "c", maxBytes: 1_000_000, maxPoll: 100, retryAfterSeconds: 7, toSourceRecord };
    const first = new SpoolWriter({ ...options, committedSeq: null });
    for (const n of [1, 2, 3]) await first.submit(submission([rec({ n })]));
    first.close();

    const connector = new HttpIngestSourceConnector(ingestServices({ spool: store }).services);
    const offset = { seq: 10 }; // the operator skips what the spool holds, and more
    expect(
      await connector.alterOffsets(SPOOL_CONFIG, [{ partition: spoolPartition("c"), offset }], undefined, "c"),
    ).toBe(true);

    const lines: string[] = [];
    const log = new LogManager({ sink: (l) => lines.push(l) }).get("test");
    const w = new SpoolWriter({ ...options, committedSeq: offset.seq, log });
    await w.start();
    expect(lines).toEqual([]);
    expect(store.stats("c").records).toBe(0);
    expect((await w.submit(submission([rec({ n: 4 })])))[0]).toEqual({ kind: "spooled", sequence: 11 });
    const polled = await w.poll(new AbortController().signal);
    expect(polled.map((r) => [r.value, r.sourceOffset])).toEqual([[{ n: 4 }, { seq: 11 }]]);
    w.close();
    await store.close();
  });
});
