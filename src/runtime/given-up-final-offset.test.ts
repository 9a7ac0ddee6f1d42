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
import type { ProducerRecord } from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { ActiveTopics } from "./active-topics.ts";
import { memoryOffsetStore, QueuedSource, stopAndAwait, stringConverters, taskBasics } from "./task-test-support.ts";
import { TransformationChain } from "./transformation-chain.ts";
import { WorkerSourceTask } from "./worker-source-task.ts";

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

test("a stop gives up a batch whose last record was written, an earlier one not: the poll's final offset is not committed", async () => {
  const kafka = new MemoryKafka();
  const offsets = memoryOffsetStore();
  const plugin = new HttpLikeSource();
  const basics = taskBasics("none");
  let sends = 0;
  const task = new WorkerSourceTask({
    ...basics,
    initialState: "STARTED",
    task: plugin,
    taskClass: "test.HttpLike",
    config: {},
    producer: async () => {
      const inner = await kafka.producer();
      return {
        maxInFlight: 1,
        close: () => inner.close(),
        async send(records: readonly ProducerRecord[]) {
          sends++;
          // Partition q is written; p's leader is away (retriable), for every attempt.
          const qs = records.filter((r) => r.topic === "q");
          const q = qs.length > 0 ? await inner.send(qs) : [];
          let k = 0;
          const written = records.map((r) => (r.topic === "q" ? q[k++]! : null));
          throw Object.assign(new RetriableError("NOT_LEADER_OR_FOLLOWER for p-0"), { written });
        },
      };
    },
    converters: stringConverters,
    transformations: TransformationChain.EMPTY,
    offsets,
    maxRequestBytes: 1_048_576,
    offsetFlushIntervalMs: 0,
    activeTopics: new ActiveTopics(() => true),
  });
  const first = rec("p", 1);
  const last = rec("q", 2);
  plugin.queue.push([first, last]);
  // The poll ended after `last`, which does not carry the poll's final offset (an empty last page).
  plugin.final.ended(last, { page: 99 });
  task.start();
  await waitFor(() => sends >= 2);
  await stopAndAwait(task);
  expect(kafka.records("p")).toHaveLength(0); // v1 never written
  expect(kafka.records("q")).toHaveLength(1);
  expect(plugin.committed).toEqual([]);
  // The stored offset must not be past v1 (never written): a restart would skip it.
  expect(offsets.get("c", PARTITION)).toBeNull();
});

test("a stop gives up batch A (retried) and batch B acknowledged after it: B's poll's final offset is not committed past A", async () => {
  const kafka = new MemoryKafka();
  const offsets = memoryOffsetStore();
  const plugin = new HttpLikeSource();
  const basics = taskBasics("none");
  let calls = 0;
  const second = Promise.withResolvers<void>();
  const task = new WorkerSourceTask({
    ...basics,
    initialState: "STARTED",
    task: plugin,
    taskClass: "test.HttpLike",
    config: {},
    producer: async () => {
      const inner = await kafka.producer();
      return {
        maxInFlight: 5,
        close: () => inner.close(),
        async send(records: readonly ProducerRecord[]) {
          calls++;
          if (records.some((r) => r.topic === "p")) {
            if (calls === 1) await second.promise; // fails once B is on the wire
            throw new RetriableError("NOT_LEADER_OR_FOLLOWER for p-0"); // A never written
          }
          second.resolve();
          return inner.send(records);
        },
      };
    },
    converters: stringConverters,
    transformations: TransformationChain.EMPTY,
    offsets,
    maxRequestBytes: 1_048_576,
    maxInFlightBatches: 5,
    offsetFlushIntervalMs: 0,
    activeTopics: new ActiveTopics(() => true),
  });
  const a = rec("p", 1);
  const b = rec("q", 2);
  plugin.queue.push([a], [b]);
  plugin.final.ended(b, { page: 99 });
  task.start();
  await waitFor(() => calls >= 3);
  await stopAndAwait(task);
  expect(kafka.records("p")).toHaveLength(0);
  expect(kafka.records("q")).toHaveLength(1);
  expect(plugin.committed).toEqual([]);
  expect(offsets.get("c", PARTITION)).toBeNull();
});
