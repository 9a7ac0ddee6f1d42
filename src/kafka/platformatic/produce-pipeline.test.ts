import { describe, expect, setSystemTime, spyOn, test } from "bun:test";
import { settled, waitFor } from "../../../test/support/wait-for.ts";
import { JavaException } from "../../errors.ts";
import { KafkaAccessError } from "../access-errors.ts";
import { RETRY_GRACE_MS } from "../retry-grace.ts";
import { kafkaErrorOf, NotSentError } from "../send-rejection.ts";
import { NeverSentBatch, RefusedBatch } from "./batch-failures.ts";
import { PartlyWrittenBatch } from "./batch-split.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import {
  append,
  appendAll,
  batch,
  FakeBroker,
  producerIdOf,
  type SentRequest,
  settings,
  splitter,
  warmedUp,
} from "./produce-pipeline-test-support.ts";
import { PARTITION_OVERHEAD_BYTES, REQUEST_OVERHEAD_BYTES, TOPIC_OVERHEAD_BYTES } from "./produce-requests.ts";
import { markRequestNotWritten } from "./produce-transport.ts";
import { WakeTimer } from "./wake-timer.ts";

/** The Java exception a failure names as its cause (a trace's `Caused by:` line). */
function causeOf(failure: Error | undefined): { javaClass: string; message: string } {
  const cause = failure?.cause as JavaException;
  expect(cause).toBeInstanceOf(JavaException);
  return { javaClass: cause.javaClass, message: cause.message };
}

describe("ProducePipeline (idempotent)", () => {
  test("request N fails retriably while N+1..N+4 are in flight: written N..N+4 in order, with the original sequences", async () => {
    const broker = new FakeBroker();
    const warnings: string[] = [];
    const pipeline = await warmedUp(broker, settings({ onRetry: (m) => warnings.push(m) }));
    const { outcomes, all } = appendAll(pipeline, [0, 1, 2, 3, 4]);
    await waitFor(() => broker.requests.length === 5);
    expect(broker.requests.map((r) => r.sent)).toEqual([[[0, 1]], [[1, 2]], [[2, 3]], [[3, 4]], [[4, 5]]]);
    broker.deliver(0, { "t-0": 6 }); // NOT_LEADER_OR_FOLLOWER: not written
    for (let i = 1; i < 5; i++) broker.deliver(i); // OUT_OF_ORDER_SEQUENCE_NUMBER: 0 is missing
    await waitFor(() => broker.requests.length === 10);
    expect(broker.requests.slice(5).map((r) => r.sent)).toEqual([[[0, 1]], [[1, 2]], [[2, 3]], [[3, 4]], [[4, 5]]]);
    for (let i = 5; i < 10; i++) broker.deliver(i);
    await all;
    expect(broker.logs.get("t-0")).toEqual([0, 1, 2, 3, 4]);
    expect(outcomes).toEqual([0, 1, 2, 3, 4]);
    expect(pipeline.failure).toBeUndefined();
    // One warning for the episode, not one per batch.
    expect(warnings).toEqual([
      "Kafka rejected 1 record(s) for t-0: NOT_LEADER_OR_FOLLOWER; retrying (attempt 2) until delivery.timeout.ms",
    ]);
  });

  test("a lost answer (the connection dropped after the broker wrote it) is retried: DUPLICATE_SEQUENCE_NUMBER is success, written once", async () => {
    const broker = new FakeBroker();
    const warnings: string[] = [];
    const pipeline = await warmedUp(broker, settings({ onRetry: (m) => warnings.push(m) }));
    const { outcomes, all } = appendAll(pipeline, [0, 1, 2]);
    await waitFor(() => broker.requests.length === 3);
    broker.handle(broker.requests[0]!); // written, but the answer never arrives
    broker.requests[0]!.failWith(new Error("Connection to 127.0.0.1:9092 failed."));
    broker.deliver(1);
    broker.deliver(2);
    await waitFor(() => broker.requests.length === 4);
    // The library's message without its full stop before "; retrying" (explore21 F3: "failed.; retrying").
    expect(warnings).toEqual(["Connection to 127.0.0.1:9092 failed; retrying (attempt 2) until delivery.timeout.ms"]);
    expect(broker.requests[3]!.sent).toEqual([[0, 1]]);
    broker.deliver(3);
    await all;
    expect(broker.logs.get("t-0")).toEqual([0, 1, 2]);
    expect(outcomes).toEqual([0, 1, 2]);
  });

  test("an error fatal to the producer (CLUSTER_AUTHORIZATION_FAILED) fails the batch and every later batch of its partition; other partitions go on; nothing new is taken", async () => {
    const broker = new FakeBroker(2);
    const pipeline = new ProducePipeline(broker, settings({ maxInFlight: 1 }));
    const first = appendAll(pipeline, [0, 1, 2]);
    const other = appendAll(pipeline, [10], 1);
    await waitFor(() => broker.requests.length === 1);
    // One request per broker in flight: it carries t-0's first batch and t-1's.
    expect(broker.requests[0]!.sent).toEqual([
      [0, 0],
      [10, 0],
    ]);
    broker.deliver(0, { "t-0": 31 }); // CLUSTER_AUTHORIZATION_FAILED
    await Promise.all([first.all, other.all]);
    // The later batches were only not sent: a distinct, retriable error (sent again at once elsewhere).
    expect(first.outcomes).toEqual([
      "failed: Kafka rejected 1 record(s) for t-0: CLUSTER_AUTHORIZATION_FAILED",
      "failed: Not sent: an earlier batch of t-0 failed",
      "failed: Not sent: an earlier batch of t-0 failed",
    ]);
    expect(other.outcomes).toEqual([0]);
    expect(pipeline.failure?.message).toBe("Kafka rejected 1 record(s) for t-0: CLUSTER_AUTHORIZATION_FAILED");
    expect(kafkaErrorOf(pipeline.failure)).toBe("CLUSTER_AUTHORIZATION_FAILED");
    await expect(append(pipeline, "t", 1, batch(11), 1)).rejects.toThrow("CLUSTER_AUTHORIZATION_FAILED");
    expect(broker.requests).toHaveLength(1);
  });

  test("a batch the broker refuses the principal (TOPIC_AUTHORIZATION_FAILED) rejects as refused unwritten (RefusedBatch: the port's refused); one an earlier attempt of which got no answer does not", async () => {
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings());
    const refusal = append(pipeline, "t", 0, batch(0), 1).catch((error: unknown) => error);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": 29 }); // TOPIC_AUTHORIZATION_FAILED
    const refused = await refusal;
    expect(refused).toBeInstanceOf(RefusedBatch);
    expect((refused as RefusedBatch).cause).toBeInstanceOf(KafkaAccessError);
    expect(((refused as RefusedBatch).cause as KafkaAccessError).unauthorizedTopics).toEqual(["t"]);
    expect(kafkaErrorOf(refused)).toBe("TOPIC_AUTHORIZATION_FAILED");

    const uncertain = append(pipeline, "t", 0, batch(1), 1).catch((error: unknown) => error);
    await waitFor(() => broker.requests.length === 2);
    broker.requests[1]!.failWith(new Error("Connection closed")); // no answer: it may have been written
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(2, { "t-0": 29 });
    const maybeWritten = await uncertain;
    expect(maybeWritten).toBeInstanceOf(KafkaAccessError);
    expect(maybeWritten).not.toBeInstanceOf(RefusedBatch);
  });

  test("a split batch whose piece got no answer, then was refused the principal, is not refused unwritten (review 14)", async () => {
    const broker = new FakeBroker();
    broker.maxRecords = 1;
    // Each record refused TOPIC_AUTHORIZATION_FAILED (an ACL revoked while the first piece's answer was lost).
    broker.refusals.set(0, 29).set(1, 29);
    const pipeline = await warmedUp(broker, settings({ maxInFlight: 1 }));
    const labels = [0, 1];
    const big = append(pipeline, "t", 0, batch(...labels), 2, splitter(labels)).catch((error: unknown) => error);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0); // MESSAGE_TOO_LARGE: split into one-record pieces
    await waitFor(() => broker.requests.length === 2);
    broker.requests[1]!.failWith(new Error("Connection closed")); // the first piece: no answer, it may be written
    await broker.deliverUntil(big);
    const error = await big;
    expect(kafkaErrorOf(error)).toBe("TOPIC_AUTHORIZATION_FAILED");
    expect(error).not.toBeInstanceOf(RefusedBatch);
  });

  test("UNKNOWN_PRODUCER_ID for a batch behind one that is retried goes again after it, with its sequence", async () => {
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings());
    const { outcomes, all } = appendAll(pipeline, [0, 1]);
    await waitFor(() => broker.requests.length === 2);
    broker.deliver(0, { "t-0": 6 }); // NOT_LEADER_OR_FOLLOWER: retried
    broker.deliver(1, { "t-0": 59 });
    await waitFor(() => broker.requests.length === 4);
    expect(broker.requests.slice(2).map((r) => r.sent)).toEqual([[[0, 1]], [[1, 2]]]);
    broker.deliver(2);
    broker.deliver(3);
    await all;
    expect(outcomes).toEqual([0, 1]);
    expect(pipeline.failure).toBeUndefined();
  });

  test("a batch still failing when delivery.timeout.ms has passed fails as retriable; a later one on the wire settles on its answer (not sent)", async () => {
    const broker = new FakeBroker();
    let now = 0;
    const pipeline = await warmedUp(broker, settings({ deliveryTimeoutMs: 1_000 }), () => now);
    const { outcomes, all } = appendAll(pipeline, [0, 1]);
    await waitFor(() => broker.requests.length === 2);
    now = 1_000;
    broker.requests[0]!.failWith(new Error("Request timed out"));
    broker.deliver(1);
    await all;
    // Batch 1 was on the wire: it settles on its own answer (0 is missing: OUT_OF_ORDER_SEQUENCE_NUMBER,
    // so it was not written because of batch 0, not because the broker lost this producer's state).
    expect(outcomes).toEqual([
      "failed: Request timed out; delivery.timeout.ms elapsed",
      "failed: Not sent: an earlier batch of t-0 failed",
    ]);
    expect((pipeline.failure as Error & { retriable: boolean }).retriable).toBe(true);
  });

  test("when a batch fails with an unknown outcome, later batches on the wire settle on their answer; queued ones fail at once", async () => {
    const broker = new FakeBroker();
    let now = 0;
    const pipeline = await warmedUp(broker, settings({ deliveryTimeoutMs: 1_000, maxInFlight: 2 }), () => now);
    const { outcomes, all } = appendAll(pipeline, [0, 1, 2]);
    await waitFor(() => broker.requests.length === 2);
    now = 1_000;
    // The broker wrote batch 0 but answered REQUEST_TIMED_OUT after delivery.timeout.ms: it fails.
    const first = broker.requests[0]!;
    broker.handle(first);
    first.answer([{ topic: "t", partition: 0, errorCode: 7, baseOffset: -1 }]);
    await waitFor(() => outcomes[2] !== undefined);
    expect(outcomes[0]).toBe(
      "failed: Kafka rejected 1 record(s) for t-0: REQUEST_TIMED_OUT; delivery.timeout.ms elapsed",
    );
    expect(outcomes[2]).toBe("failed: Not sent: an earlier batch of t-0 failed");
    expect(outcomes[1]).toBeUndefined(); // still on the wire: the broker may write it
    await expect(append(pipeline, "t", 0, batch(3), 1)).rejects.toThrow("REQUEST_TIMED_OUT");
    broker.deliver(1);
    await all;
    expect(outcomes[1]).toBe(1);
    expect(broker.logs.get("t-0")).toEqual([0, 1]);
    expect(broker.requests).toHaveLength(2);
  });

  // tlsmsg P3: the failed task's trace named no Java exception for a batch out of time or retries.
  test("a batch answered after delivery.timeout.ms fails with Java's TimeoutException for an expired batch as its cause", async () => {
    const broker = new FakeBroker();
    let now = 0;
    const pipeline = await warmedUp(broker, settings({ deliveryTimeoutMs: 1_000 }), () => now);
    const { all } = appendAll(pipeline, [0]);
    await waitFor(() => broker.requests.length === 1);
    now = 1_250;
    broker.requests[0]!.answer([{ topic: "t", partition: 0, errorCode: 6, baseOffset: -1 }]);
    await all;
    expect(causeOf(pipeline.failure)).toEqual({
      javaClass: "org.apache.kafka.common.errors.TimeoutException",
      message:
        "Expiring 1 record(s) for t-0:1250 ms has passed since batch creation. The request has not been sent, or no server response has been received yet.",
    });
  });

  // Review pbstate-b P2: the pipeline woke at the deadline of a batch on the wire, already past, so it ran again on
  // setTimeout(0) until the answer came (up to request.timeout.ms).
  test("a batch on the wire past delivery.timeout.ms wakes no pump (no wake in the past): its request ends it, as Java's Sender", async () => {
    const broker = new FakeBroker(2);
    let now = 0;
    const wakeAt = spyOn(WakeTimer.prototype, "wakeAt");
    try {
      const pipeline = await warmedUp(broker, settings({ deliveryTimeoutMs: 1_000 }), () => now);
      const { outcomes, all } = appendAll(pipeline, [0]);
      await waitFor(() => broker.requests.length === 1);
      now = 1_500;
      const wakes = wakeAt.mock.calls.length;
      // The pipeline takes turns while batch 0 is on the wire past its deadline: one for t-1's batch, one for its answer.
      const other = append(pipeline, "t", 1, batch(1), 1);
      await waitFor(() => broker.requests.length === 2);
      broker.deliver(1);
      expect(await other).toBe(0);
      // The wakes asked for: t-1's batch's deadline, while it was not on the wire, and, at each turn, when batch 0's
      // request will have gone unanswered RETRY_GRACE_MS (UnansweredRequests): none in the past.
      expect(wakeAt.mock.calls.slice(wakes)).toEqual([[RETRY_GRACE_MS], [2_500], [RETRY_GRACE_MS]]);
      broker.requests[0]!.failWith(new Error("Request timed out"));
      await all;
      expect(outcomes).toEqual(["failed: Request timed out; delivery.timeout.ms elapsed"]);
    } finally {
      wakeAt.mockRestore();
    }
  });

  test("a batch out of retries fails with Java's exception for the broker's last answer as its cause", async () => {
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings({ retries: 0 }), () => 0);
    const { outcomes, all } = appendAll(pipeline, [0]);
    await waitFor(() => broker.requests.length === 1);
    broker.requests[0]!.answer([{ topic: "t", partition: 0, errorCode: 6, baseOffset: -1 }]);
    await all;
    expect(outcomes).toEqual([
      "failed: Kafka rejected 1 record(s) for t-0: NOT_LEADER_OR_FOLLOWER; retries (0) exhausted",
    ]);
    expect(causeOf(pipeline.failure)).toEqual({
      javaClass: "org.apache.kafka.common.errors.NotLeaderOrFollowerException",
      message:
        "For requests intended only for the leader, this error indicates that the broker is not the current leader. For requests intended for any replica, this error indicates that the broker is not a replica of the topic partition.",
    });
    expect((pipeline.failure as Error & { retriable: boolean }).retriable).toBe(true);
  });
});

describe("ProducePipeline when a batch is too large for the topic (MESSAGE_TOO_LARGE)", () => {
  test("a batch of several records is split in its place, with its sequence range; a later batch on the wire goes after; each written once, in order", async () => {
    const broker = new FakeBroker();
    broker.maxRecords = 2;
    const warnings: string[] = [];
    const pipeline = await warmedUp(broker, settings({ onRetry: (m) => warnings.push(m) }));
    const labels = [0, 1, 2, 3, 4, 5];
    const big = append(pipeline, "t", 0, batch(...labels), 6, splitter(labels));
    const later = append(pipeline, "t", 0, batch(6), 1);
    await waitFor(() => broker.requests.length === 2);
    expect(broker.requests.map((r) => r.sent)).toEqual([[[0, 1]], [[6, 7]]]);
    const both = Promise.all([big, later]);
    await broker.deliverUntil(both);
    expect(await both).toEqual([[0, 1, 2, 3, 4, 5], 6]);
    expect(broker.logs.get("t-0")).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // Label + 1 is the sequence: every batch went with its records' sequences (the big batch's range).
    for (const r of broker.requests) for (const [label, sequence] of r.sent) expect(sequence).toBe(label + 1);
    // Split into halves ([0..2], [3..5]), then each again: no batch of more than 2 records was written.
    expect(broker.requests.filter((r) => r.sent[0]![0] === 2).length).toBeGreaterThan(0);
    expect(pipeline.failure).toBeUndefined();
    expect(warnings).toEqual([
      "Kafka rejected 6 record(s) for t-0: MESSAGE_TOO_LARGE; splitting it into 2 batches and sending them again",
    ]);
  });

  test("a fresh producer (the broker has no state for it, so takes any sequence): a later small batch is not written ahead of the split pieces", async () => {
    const broker = new FakeBroker();
    broker.maxRecords = 2;
    const pipeline = new ProducePipeline(broker, settings());
    const labels = [0, 1, 2, 3, 4, 5];
    const big = append(pipeline, "t", 0, batch(...labels), 6, splitter(labels));
    const later = append(pipeline, "t", 0, batch(6), 1);
    const both = Promise.all([big, later]);
    await broker.deliverUntil(both);
    expect(await both).toEqual([[0, 1, 2, 3, 4, 5], 6]);
    expect(broker.logs.get("t-0")).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const r of broker.requests) for (const [label, sequence] of r.sent) expect(sequence).toBe(label);
  });

  test("closed while a piece waits for its retry after another was written: the batch fails as written in part, not as never sent (review-zombie P1)", async () => {
    const broker = new FakeBroker();
    broker.maxRecords = 2;
    const warnings: string[] = [];
    // Its own clock, so the second retry warning is not held back by the first (one per 5 s).
    let now = 0;
    const s = settings({ retryBackoffMs: 60_000, onRetry: (m) => warnings.push(m) });
    const pipeline = await warmedUp(broker, s, () => now);
    const labels = [0, 1, 2, 3];
    const big = append(pipeline, "t", 0, batch(...labels), 4, splitter(labels)).catch((error: unknown) => error);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0); // MESSAGE_TOO_LARGE: split into [0, 1] and [2, 3]
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(1);
    now = 10_000;
    broker.deliver(2, { "t-0": 6 }); // NOT_LEADER_OR_FOLLOWER: [2, 3] waits for its retry, unwritten
    await waitFor(() => warnings.length === 2, { what: "the retry of [2, 3]" });
    pipeline.close(new Error("The producer was closed forcefully"));
    const error = await settled(big, { what: "the batch settled" });
    expect(error).toBeInstanceOf(PartlyWrittenBatch);
    expect((error as PartlyWrittenBatch).offsets).toEqual([0, 1, null, null]);
  });

  test("one record too large fails alone with MESSAGE_TOO_LARGE; the records before it are written and reported so", async () => {
    const broker = new FakeBroker();
    broker.tooLarge.add(3);
    const pipeline = new ProducePipeline(broker, settings());
    const labels = [0, 1, 2, 3, 4, 5];
    const big = append(pipeline, "t", 0, batch(...labels), 6, splitter(labels)).catch((e: unknown) => e);
    await broker.deliverUntil(big);
    const error = (await big) as PartlyWrittenBatch;
    expect(error).toBeInstanceOf(PartlyWrittenBatch);
    // Refused alone: the records after it are written all the same, in order (Java's producer).
    expect(error.offsets).toEqual([0, 1, 2, null, 3, 4]);
    expect(error.cause.message).toBe(
      "Kafka rejected 1 record(s) for t-0: MESSAGE_TOO_LARGE (the record is larger than the topic's max.message.bytes or the broker's message.max.bytes)",
    );
    expect((error.cause as Error & { retriable: boolean }).retriable).toBe(false);
    expect(kafkaErrorOf(error)).toBe("MESSAGE_TOO_LARGE");
    expect(broker.logs.get("t-0")).toEqual([0, 1, 2, 4, 5]);
    expect(pipeline.failure).toBeUndefined();
    expect(broker.producerIds).toBe(1);
  });

  test("without idempotence the pieces go without sequences and are written in order", async () => {
    const broker = new FakeBroker();
    broker.maxRecords = 1;
    const pipeline = new ProducePipeline(broker, settings({ idempotent: false, maxInFlight: 1 }));
    const labels = [0, 1, 2];
    const big = append(pipeline, "t", 0, batch(...labels), 3, splitter(labels));
    await broker.deliverUntil(big);
    expect(await big).toEqual([0, 1, 2]);
    expect(broker.logs.get("t-0")).toEqual([0, 1, 2]);
    for (const r of broker.requests) expect(r.sent[0]![1]).toBe(-1);
  });
});

describe("ProducePipeline when the broker lost the producer's state (the oldest pending batch is refused)", () => {
  test.each([
    [45, "OUT_OF_ORDER_SEQUENCE_NUMBER"],
    [59, "UNKNOWN_PRODUCER_ID"],
  ])(
    "%i for the first of four batches in flight: the partition goes on with the next epoch and sequences from 0, the first alone until written, then the rest in order",
    async (code, name) => {
      const broker = new FakeBroker();
      const warnings: string[] = [];
      const pipeline = await warmedUp(broker, settings({ onRetry: (m) => warnings.push(m) }));
      const { outcomes, all } = appendAll(pipeline, [0, 1, 2, 3]);
      await waitFor(() => broker.requests.length === 4);
      expect(broker.requests.map((r) => [r.sent, r.epochs])).toEqual([
        [[[0, 1]], [0]],
        [[[1, 2]], [0]],
        [[[2, 3]], [0]],
        [[[3, 4]], [0]],
      ]);
      broker.deliver(0, { "t-0": code });
      for (let i = 1; i < 4; i++) broker.deliver(i); // OUT_OF_ORDER_SEQUENCE_NUMBER: sequence 1 is missing
      await waitFor(() => broker.requests.length >= 5);
      for (let i = 0; i < 5; i++) await Promise.resolve();
      // Batch 0 alone, first, with epoch 1 and sequence 0 (a broker that knows epoch 0 takes only 0).
      expect(broker.requests.slice(4).map((r) => [r.sent, r.epochs])).toEqual([[[[0, 0]], [1]]]);
      broker.deliver(4);
      await waitFor(() => broker.requests.length === 8);
      expect(broker.requests.slice(5).map((r) => [r.sent, r.epochs])).toEqual([
        [[[1, 1]], [1]],
        [[[2, 2]], [1]],
        [[[3, 3]], [1]],
      ]);
      for (let i = 5; i < 8; i++) broker.deliver(i);
      await all;
      expect(broker.logs.get("t-0")).toEqual([0, 1, 2, 3]);
      expect(outcomes).toEqual([0, 1, 2, 3]);
      expect(pipeline.failure).toBeUndefined();
      expect(warnings).toEqual([
        `Kafka rejected 1 record(s) for t-0: ${name}; the broker lost this producer's state: sending t-0's pending batches again in order with producer epoch 1 and sequences from 0, one on the wire until one is written; retrying (attempt 2) until delivery.timeout.ms`,
      ]);
    },
  );

  test("the guard is armed again: while the first batch is refused again by a broker without the producer's state (which takes any sequence), no later batch goes ahead of it", async () => {
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings());
    const { outcomes, all } = appendAll(pipeline, [0, 1, 2]);
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(0, { "t-0": 45 });
    broker.deliver(1);
    broker.deliver(2);
    await waitFor(() => broker.requests.length >= 4);
    broker.loseState("t-0"); // producer id expired: the next batch of any sequence would be written
    const later = appendAll(pipeline, [3, 4]);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(broker.requests).toHaveLength(4);
    broker.deliver(3, { "t-0": 19 }); // NOT_ENOUGH_REPLICAS: not written, retried
    await waitFor(() => broker.requests.length === 5);
    // Batch 0 again, not batch 1: with several on the wire, the broker would have written 1 ahead of 0.
    expect(broker.requests[4]!.sent).toEqual([[0, 0]]);
    broker.deliver(4);
    await broker.deliverUntil(Promise.all([all, later.all]));
    expect(broker.logs.get("t-0")).toEqual([0, 1, 2, 3, 4]);
    expect([...outcomes, ...later.outcomes]).toEqual([0, 1, 2, 3, 4]);
    for (const r of broker.requests.slice(3)) expect([r.sent[0]![1], r.epochs[0]]).toEqual([r.sent[0]![0], 1]);
  });

  test("a batch on the wire that the broker wrote before the first was refused is written once; the rest follow in order", async () => {
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings());
    const { outcomes, all } = appendAll(pipeline, [0, 1, 2]);
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(0, { "t-0": 45 });
    broker.loseState("t-0");
    broker.deliver(1); // a broker without the producer's state writes it (the reordering Kafka allows then)
    broker.deliver(2);
    await broker.deliverUntil(all);
    expect(broker.logs.get("t-0")).toEqual([1, 2, 0]);
    expect(outcomes).toEqual([2, 0, 1]);
    expect(pipeline.failure).toBeUndefined();
  });

  test("when the producer epoch cannot go higher, the batch fails retriably (sent again on a new producer id), as before", async () => {
    const broker = new FakeBroker();
    broker.initialEpoch = 32_767;
    const pipeline = await warmedUp(broker, settings());
    const { outcomes, all } = appendAll(pipeline, [0, 1, 2]);
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(0, { "t-0": 45 });
    broker.deliver(1, { "t-0": 45 }); // the oldest once batch 0 failed: refused because of it
    broker.deliver(2);
    await all;
    expect(outcomes).toEqual([
      "failed: Kafka rejected 1 record(s) for t-0: OUT_OF_ORDER_SEQUENCE_NUMBER",
      "failed: Not sent: an earlier batch of t-0 failed",
      "failed: Not sent: an earlier batch of t-0 failed",
    ]);
    expect((pipeline.failure as Error & { retriable: boolean }).retriable).toBe(true);
    expect(broker.logs.get("t-0") ?? []).toEqual([]);
  });
});

describe("ProducePipeline when the broker refuses a batch for good (as Java's idempotent producer: the batch fails, the producer goes on)", () => {
  test.each([
    [87, "INVALID_RECORD"],
    [32, "INVALID_TIMESTAMP"],
    [10, "MESSAGE_TOO_LARGE"],
  ])(
    "%i (%s) for the second of five batches in flight: it fails alone; the later ones go again with the next epoch and sequences from 0, written once, in order; same producer id",
    async (code, name) => {
      const broker = new FakeBroker();
      broker.refusals.set(1, code);
      const pipeline = await warmedUp(broker, settings());
      const { outcomes, all } = appendAll(pipeline, [0, 1, 2, 3, 4]);
      await waitFor(() => broker.requests.length === 5);
      for (let i = 0; i < 5; i++) broker.deliver(i); // 0 written, 1 refused, 2..4 OUT_OF_ORDER_SEQUENCE_NUMBER
      await broker.deliverUntil(all);
      expect(outcomes[1]).toStartWith(`failed: Kafka rejected 1 record(s) for t-0: ${name}`);
      expect(outcomes).toEqual([0, outcomes[1]!, 1, 2, 3]);
      expect(broker.logs.get("t-0")).toEqual([0, 2, 3, 4]);
      // The first of the new epoch alone until written (Java's startSequencesAtBeginning), then the rest.
      expect(broker.requests.slice(5).map((r) => [...r.sent[0]!, r.epochs[0]!])).toEqual([
        [2, 0, 1],
        [3, 1, 1],
        [4, 2, 1],
      ]);
      expect(pipeline.failure).toBeUndefined();
      expect(broker.producerIds).toBe(1);
    },
  );

  test("the refusal is the broker's answer, not retriable; refused batches interleaved with good ones (keyless records to a compacted topic) each take the next epoch", async () => {
    const broker = new FakeBroker();
    for (const label of [1, 3, 4]) broker.refusals.set(label, 87);
    const pipeline = await warmedUp(broker, settings());
    const errors: Error[] = [];
    const offsets: number[] = [];
    for (const label of [0, 1, 2, 3, 4, 5]) {
      const sent = append(pipeline, "t", 0, batch(label), 1);
      await broker.deliverUntil(
        sent.then(
          (o) => offsets.push(o as number),
          (e: Error) => errors.push(e),
        ),
      );
    }
    expect(errors.map((e) => [kafkaErrorOf(e), (e as Error & { retriable: boolean }).retriable])).toEqual([
      ["INVALID_RECORD", false],
      ["INVALID_RECORD", false],
      ["INVALID_RECORD", false],
    ]);
    expect(offsets).toEqual([0, 1, 2]);
    expect(broker.logs.get("t-0")).toEqual([0, 2, 5]);
    expect(broker.requests.map((r) => [...r.sent[0]!, r.epochs[0]!])).toEqual([
      [0, 1, 0],
      [1, 2, 0],
      [2, 0, 1],
      [3, 1, 1],
      [4, 0, 2],
      [5, 0, 3],
    ]);
    expect(pipeline.failure).toBeUndefined();
    expect(broker.producerIds).toBe(1);
  });

  test("keepOrderAfterRefusal: the later batches are not written (NotSentError, those on the wire once they come back); the next append goes with the next epoch from sequence 0; same producer id", async () => {
    const broker = new FakeBroker();
    broker.refusals.set(1, 87);
    const pipeline = await warmedUp(broker, settings({ keepOrderAfterRefusal: true }));
    const { outcomes, all } = appendAll(pipeline, [0, 1, 2, 3, 4]);
    await waitFor(() => broker.requests.length === 5);
    const queued = appendAll(pipeline, [5]); // not on the wire: 5 batches of t-0 at most
    for (let i = 0; i < 5; i++) broker.deliver(i); // 0 written, 1 refused, 2..4 OUT_OF_ORDER_SEQUENCE_NUMBER
    await Promise.all([all, queued.all]);
    expect(outcomes).toEqual([
      0,
      "failed: Kafka rejected 1 record(s) for t-0: INVALID_RECORD",
      "failed: Not sent: an earlier batch of t-0 failed",
      "failed: Not sent: an earlier batch of t-0 failed",
      "failed: Not sent: an earlier batch of t-0 failed",
    ]);
    expect(queued.outcomes).toEqual(["failed: Not sent: an earlier batch of t-0 failed"]);
    expect(pipeline.failure).toBeUndefined();
    const next = appendAll(pipeline, [6, 7]);
    await broker.deliverUntil(next.all);
    expect(next.outcomes).toEqual([1, 2]);
    expect(broker.requests.slice(5).map((r) => [...r.sent[0]!, r.epochs[0]!])).toEqual([
      [6, 0, 1],
      [7, 1, 1],
    ]);
    expect(broker.logs.get("t-0")).toEqual([0, 6, 7]);
    expect(broker.producerIds).toBe(1);
  });

  test("keepOrderAfterRefusal: a batch behind the refused one whose request then fails (no answer) is not sent again", async () => {
    const broker = new FakeBroker();
    broker.refusals.set(0, 87);
    const pipeline = await warmedUp(broker, settings({ keepOrderAfterRefusal: true }));
    const { outcomes, all } = appendAll(pipeline, [0, 1]);
    await waitFor(() => broker.requests.length === 2);
    broker.deliver(0);
    broker.requests[1]!.failWith(new Error("Connection closed"));
    await all;
    expect(outcomes).toEqual([
      "failed: Kafka rejected 1 record(s) for t-0: INVALID_RECORD",
      "failed: Not sent: an earlier batch of t-0 failed",
    ]);
    expect(broker.requests).toHaveLength(2);
    expect(pipeline.failure).toBeUndefined();
  });

  test("when the producer epoch cannot go higher, the refused batch fails with the later ones and the pipeline (a new producer id), as Java resets its producer id", async () => {
    const broker = new FakeBroker();
    broker.initialEpoch = 32_767;
    broker.refusals.set(0, 87);
    const pipeline = await warmedUp(broker, settings());
    const { outcomes, all } = appendAll(pipeline, [0, 1]);
    await broker.deliverUntil(all);
    expect(outcomes).toEqual([
      "failed: Kafka rejected 1 record(s) for t-0: INVALID_RECORD",
      "failed: Not sent: an earlier batch of t-0 failed",
    ]);
    expect(kafkaErrorOf(pipeline.failure)).toBe("INVALID_RECORD");
  });

  test.each([
    [
      "REQUEST_TIMED_OUT (acks=all: maybe in the log)",
      (r: SentRequest) => r.answer([{ topic: "t", partition: 0, errorCode: 7, baseOffset: -1 }]),
    ],
    [
      "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
      (r: SentRequest) => r.answer([{ topic: "t", partition: 0, errorCode: 20, baseOffset: -1 }]),
    ],
    [
      "no answer (the connection dropped after the broker wrote it)",
      (r: SentRequest) => r.failWith(new Error("Connection closed")),
    ],
  ])(
    "a batch refused behind one that came back %s fails alone: the one ahead is written once (its own sequence: DUPLICATE_SEQUENCE_NUMBER), never again at the next epoch; the one after it takes the next epoch once the one ahead is written; the pipeline goes on",
    async (_, unsettled) => {
      const broker = new FakeBroker();
      broker.refusals.set(1, 87);
      const pipeline = await warmedUp(broker, settings());
      const { outcomes, all } = appendAll(pipeline, [0, 1, 2]);
      await waitFor(() => broker.requests.length === 3);
      const first = broker.requests[0]!;
      first.delivered = true;
      broker.handle(first); // written in the leader's log
      unsettled(first);
      broker.deliver(1); // INVALID_RECORD
      broker.deliver(2); // OUT_OF_ORDER_SEQUENCE_NUMBER
      await broker.deliverUntil(all);
      expect(broker.logs.get("t-0")).toEqual([0, 2]);
      expect(outcomes).toEqual([0, "failed: Kafka rejected 1 record(s) for t-0: INVALID_RECORD", 1]);
      expect(pipeline.failure).toBeUndefined();
      // Batch 0 only ever at epoch 0; batch 2 last at epoch 1 (from sequence 0).
      const sent = broker.requests.flatMap((r) =>
        r.sent.map(([label, sequence], i) => [label, r.epochs[i]!, sequence]),
      );
      expect(sent.filter(([label]) => label === 0).every(([, epoch]) => epoch === 0)).toBe(true);
      expect(sent.filter(([label]) => label === 2).at(-1)).toEqual([2, 1, 0]);
      // Nothing is stuck: the next batch goes on at the next epoch.
      const next = append(pipeline, "t", 0, batch(3), 1);
      await broker.deliverUntil(next);
      expect(await next).toBe(2);
    },
  );

  test("without idempotence the refused batch fails alone and the next one is written", async () => {
    const broker = new FakeBroker();
    broker.refusals.set(0, 87);
    const pipeline = new ProducePipeline(broker, settings({ idempotent: false, maxInFlight: 1 }));
    const { outcomes, all } = appendAll(pipeline, [0, 1]);
    await broker.deliverUntil(all);
    expect(outcomes).toEqual(["failed: Kafka rejected 1 record(s) for t-0: INVALID_RECORD", 0]);
    expect(broker.logs.get("t-0")).toEqual([1]);
    expect(pipeline.failure).toBeUndefined();
  });
});

describe("ProducePipeline when a batch that may have been written fails with an earlier one", () => {
  /**
   * Two batches of t-0 whose requests `failure` cut before any answer (both may be written), waiting for their retry;
   * `at` sets the pipeline's clock (delivery.timeout.ms 1 s, retry.backoff.ms 100 ms).
   */
  const bothCut = async (failure: () => Error) => {
    const broker = new FakeBroker();
    let now = 0;
    const warnings: string[] = [];
    const s = settings({ deliveryTimeoutMs: 1_000, retryBackoffMs: 100, onRetry: (m) => warnings.push(m) });
    const pipeline = await warmedUp(broker, s, () => now);
    const first = append(pipeline, "t", 0, batch(0), 1).catch((e: unknown) => e);
    const second = append(pipeline, "t", 0, batch(1), 1).catch((e: unknown) => e);
    await waitFor(() => broker.requests.length === 2);
    for (const r of broker.requests) r.failWith(failure());
    await waitFor(() => warnings.length === 1); // both wait for their retry (one warning per episode)
    return {
      broker,
      first,
      second,
      at: (ms: number) => {
        now = ms;
      },
    };
  };

  test("a later batch whose request was lost (the broker wrote it) is not reported not sent: it may have been written", async () => {
    const broker = new FakeBroker();
    let now = 0;
    const warnings: string[] = [];
    const s = settings({ deliveryTimeoutMs: 1_000, retryBackoffMs: 100, onRetry: (m) => warnings.push(m) });
    const pipeline = await warmedUp(broker, s, () => now);
    const { outcomes, all } = appendAll(pipeline, [0, 1]);
    await waitFor(() => broker.requests.length === 2);
    // The broker wrote both, then the connection dropped before either answer arrived.
    for (const r of broker.requests) broker.handle(r);
    for (const r of broker.requests) r.failWith(new Error("Connection closed"));
    await waitFor(() => warnings.length === 1); // both wait for their retry (one warning per episode)
    now = 1_000; // and delivery.timeout.ms runs out meanwhile
    await all;
    expect(broker.logs.get("t-0")).toEqual([0, 1]);
    expect(outcomes[0]).toBe(
      "failed: Expiring 1 record(s) for t-0: delivery.timeout.ms elapsed before it was acknowledged (it may have been written)",
    );
    // Not a NotSentError ("not written"): sent again, it would be written twice all the same, but the
    // caller is told so (the port's contract: NotSentError only for records the broker did not write).
    expect(outcomes[1]).toBe(
      "failed: Not acknowledged: an earlier batch of t-0 failed, and this one may have been written by an earlier attempt",
    );
    expect(causeOf(pipeline.failure)).toEqual({
      javaClass: "org.apache.kafka.common.errors.TimeoutException",
      message:
        "Expiring 1 record(s) for t-0:1000 ms has passed since batch creation. The request has not been sent, or no server response has been received yet.",
    });
  });

  // Found by produce-pipeline-fuzz (its runs past delivery.timeout.ms): the broker may still handle a cut connection's
  // request after it answered the later one on a new connection, so OUT_OF_ORDER_SEQUENCE_NUMBER does not say the
  // batch is not written when an earlier attempt of it is unanswered.
  test("a later batch whose retry is answered OUT_OF_ORDER_SEQUENCE_NUMBER once the earlier one expired is not reported not sent if an earlier attempt was cut", async () => {
    const { broker, first, second, at } = await bothCut(() => new Error("Connection closed")); // both may be written
    at(500);
    await waitFor(() => broker.requests.length === 4, { what: "both sent again" });
    const retryOf = (label: number) => broker.requests.slice(2).find((r) => r.sent[0]![0] === label)!;
    at(1_000);
    retryOf(0).failWith(markRequestNotWritten(new Error("Connection refused"))); // batch 0 expires
    expect(String(await first)).toStartWith("Error: Connection refused; delivery.timeout.ms elapsed");
    retryOf(1).answer([{ topic: "t", partition: 0, errorCode: 45, baseOffset: -1 }]);
    const error = (await second) as Error & { retriable: boolean };
    expect(error).not.toBeInstanceOf(NotSentError);
    expect(error.message).toBe(
      "Not acknowledged: an earlier batch of t-0 failed, and this one may have been written by an earlier attempt",
    );
    expect(error.retriable).toBe(true);
  });

  test("the error is retriable and not a NotSentError", async () => {
    const { first, second, at } = await bothCut(() => new Error("Request timed out"));
    at(1_000);
    const error = (await second) as Error & { retriable: boolean };
    await first;
    expect(error).not.toBeInstanceOf(NotSentError);
    expect(error.retriable).toBe(true);
  });
});

// neversent: a batch whose every request failed to connect (the broker refusing connections) was answered "may still
// be written", so an ingest request of it got 500 where a retry was safe.
describe("ProducePipeline when no request carrying a batch went out (its connection never came up)", () => {
  const refused = () => markRequestNotWritten(new Error("Connection to 127.0.0.1:9092 failed."));

  /**
   * A warmed-up pipeline on a clock the test moves, whose batch 0's first request failed with `first` (an error, or
   * an answer with that error code).
   */
  async function failedOnce(first: Error | number) {
    const broker = new FakeBroker();
    const clock = { now: 0 };
    const warnings: string[] = [];
    const s = settings({ deliveryTimeoutMs: 1_000, retryBackoffMs: 100, onRetry: (m) => warnings.push(m) });
    const pipeline = await warmedUp(broker, s, () => clock.now);
    const failure = append(pipeline, "t", 0, batch(0), 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    await waitFor(() => broker.requests.length === 1, { what: "batch 0 in a request" });
    if (typeof first === "number") broker.deliver(0, { "t-0": first });
    else broker.requests[0]!.failWith(first);
    await waitFor(() => warnings.length === 1, { what: "batch 0 waits for its retry" });
    return { broker, clock, pipeline, failure };
  }

  test("it fails past delivery.timeout.ms as never sent (NeverSentBatch), not as may be written", async () => {
    const { broker, clock, failure } = await failedOnce(refused());
    clock.now = 500;
    await waitFor(() => broker.requests.length === 2, { what: "the retry" });
    broker.requests[1]!.failWith(refused());
    clock.now = 1_000; // delivery.timeout.ms has run out when the failure comes
    const error = await settled(failure, { what: "batch 0 failed" });
    expect(error).toBeInstanceOf(NeverSentBatch);
    expect(String(error)).toBe("NeverSentBatch: Connection to 127.0.0.1:9092 failed; delivery.timeout.ms elapsed");
  });

  // What a task's stop answers for it (the producer's forceClose): 503 "none of them was written", not 500.
  test.each([
    ["refused", true, refused],
    ["cut after it went out", false, () => new Error("Connection closed")],
  ])("closed while it waits for its retry, its connection %s: never sent is %p", async (_, never, first) => {
    const { pipeline, failure } = await failedOnce(first());
    pipeline.close(new Error("The producer was closed forcefully"));
    expect((await settled(failure, { what: "batch 0 failed" })) instanceof NeverSentBatch).toBe(never);
  });

  // Its first request went out and was answered "not written" (so the batch is not uncertain): only the request
  // having gone out, kept through the later refused one, tells it is not "never sent".
  test("one whose earlier request went out (answered NOT_ENOUGH_REPLICAS) is not never sent, whatever its later attempts met (sticky)", async () => {
    const { broker, clock, failure } = await failedOnce(19); // NOT_ENOUGH_REPLICAS: retriable, not written
    clock.now = 500;
    await waitFor(() => broker.requests.length === 2, { what: "the retry" });
    broker.requests[1]!.failWith(refused());
    clock.now = 1_000;
    const error = await settled(failure, { what: "batch 0 failed" });
    expect(error).not.toBeInstanceOf(NeverSentBatch);
    expect(String(error)).toBe("Error: Connection to 127.0.0.1:9092 failed; delivery.timeout.ms elapsed");
  });
});

describe("ProducePipeline when the host's wall clock is stepped (NTP on an edge device without a real-time clock)", () => {
  // The pipeline's own clock (no `now` passed): monotonic. setSystemTime moves (and holds) Date.now only.
  test.each([
    ["back", -3_600_000],
    ["forward", 3_600_000],
  ])(
    "a step %s by an hour while a batch waits for its retry neither stalls the retry nor expires the batch",
    async (_dir, step) => {
      const broker = new FakeBroker();
      const pipeline = new ProducePipeline(broker, settings({ retryBackoffMs: 20, deliveryTimeoutMs: 60_000 }));
      const written = append(pipeline, "t", 0, batch(0), 1);
      await waitFor(() => broker.requests.length === 1);
      try {
        setSystemTime(new Date(Date.now() + step));
        broker.deliver(0, { "t-0": 6 }); // NOT_LEADER_OR_FOLLOWER: retried after retry.backoff.ms
        await waitFor(() => broker.requests.length === 2); // (its own deadline is on the held Date.now: the test's bounds it)
      } finally {
        setSystemTime();
      }
      broker.deliver(1);
      expect(await written).toBe(0);
      expect(pipeline.failure).toBeUndefined();
    },
    10_000,
  );
});

describe("ProducePipeline after a batch failed for good", () => {
  test("a later batch that was on the wire and comes back OUT_OF_ORDER_SEQUENCE_NUMBER is not sent (NotSentError), not a broker reset", async () => {
    const broker = new FakeBroker();
    broker.refusals.set(0, 31); // CLUSTER_AUTHORIZATION_FAILED: fatal to the producer
    const pipeline = await warmedUp(broker, settings());
    const fatal = append(pipeline, "t", 0, batch(0), 1).catch((e: unknown) => e);
    const later = append(pipeline, "t", 0, batch(1), 1).catch((e: unknown) => e);
    await waitFor(() => broker.requests.length === 2);
    broker.deliver(0);
    broker.deliver(1); // its sequence follows the failed batch: OUT_OF_ORDER_SEQUENCE_NUMBER
    expect(((await fatal) as Error).message).toBe("Kafka rejected 1 record(s) for t-0: CLUSTER_AUTHORIZATION_FAILED");
    const error = (await later) as Error;
    expect(error).toBeInstanceOf(NotSentError);
    expect(error.message).toBe("Not sent: an earlier batch of t-0 failed");
    expect(broker.logs.get("t-0") ?? []).toEqual([]);
  });
});

describe("ProducePipeline bounds", () => {
  test("at most 5 batches of one partition in flight, whatever maxInFlight allows", async () => {
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings({ maxInFlight: 10 }));
    const { all } = appendAll(pipeline, [0, 1, 2, 3, 4, 5, 6]);
    await waitFor(() => broker.requests.length === 5);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(broker.requests).toHaveLength(5);
    broker.deliver(0);
    broker.deliver(1);
    await waitFor(() => broker.requests.length === 7);
    for (let i = 2; i < 7; i++) broker.deliver(i);
    await all;
    expect(broker.logs.get("t-0")).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  test("batches appended in one go (one send's partitions) leave in one request", async () => {
    const broker = new FakeBroker(3);
    const pipeline = new ProducePipeline(broker, settings());
    const sends = [0, 1, 2].map((p) => append(pipeline, "t", p, batch(p), 1));
    await waitFor(() => broker.requests.length === 1);
    expect(broker.requests[0]!.batches.map((b) => b.partition)).toEqual([0, 1, 2]);
    broker.deliver(0);
    expect(await Promise.all(sends)).toEqual([0, 0, 0]);
  });

  test("a request holds one batch per partition, within max.request.size", async () => {
    const broker = new FakeBroker(3);
    // Two batches of 65 bytes of topic "t" with what frames them (produce-requests.ts), not three.
    const twoBatches = REQUEST_OVERHEAD_BYTES + TOPIC_OVERHEAD_BYTES + 1 + 2 * (PARTITION_OVERHEAD_BYTES + 65);
    const pipeline = new ProducePipeline(broker, settings({ maxInFlight: 1, maxRequestBytes: twoBatches }));
    const sends = [0, 1, 2].map((p) => append(pipeline, "t", p, batch(p), 1));
    await waitFor(() => broker.requests.length === 1);
    expect(broker.requests[0]!.batches.map((b) => b.partition)).toEqual([0, 1]);
    broker.deliver(0);
    await waitFor(() => broker.requests.length === 2);
    expect(broker.requests[1]!.batches.map((b) => b.partition)).toEqual([2]);
    broker.deliver(1);
    expect(await Promise.all(sends)).toEqual([0, 0, 0]);
  });
});

describe("ProducePipeline without idempotence", () => {
  test("batches carry no producer id or sequence; acks=0 answers resolve with offset -1", async () => {
    const broker = new FakeBroker();
    const pipeline = new ProducePipeline(broker, settings({ idempotent: false, maxInFlight: 1 }));
    const sent = append(pipeline, "t", 0, batch(0), 1);
    await waitFor(() => broker.requests.length === 1);
    expect(producerIdOf(broker.requests[0]!.batches[0]!.records)).toBe(-1n);
    expect(broker.requests[0]!.sent).toEqual([[0, -1]]);
    broker.requests[0]!.answer(null);
    expect(await sent).toBe(-1);
    expect(broker.producerIds).toBe(0);
  });
});
