import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { SourceMap } from "../../api/record.ts";
import type { IngestError } from "../../ingest/ingest-error.ts";
import type { IngestWriter } from "../../ingest/route-table.ts";
import { MemoryKafka } from "../../kafka/memory-kafka.ts";
import { RETRY_GRACE_MS } from "../../kafka/retry-grace.ts";
import { awaitFailed, awaitStopped, stopAndAwait } from "../../runtime/task-test-support.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import { getLogger, type Logger, LogManager } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import type { HttpIngestServices } from "./connector.ts";
import type { SpoolWriter } from "./spool-writer.ts";
import { HttpIngestSourceTask } from "./task.ts";
import { ingestRecord, ingestServices, ingestSourceTask } from "./test-support.ts";

/**
 * A started spool-mode task of connector c on a spool in `dir`, and the spool writer its route got; `stored` is the
 * offset its offset store holds, `logger` the task's.
 */
async function spoolModeTask(dir: string, stored: SourceMap | null = null, logger: Logger = getLogger("c")) {
  const store = await SpoolStore.open(dir);
  const { services, writer } = ingestServices({ spool: store });
  const task = new HttpIngestSourceTask(services);
  task.initialize({ offsetStorageReader: { offset: async () => stored }, logger, connectorName: "c" } as never);
  await task.start({ name: "c", "ingest.path": "/ingest/t", "kafka.topic": "t", "ingest.ack.mode": "spool" });
  return { store, task, writer: writer() as SpoolWriter };
}

const dyingWorker = new URL("../../../test/fixtures/spool-worker/dying-worker.ts", import.meta.url);
function sourceTask(
  services: HttpIngestServices,
  config: Record<string, string>,
  clock = new ManualClock(),
  maxInFlightBatches = 5,
) {
  const kafka = new MemoryKafka();
  const { task, listener } = ingestSourceTask({ services, kafka, config, options: { clock, maxInFlightBatches } });
  return { task, kafka, listener };
}

describe("HttpIngestSourceTask on the source runtime", () => {
  test("requests are answered when Kafka acknowledges, without waiting for any timer", async () => {
    const clock = new ManualClock();
    const { services, writer: attached } = ingestServices();
    const { task, kafka } = sourceTask(services, {}, clock);
    task.start();
    await waitFor(() => attached() !== undefined);
    const writer = attached();
    const never = new AbortController().signal;
    // Requests arriving together (and while the task is busy) share one poll; the ones after them
    // must still be polled at once, not after a back-off of the runtime.
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(
        [0, 1, 2].map((i) => writer!.submit({ topic: "t", records: [ingestRecord(`r${round}.${i}`)], signal: never })),
      );
      for (const outcomes of answers) expect(outcomes[0]!.kind).toBe("written");
    }
    expect(kafka.records("t").length).toBe(15);
    expect(clock.now()).toBe(0);
    // The only timers are the poll's maximum waits (each ended by a request) and the first send's watch on the
    // producer's connection (RETRY_GRACE_MS, ended once it connected: the held-send trace); no back-off.
    expect(clock.sleeps.filter((ms) => ms !== 1000)).toEqual([RETRY_GRACE_MS]);
    await stopAndAwait(task);
  });

  describe("when the task stops with records in flight", () => {
    async function inFlight() {
      const detached: IngestWriter[] = [];
      const { services, writer: attached } = ingestServices({ onDetach: (w) => detached.push(w) });
      // One batch in flight at most: the second request stays queued while the first awaits Kafka.
      const { task, kafka } = sourceTask(services, {}, new ManualClock(), 1);
      kafka.holdAcks();
      task.start();
      await waitFor(() => attached() !== undefined);
      const writer = attached();
      const never = new AbortController().signal;
      const answers: unknown[][] = [[], []];
      void writer!
        .submit({ topic: "t", records: [ingestRecord("sent")], signal: never })
        .then((o) => answers[0]!.push(...o));
      await waitFor(() => kafka.heldSends === 1, { what: "the first record on the wire" });
      void writer!
        .submit({ topic: "t", records: [ingestRecord("queued")], signal: never })
        .then((o) => answers[1]!.push(...o));
      task.stop();
      await waitFor(() => answers[1]!.length === 1, { what: "the queued record's answer" });
      expect(detached).toEqual([writer!]);
      return { task, kafka, answers, writer: writer! };
    }

    test("a record Kafka acknowledges after the stop began is answered as written; a queued one as not written", async () => {
      const { task, kafka, answers, writer } = await inFlight();
      expect(answers[1]).toEqual([
        {
          kind: "failed",
          message: "The ingest task of connector c is stopping; the record was not sent to Kafka",
          retriable: true,
          maybeWritten: false,
        },
      ]);
      expect(answers[0]).toEqual([]); // still awaiting Kafka, not failed by the stop
      expect(() =>
        writer.submit({ topic: "t", records: [ingestRecord("late")], signal: new AbortController().signal }),
      ).toThrow(expect.objectContaining({ status: 503 }));
      kafka.releaseAck(0);
      await awaitStopped(task);
      expect(answers[0]).toEqual([{ kind: "written", topic: "t", partition: 0, offset: 0, timestamp: 7 }]);
      expect(kafka.records("t")).toHaveLength(1); // the queued record was never sent
    });

    test("a record still unacknowledged once the sends in flight settled fails as may still be written", async () => {
      const { task, kafka, answers } = await inFlight();
      kafka.failAck(0, new Error("the connection closed"));
      await awaitStopped(task);
      expect(answers[0]).toEqual([
        {
          kind: "failed",
          message:
            "The ingest task of connector c stopped or failed before Kafka acknowledged the record; the record was handed to the producer and may still be written",
          retriable: true,
          maybeWritten: true,
        },
      ]);
    });
  });

  test("spool mode: a record Kafka refuses after the stop began is quarantined; acknowledgements after afterStop are ignored", async () => {
    await using dir = await tempDir("ingest-task-");
    const { store, task, writer } = await spoolModeTask(dir.path);
    await writer.submit({
      topic: "t",
      records: [ingestRecord("a"), ingestRecord("b"), ingestRecord("c")],
      signal: new AbortController().signal,
    });
    const polled = (await task.poll(new AbortController().signal))!;
    expect(polled).toHaveLength(3);
    task.stop();
    expect(await task.poll(new AbortController().signal)).toBeNull();
    const meta = { topic: "t", partition: 0, offset: 0, timestamp: 7 };
    const refused = { error: "INVALID_TIMESTAMP", message: "out of range" };
    task.commitRecords(polled.slice(0, 2), [meta, null], new Map([[1, refused]]));
    task.afterStop();
    task.commitRecords(polled.slice(2), [meta]); // too late: its row stays in the spool
    expect(writer.quarantined).toBe(1);
    expect(writer.drained).toBe(1);
    expect(store.stats("c").records).toBe(1);
    await store.close();
    const db = new Database(join(dir.path, "spool.db"), { readonly: true });
    expect(db.query("SELECT seq, kafka_error FROM spool_quarantine").all()).toEqual([
      { seq: 2, kafka_error: "INVALID_TIMESTAMP" },
    ]);
    expect(db.query("SELECT count(*) AS n FROM spool").get()).toEqual({ n: 1 });
    db.close();
  });

  test.each([
    ["a text seq", { seq: "abc" }],
    ["a negative seq", { seq: -1 }],
    ["no seq", { position: 3 }],
  ])(
    "spool mode: a stored offset that is no spool sequence (%s, written before PATCH checked them) is said once, naming the connector, and taken as none",
    async (_what, stored) => {
      await using dir = await tempDir("ingest-task-");
      const first = await spoolModeTask(dir.path);
      await first.writer.submit({ topic: "t", records: [ingestRecord("a")], signal: new AbortController().signal });
      first.task.stop();
      first.task.afterStop();
      await first.store.close();

      const lines: string[] = [];
      const logger = new LogManager({ sink: (l) => lines.push(l) }).get("c");
      const { store, task } = await spoolModeTask(dir.path, stored, logger);
      expect(lines).toEqual([
        expect.stringContaining(
          "WARN The stored offset of connector c's spool is not a spool sequence (its 'seq' must be a non-negative number): ignored, the spool is drained from its first record; PATCH /connectors/c/offsets (stopped) can write a valid one",
        ),
      ]);
      const polled = (await task.poll(new AbortController().signal))!;
      expect(polled.map((r) => r.sourceOffset)).toEqual([{ seq: 1 }]);
      task.stop();
      task.afterStop();
      await store.close();
    },
  );

  test("spool mode: a stored fractional seq (written before PATCH checked them) covers the rows up to its whole part, as it did, without a WARN (review P3-4)", async () => {
    await using dir = await tempDir("ingest-task-");
    const first = await spoolModeTask(dir.path);
    const records = [ingestRecord("a"), ingestRecord("b")];
    await first.writer.submit({ topic: "t", records, signal: new AbortController().signal });
    first.task.stop();
    first.task.afterStop();
    await first.store.close();

    const lines: string[] = [];
    const logger = new LogManager({ sink: (l) => lines.push(l) }).get("c");
    const { store, task } = await spoolModeTask(dir.path, { seq: 1.5 }, logger);
    const polled = (await task.poll(new AbortController().signal))!;
    expect(polled.map((r) => r.sourceOffset)).toEqual([{ seq: 2 }]);
    expect(lines).toEqual([]);
    task.stop();
    task.afterStop();
    await store.close();
  });

  test("spool mode: a drain's large batch is acknowledged (its rows deleted) 1,000 records an event-loop turn, in order", async () => {
    await using dir = await tempDir("ingest-task-");
    const { store, task, writer } = await spoolModeTask(dir.path);
    const records = Array.from({ length: 4_500 }, (_, i) => ingestRecord(`r${i}`));
    await writer.submit({ topic: "t", records, signal: new AbortController().signal });
    const metadata = (batch: unknown[], from: number) =>
      batch.map((_, i) => ({ topic: "t", partition: 0, offset: from + i, timestamp: 7 }));
    // Read while the append had just arrived: 2,000 rows (DrainReads); the next read, with no
    // append since, the rest.
    const first = (await task.poll(new AbortController().signal))!;
    expect(first).toHaveLength(2_000);
    await task.commitRecords(first, metadata(first, 0));
    const polled = (await task.poll(new AbortController().signal))!;
    expect(polled).toHaveLength(2_500);
    const acknowledged = task.commitRecords(polled, metadata(polled, 2_000));
    // The rest of the batch waits for the next turns: devices' requests are handled in between.
    expect(writer.drained).toBe(3_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.drained).toBe(4_000);
    await acknowledged;
    expect(writer.drained).toBe(4_500);
    expect(store.stats("c").records).toBe(0);
    task.stop();
    task.afterStop();
    await store.close();
    const db = new Database(join(dir.path, "spool.db"), { readonly: true });
    expect(db.query("SELECT count(*) AS n FROM spool").get()).toEqual({ n: 0 });
    db.close();
  });

  test("spool mode: when the spool's worker dies, requests get 503 and the task goes FAILED saying why", async () => {
    await using dir = await tempDir("ingest-task-");
    const store = await SpoolStore.open(dir.path, { workerUrl: dyingWorker });
    const { services, writer: attached } = ingestServices({ spool: store });
    const { task, listener } = sourceTask(services, { "ingest.ack.mode": "spool" });
    task.start();
    await waitFor(() => attached() !== undefined);
    const writer = attached();
    const refused = await writer!
      .submit({ topic: "t", records: [ingestRecord("r")], signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect([(refused as IngestError).status, (refused as Error).message]).toEqual([
      503,
      expect.stringContaining("The spool of connector c is not durable any more"),
    ]);
    await awaitFailed(listener);
    expect((listener.failure as Error).message).toMatch(
      /^The spool of connector c is not durable any more, so nothing more is accepted \(The spool worker failed: the disk caught fire\)/,
    );
    await stopAndAwait(task);
    await store.close();
  });
});
