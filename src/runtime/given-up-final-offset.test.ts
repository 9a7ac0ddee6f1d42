// A poll batch given up at a stop is not acknowledged as a whole: the records Kafka wrote of it reach the task's
// commitRecord only, never commitRecords (a whole acknowledged batch). The HTTP source's commitRecords marks the poll's
// final offset acknowledged (FinalOffset): handed part of a given-up batch, it would save the offset past records never
// written, lost on restart (review-splitacl P1).
import { expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SourceOffsetUpdate } from "../api/connector.ts";
import { Schemas } from "../api/data/schema.ts";
import { type SourceRecord, sourceRecord } from "../api/record.ts";
import { FinalOffset } from "../connectors/http-source/final-offset.ts";
import { RetriableError } from "../errors.ts";
import type { KafkaProducer, ProducedMetadata, ProducerRecord } from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import {
  leaderAway,
  memoryOffsetStore,
  memorySourceTask,
  producerThrough,
  QueuedSource,
  stopAndAwait,
} from "./task-test-support.ts";

const PARTITION = { url: "u" };
const rec = (topic: string, n: number) =>
  sourceRecord({
    topic,
    value: `v${n}`,
    valueSchema: Schemas.STRING,
    sourcePartition: PARTITION,
    sourceOffset: { page: n },
  });

/** As HttpSourceTask: commitRecords -> FinalOffset.acknowledged, updateOffsets -> FinalOffset.take. */
class HttpLikeSource extends QueuedSource {
  readonly final = new FinalOffset();
  readonly committed: string[] = [];
  commitRecords(records: ReadonlyArray<SourceRecord>): void {
    this.committed.push(...records.map((r) => String(r.value)));
    this.final.acknowledged(records);
  }
  updateOffsets(): SourceOffsetUpdate[] | null {
    return this.final.take(PARTITION);
  }
}

/**
 * Runs an HttpLikeSource that polls `polls`, the last one ending after `lastRecord` with the final offset
 * `{ page: 99 }` (an empty last page), on a producer whose `send` is `o.send` (`n`: the call's number from 1,
 * `inner`: a MemoryKafka producer), and stops it once `o.sends` sends were made. Says what was written to p
 * and q, what commitRecords got and the offset stored.
 */
async function stopAfterSends(o: {
  polls: SourceRecord[][];
  lastRecord: SourceRecord;
  maxInFlight: number;
  sends: number;
  send: (inner: KafkaProducer, records: readonly ProducerRecord[], n: number) => Promise<ProducedMetadata[]>;
  maxInFlightBatches?: number;
}) {
  const kafka = new MemoryKafka();
  const offsets = memoryOffsetStore();
  const plugin = new HttpLikeSource();
  let calls = 0;
  const { task } = memorySourceTask({
    plugin,
    taskClass: "test.HttpLike",
    kafka,
    options: {
      producer: producerThrough(kafka, o.maxInFlight, (inner, records, n) => {
        calls = n;
        return o.send(inner, records, n);
      }),
      offsets,
      offsetFlushIntervalMs: 0,
      ...(o.maxInFlightBatches === undefined ? {} : { maxInFlightBatches: o.maxInFlightBatches }),
    },
  });
  plugin.queue.push(...o.polls);
  plugin.final.ended(o.lastRecord, { page: 99 });
  task.start();
  await waitFor(() => calls >= o.sends);
  await stopAndAwait(task);
  return {
    p: kafka.records("p").length,
    q: kafka.records("q").length,
    committed: plugin.committed,
    offset: offsets.get("c", PARTITION),
  };
}

// The poll ended after its last record, which does not carry the poll's final offset (an empty last page); topic p's
// leader is away, so its record is never written. prefixoff: the written prefix of a given-up batch stages the records'
// own offsets (each says where to resume after it, poll-run.ts), never the poll's final offset, which only
// commitRecords of the whole batch acknowledges.
test.each([
  ["whose last record was written, an earlier one not: the poll's final offset is not committed", "p", "q", null],
  [
    "whose first record was written, the last not: that record's own offset is committed, not the poll's final one",
    "q",
    "p",
    { page: 1 },
  ],
] as const)("a stop gives up a batch %s", async (_what, firstTopic, lastTopic, offset) => {
  const first = rec(firstTopic, 1);
  const last = rec(lastTopic, 2);
  const outcome = await stopAfterSends({
    polls: [[first, last]],
    lastRecord: last,
    maxInFlight: 1,
    sends: 2,
    send: leaderAway("p"),
  });
  // The unwritten record's position is never passed (a restart would skip it).
  expect(outcome).toEqual({ p: 0, q: 1, committed: [], offset });
});

test("a stop gives up batch A (retried) and batch B acknowledged after it: B's poll's final offset is not committed past A", async () => {
  const second = Promise.withResolvers<void>();
  const a = rec("p", 1);
  const b = rec("q", 2);
  const outcome = await stopAfterSends({
    polls: [[a], [b]],
    lastRecord: b,
    maxInFlight: 5,
    maxInFlightBatches: 5,
    sends: 3,
    async send(inner, records, n) {
      if (records.some((r) => r.topic === "p")) {
        if (n === 1) await second.promise; // fails once B is on the wire
        throw new RetriableError("NOT_LEADER_OR_FOLLOWER for p-0"); // A never written
      }
      second.resolve();
      return inner.send(records);
    },
  });
  expect(outcome).toEqual({ p: 0, q: 1, committed: [], offset: null });
});
