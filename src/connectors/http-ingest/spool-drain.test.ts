/**
 * The spool drainer on the source runtime with several produce requests in flight (issue 12 point
 * 8): the HttpIngestSourceTask in ingest.ack.mode=spool, a real SpoolStore, the runtime's
 * WorkerSourceTask and a pipelining in-memory producer that, as the KafkaProducer port demands,
 * fails every later send once one failed.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { killedCopy } from "../../../test/support/kill-accounting.ts";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ConnectError, RetriableError } from "../../errors.ts";
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import type { IngestWriter } from "../../ingest/route-table.ts";
import { MemoryKafka } from "../../kafka/memory-kafka.ts";
import { markNeverSent, withKafkaError } from "../../kafka/send-rejection.ts";
import type { WorkerSourceTaskOptions } from "../../runtime/source-task-lifecycle.ts";
import {
  awaitFailed,
  awaitStopped,
  memoryOffsetStore,
  stopAndAwait,
  taskBasics,
} from "../../runtime/task-test-support.ts";
import type { OffsetStore } from "../../store/offset-store.ts";
import { SPOOL_FILE } from "../../store/spool-file.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import { httpIngestSource } from "./index.ts";
import { ingestServices, ingestSourceTask, SPOOL_CONFIG } from "./test-support.ts";

const lateDeletes = new URL("../../../test/fixtures/spool-worker/late-delete-worker.ts", import.meta.url);
const quarantineDies = new URL("../../../test/fixtures/spool-worker/quarantine-dying-worker.ts", import.meta.url);
const quarantineStuck = new URL("../../../test/fixtures/spool-worker/quarantine-stuck-worker.ts", import.meta.url);

const record = (key: string, value: string): IngestRecord => ({
  key,
  value,
  headers: [],
  partition: null,
  timestamp: 7,
  bytes: value.length,
});

/** A spool-mode ingest task on the runtime, bounded in flight as the worker bounds it; `more` adds to its options. */
function drainer(
  store: SpoolStore,
  kafka: MemoryKafka,
  offsets: OffsetStore,
  tolerance: "none" | "all" = "none",
  more: Partial<WorkerSourceTaskOptions> = {},
) {
  const { services, writer } = ingestServices({ spool: store });
  const { task, listener } = ingestSourceTask({
    services,
    kafka,
    config: SPOOL_CONFIG,
    basics: taskBasics(tolerance),
    options: {
      keepOrder: httpIngestSource().keepsOrder?.(SPOOL_CONFIG) ?? false,
      offsets,
      // As worker.ts: the producer's max.in.flight.requests.per.connection (5).
      maxInFlightBatches: 5,
      offsetFlushIntervalMs: 0,
      ...more,
    },
  });
  return { task, listener, writer };
}

/** Kafka refuses the record `v3` for good (alone too): it goes to the spool's quarantine. */
function refuseV3(kafka: MemoryKafka): void {
  kafka.rejectRecords(
    (r) => new TextDecoder().decode(r.value!) === "v3",
    () =>
      withKafkaError(new ConnectError("Kafka rejected 1 record(s) for t-0: INVALID_TIMESTAMP"), "INVALID_TIMESTAMP"),
  );
}
const never = new AbortController().signal;
const decoded = (kafka: MemoryKafka) =>
  kafka.records("t").map((r) => `${new TextDecoder().decode(r.key!)}=${new TextDecoder().decode(r.value!)}`);
/** Eight records of two keys, in spool order. */
const SPOOLED = Array.from({ length: 8 }, (_, i) => `k${i % 2}=v${i}`);

/** One request of all of them: one append, so the drainer finds them all there at its next poll. */
async function spoolAll(writer: IngestWriter): Promise<void> {
  const records = SPOOLED.map((entry) => {
    const [key, value] = entry.split("=") as [string, string];
    return record(key, value);
  });
  const outcomes = await writer.submit({ topic: "t", records, signal: never });
  expect(outcomes.map((o) => o.kind)).toEqual(SPOOLED.map(() => "spooled"));
}

/**
 * SPOOLED in a fresh spool, drained by a started task on a MemoryKafka that holds its
 * acknowledgements (`pipelining` requests at once; `idempotent` as the producer's). Disposing it
 * removes the spool's directory.
 */
async function spooledAndDraining(producer: { pipelining: number; idempotent?: boolean }) {
  const dir = await tempDir("spool-drain-");
  const store = await SpoolStore.open(dir.path);
  const kafka = new MemoryKafka();
  kafka.pipelining = producer.pipelining;
  if (producer.idempotent !== undefined) kafka.idempotent = producer.idempotent;
  kafka.holdAcks();
  const offsets = memoryOffsetStore();
  const first = drainer(store, kafka, offsets);
  first.task.start();
  await waitFor(() => first.writer() !== undefined);
  await spoolAll(first.writer()!);
  return { store, kafka, offsets, first, [Symbol.asyncDispose]: () => dir[Symbol.asyncDispose]() };
}

/**
 * SPOOLED in a fresh spool in `dir` whose worker is `workerUrl` (a fixture's), drained by a started
 * task on a MemoryKafka that refuses v3 for good: the drain quarantines v3 through that worker.
 */
async function quarantiningDrain(dir: string, workerUrl: URL) {
  const store = await SpoolStore.open(dir, { workerUrl });
  const kafka = new MemoryKafka();
  refuseV3(kafka);
  const offsets = memoryOffsetStore();
  const { task, writer } = drainer(store, kafka, offsets);
  task.start();
  await waitFor(() => writer() !== undefined);
  await spoolAll(writer()!);
  return { store, kafka, offsets, task };
}

/** Until every spooled row is acknowledged and deleted. */
async function untilDrained(store: SpoolStore): Promise<void> {
  await waitFor(
    () => {
      store.flushDeletes();
      return store.stats("c").records === 0;
    },
    { what: "the spool drained" },
  );
}

/**
 * Every spooled record in Kafka once, in spool order; the first task never left RUNNING, stops,
 * and committed the whole spool.
 */
async function expectAllDeliveredOnce(spool: Awaited<ReturnType<typeof spooledAndDraining>>): Promise<void> {
  const { store, kafka, offsets, first } = spool;
  expect(decoded(kafka)).toEqual(SPOOLED);
  expect(first.listener.events).toEqual(["RUNNING"]);
  await stopAndAwait(first.task);
  expect(offsets.get("c", { spool: "c" })).toEqual({ seq: 8 });
  await store.close();
}

describe("the spool drainer with several produce requests in flight", () => {
  test.each(["none", "all"] as const)(
    "a record Kafka refuses for good on its own goes to the quarantine and the drain goes on (P1.1; errors.tolerance=%s)",
    async (tolerance) => {
      await using dir = await tempDir("spool-drain-");
      const store = await SpoolStore.open(dir.path);
      const kafka = new MemoryKafka();
      kafka.pipelining = 3;
      refuseV3(kafka);
      const offsets = memoryOffsetStore();
      const first = drainer(store, kafka, offsets, tolerance);
      first.task.start();
      await waitFor(() => first.writer() !== undefined);
      await spoolAll(first.writer()!);
      await untilDrained(store);
      expect(decoded(kafka)).toEqual(SPOOLED.filter((e) => e !== "k1=v3"));
      expect(first.listener.events).toEqual(["RUNNING"]);
      await stopAndAwait(first.task);
      expect(offsets.get("c", { spool: "c" })).toEqual({ seq: 8 });
      // A restarted task finds nothing to send: the refused record blocks nothing any more.
      const sends = kafka.sends;
      const second = drainer(store, kafka, offsets, tolerance);
      second.task.start();
      await waitFor(() => second.writer() !== undefined);
      await second.writer()!.submit({ topic: "t", records: [record("k9", "v9")], signal: never });
      await untilDrained(store);
      expect(decoded(kafka).at(-1)).toBe("k9=v9");
      expect(kafka.sends).toBe(sends + 1);
      expect(second.listener.events).toEqual(["RUNNING"]);
      await stopAndAwait(second.task);
      await store.close();
      const db = new Database(join(dir.path, SPOOL_FILE), { readonly: true });
      expect(db.query("SELECT seq, topic, kafka_error FROM spool_quarantine").all()).toEqual([
        { seq: 4, topic: "t", kafka_error: "INVALID_TIMESTAMP" },
      ]);
      db.close();
    },
  );

  test("a request failing in the middle (Kafka unreachable) goes again before anything after it: each record lands once, in spool order, and only acknowledged rows are deleted", async () => {
    await using spool = await spooledAndDraining({ pipelining: 3 });
    const { store, kafka } = spool;
    // Three requests on the wire at once (one poll batch each), none acknowledged: nothing deleted.
    await waitFor(() => kafka.heldSends === 3, { what: "three requests in flight" });
    expect(kafka.sendSizes).toEqual([2, 2, 2]);
    expect(store.stats("c").records).toBe(8);
    // The second fails (Kafka unreachable), the first is written; the third was sent after the
    // failed one, so the producer rejects it (the port's contract).
    kafka.failAck(1, new RetriableError("NOT_ENOUGH_REPLICAS"));
    kafka.releaseAck(0);
    kafka.releaseAck(2);
    await waitFor(() => kafka.heldSends === 4, { what: "the failed request sent again" });
    expect(decoded(kafka)).toEqual(SPOOLED.slice(0, 2));
    store.flushDeletes();
    expect(store.stats("c").records).toBe(6);
    // From here on Kafka answers at once: the failed request, then the rest, in spool order.
    kafka.releaseAcks();
    await untilDrained(store);
    await expectAllDeliveredOnce(spool);
  });

  test("a request rejected for good in the middle fails the task; the rows of records not known written stay and a restarted task sends them again in spool order (duplicates, never a loss)", async () => {
    await using spool = await spooledAndDraining({ pipelining: 3 });
    const { store, kafka, offsets, first } = spool;
    await waitFor(() => kafka.heldSends === 3, { what: "three requests in flight" });
    // The second request is rejected for good (`v3` is, also on its own); the first is written;
    // the third was sent after the failed one, so the producer rejects it (the port's contract).
    // The spool is empty by then: the drainer waits in poll for more, and must fail all the same.
    kafka.rejectRecords(
      (r) => new TextDecoder().decode(r.value!) === "v3",
      () => new Error("INVALID_RECORD"),
    );
    kafka.failAck(1, new Error("INVALID_RECORD"));
    kafka.releaseAck(0);
    kafka.releaseAck(2);
    kafka.releaseAcks(); // the recovery's sends are answered at once
    await awaitFailed(first.listener);
    await stopAndAwait(first.task);
    store.flushDeletes();
    // The first request's rows went, and v2's: written one by one before the culprit, it is told
    // written although its poll batch failed (splitrest). v3's row and all later ones stay; the
    // offset committed is the failed batch's written prefix (prefixoff), never past v3.
    expect(store.stats("c").records).toBe(5);
    expect(offsets.get("c", { spool: "c" })).toEqual({ seq: 3 });
    const before = decoded(kafka);
    expect(before).toEqual(SPOOLED.slice(0, 3));

    // Kafka takes everything again; a new task drains the rows left, from the committed offset.
    kafka.rejectRecords(
      () => false,
      () => new Error("unused"),
    );
    const second = drainer(store, kafka, offsets);
    second.task.start();
    await untilDrained(store);
    const after = decoded(kafka).slice(before.length);
    expect(after).toEqual(SPOOLED.slice(3));
    // Every spooled record is in Kafka; the first copies of each record are in spool order.
    const all = decoded(kafka);
    const firstCopies = all.filter((entry, i) => all.indexOf(entry) === i);
    expect(firstCopies).toEqual(SPOOLED);
    await stopAndAwait(second.task);
    await store.close();
  });

  // review-splitrest P2-1: each record its own request; the first poll batch is [A, B], the second [C]. A is
  // acknowledged, B's attempt fails for good and may have written B, C's never reached a broker. The task fails;
  // A's row is deleted (it was kept before, and the restarted task wrote A twice), B's and C's are kept and sent again.
  test("a poll batch failed for good: its acknowledged row is deleted, the maybe-written and unsent rows are kept and sent again by a restarted task", async () => {
    await using dir = await tempDir("spool-drain-");
    const store = await SpoolStore.open(dir.path);
    const kafka = new MemoryKafka();
    kafka.pipelining = 5;
    kafka.holdAcks();
    const offsets = memoryOffsetStore();
    const oneRecordRequests = { maxRequestBytes: 1 };
    const first = drainer(store, kafka, offsets, "none", oneRecordRequests);
    first.task.start();
    await waitFor(() => first.writer() !== undefined);
    const outcomes = await first.writer()!.submit({
      topic: "t",
      records: [record("k", "A"), record("k", "B"), record("k", "C")],
      signal: never,
    });
    expect(outcomes.map((o) => o.kind)).toEqual(["spooled", "spooled", "spooled"]);
    await waitFor(() => kafka.heldSends === 3, { what: "A, B, C on the wire" });
    kafka.releaseAck(0);
    kafka.failAck(2, markNeverSent(new RetriableError("no connection")));
    kafka.failAck(1, new Error("the broker answered something odd"));
    await awaitFailed(first.listener);
    await stopAndAwait(first.task);
    store.flushDeletes();
    expect(decoded(kafka)).toEqual(["k=A"]);
    expect(store.stats("c").records).toBe(2);

    kafka.releaseAcks();
    const second = drainer(store, kafka, offsets, "none", oneRecordRequests);
    second.task.start();
    await untilDrained(store);
    await stopAndAwait(second.task);
    expect(decoded(kafka)).toEqual(["k=A", "k=B", "k=C"]);
    await store.close();
  });

  test("a stop with several requests in flight: what Kafka acknowledged meanwhile is committed and not sent again by the next task", async () => {
    await using spool = await spooledAndDraining({ pipelining: 3 });
    const { store, kafka, offsets, first } = spool;
    await waitFor(() => kafka.heldSends === 3, { what: "three requests in flight" });
    // The stop comes first (the SpoolWriter is closed), the acknowledgements after it.
    first.task.stop();
    kafka.releaseAcks();
    await awaitStopped(first.task);
    const delivered = decoded(kafka).length;
    expect(delivered).toBeGreaterThanOrEqual(6);
    expect(offsets.get("c", { spool: "c" })).toEqual({ seq: delivered });

    const second = drainer(store, kafka, offsets);
    second.task.start();
    await untilDrained(store);
    expect(decoded(kafka)).toEqual(SPOOLED);
    await stopAndAwait(second.task);
    await store.close();
  });
});

describe("the spool drainer and a kill -9 (crashhunt P2)", () => {
  // At start a drainer deletes every row its committed offset covers (SpoolStart): an offset that
  // reached gateway.db before a quarantined record reached spool.db (a kill -9 in between) made the
  // restart delete that record, never quarantined, one its device was told was safe.
  test("a record Kafka refuses for good is in the spool file's quarantine before an offset past it is committed", async () => {
    await using dir = await tempDir("spool-drain-");
    // The worker runs the drainer's deletes late (after two more appends), as a busy one may.
    const store = await SpoolStore.open(dir.path, { workerUrl: lateDeletes });
    const kafka = new MemoryKafka();
    refuseV3(kafka);
    const quarantined = () => {
      const db = killedCopy(dir.path, SPOOL_FILE, dir.path);
      try {
        return db.query("SELECT seq FROM spool_quarantine").all().length;
      } finally {
        db.close();
      }
    };
    // Each offset write: the committed sequence and what a kill -9 then would leave quarantined.
    const writes: { seq: number; quarantined: number }[] = [];
    const offsets = memoryOffsetStore();
    const write = offsets.write.bind(offsets);
    offsets.write = (connector, entries) => {
      for (const e of entries) writes.push({ seq: Number(e.offset!.seq), quarantined: quarantined() });
      write(connector, entries);
    };
    const { task, writer } = drainer(store, kafka, offsets);
    task.start();
    await waitFor(() => writer() !== undefined);
    // v3 (sequence 4) is refused; the second request's poll returns before its quarantine is written.
    await spoolAll(writer()!);
    await waitFor(() => kafka.records("t").length === 7, { what: "the first request drained" });
    for (const [value, delivered] of [
      ["v8", 8],
      ["v9", 9],
    ] as const) {
      await writer()!.submit({ topic: "t", records: [record("k", value)], signal: never });
      await waitFor(() => kafka.records("t").length === delivered, { what: `${value} drained` });
    }
    await stopAndAwait(task);
    await store.close();
    expect(writes.at(-1)?.seq).toBe(10);
    expect(writes.filter((w) => w.seq >= 4 && w.quarantined === 0)).toEqual([]);
    expect(quarantined()).toBe(1);
  });
  test("a spool worker dying before it wrote a quarantined record: no offset is committed past it (a restart would delete its row)", async () => {
    await using dir = await tempDir("spool-drain-");
    const { store, offsets, task } = await quarantiningDrain(dir.path, quarantineDies);
    await waitFor(() => store.failure !== undefined, { what: "the spool worker's death" });
    await stopAndAwait(task);
    await store.close();
    // v3 is sequence 4: its row is still in the file, never quarantined.
    expect(Number(offsets.get("c", { spool: "c" })?.seq ?? 0)).toBeLessThan(4);
  });
  test("a batch given up at a stop after one of its records was refused: no offset passes that record before the dying worker quarantined it", async () => {
    await using dir = await tempDir("spool-drain-");
    const store = await SpoolStore.open(dir.path, { workerUrl: quarantineDies });
    const kafka = new MemoryKafka();
    // v2 is refused for good, v3 for now (a leader change that outlasts the stop): each is sent alone.
    let hit = "";
    let v3Sends = 0;
    kafka.rejectRecords(
      (r) => {
        const v = new TextDecoder().decode(r.value!);
        if (v !== "v2" && v !== "v3") return false;
        hit = v;
        if (v === "v3") v3Sends++;
        return true;
      },
      () =>
        hit === "v2"
          ? withKafkaError(
              new ConnectError("Kafka rejected 1 record(s) for t-0: INVALID_TIMESTAMP"),
              "INVALID_TIMESTAMP",
            )
          : new RetriableError("NOT_LEADER_OR_FOLLOWER for t-0"),
    );
    const offsets = memoryOffsetStore();
    const { task, writer } = drainer(store, kafka, offsets);
    task.start();
    await waitFor(() => writer() !== undefined);
    await spoolAll(writer()!);
    await waitFor(() => v3Sends >= 3, { what: "v3 retried" });
    // The stop gives the batch up: v2, refused on its own, is quarantined through a worker that dies doing it.
    await stopAndAwait(task);
    await store.close();
    expect(decoded(kafka)).toEqual(["k0=v0", "k1=v1"]);
    // v2 is sequence 3: its row is still in the file, never quarantined; an offset at 3 makes a restart delete it.
    expect(Number(offsets.get("c", { spool: "c" })?.seq ?? 0)).toBeLessThan(3);
  });
  test("a quarantine the worker cannot write (a full disk): the drain waits, a stop is cut short by the cancel, the close completes, no offset passes it", async () => {
    await using dir = await tempDir("spool-drain-");
    const { store, kafka, offsets, task } = await quarantiningDrain(dir.path, quarantineStuck);
    await waitFor(() => kafka.records("t").length === 7, { what: "the request drained" });
    task.stop();
    expect(await task.awaitStop(300)).toBe(false);
    task.cancel();
    await store.close();
    expect(Number(offsets.get("c", { spool: "c" })?.seq ?? 0)).toBeLessThan(4);
  });
});

describe("the spool drainer while the spool is empty", () => {
  test("its offsets are committed on the interval, as Connect's timer commits them: not only when more records come or at the stop", async () => {
    await using spool = await spooledAndDraining({ pipelining: 3 });
    const { store, kafka, offsets } = spool;
    kafka.releaseAcks();
    await untilDrained(store);
    // The drained spool's poll returns empty (after a second at most), so the runtime's loop commits.
    await waitFor(() => offsets.get("c", { spool: "c" })?.seq === 8, { what: "the drained spool's offset committed" });
    await expectAllDeliveredOnce(spool);
  });
});

describe("the spool drainer on a producer that is not idempotent (spool-order-fix point 1)", () => {
  // acks=1/0, enable.idempotence=false, more than 5 in flight or retries=0 turn idempotence off:
  // such a producer may write a retried batch after a later one, so the drainer keeps one request
  // in flight. With the default idempotent producer it keeps several (the tests above: three).
  test("keeps one request in flight: a request failing (Kafka unreachable) goes again first, the rest follow merged, in spool order", async () => {
    await using spool = await spooledAndDraining({ pipelining: 5, idempotent: false });
    const { store, kafka } = spool;
    const { task } = spool.first;
    // Every poll batch taken, one request on the wire: the other three wait behind it.
    await waitFor(() => kafka.heldSends === 1 && task.metrics.sourceRecordPollTotal === 8, {
      what: "all polled, one request in flight",
    });
    kafka.failAck(0, new RetriableError("NOT_LEADER_OR_FOLLOWER"));
    await waitFor(() => kafka.heldSends === 2, { what: "the failed request sent again" });
    expect(kafka.sendSizes).toEqual([2, 2]);
    expect(decoded(kafka)).toEqual([]);
    kafka.releaseAcks();
    await untilDrained(store);
    // Never a second request beside the first: the three batches polled meanwhile went as one.
    expect(kafka.sendSizes).toEqual([2, 2, 6]);
    await expectAllDeliveredOnce(spool);
  });
});
