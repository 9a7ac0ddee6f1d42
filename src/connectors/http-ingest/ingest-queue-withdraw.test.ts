/**
 * IngestQueue when a request aborts while records of it are sent (polled) and the runtime takes them back
 * (IngestQueueOptions.withdraw, SourceTaskContext.withdrawUnsent: not handed to the producer yet): they fail as not
 * written, and their later acknowledgement (null metadata, in their turn) changes nothing (explore27 F2).
 */
import { describe, expect, test } from "bun:test";
import type { SourceRecord } from "../../api/record.ts";
import type { RecordOutcome } from "../../ingest/ingest-record.ts";
import { nativeResponse } from "../../ingest/native-response.ts";
import { testRecord as record } from "../../ingest/test-support.ts";
import { IngestQueue } from "./ingest-queue.ts";
import { toSourceRecord } from "./task.ts";

const never = new AbortController().signal;
const written = (offset: number) => ({ kind: "written" as const, topic: "t", partition: 0, offset, timestamp: 7 });
const TIMED_OUT = "Kafka did not acknowledge the records within 1500 ms (ingest.request.timeout.ms)";
const notWritten: RecordOutcome = { kind: "failed", message: TIMED_OUT, retriable: true, maybeWritten: false };
const maybeWritten = expect.objectContaining({ kind: "failed", maybeWritten: true });

/** A queue whose runtime takes back the records with these values; `asked`: the records it was asked about. */
function withdrawing(values: readonly unknown[]) {
  const asked: unknown[] = [];
  const q = new IngestQueue({
    maxQueued: 100,
    maxPoll: 100,
    retryAfterSeconds: 3,
    toSourceRecord,
    withdraw: (records: readonly SourceRecord[]) => {
      asked.push(...records.map((r) => r.value));
      return new Set(records.filter((r) => values.includes(r.value)));
    },
  });
  return { q, asked };
}

/** A request of records 1 and 2 its device may abort (`abort`), told their outcomes once settled if it answered first. */
function abortableRequest(q: IngestQueue) {
  const told: RecordOutcome[][] = [];
  const abort = new AbortController();
  const answered = q.submit({
    topic: "t",
    records: [record(1), record(2)],
    signal: abort.signal,
    late: { settled: (outcomes) => told.push(outcomes) },
  });
  return { answered, abort, told };
}

describe("IngestQueue when an aborted request's sent records are taken back by the runtime", () => {
  test("all of them: the request answers 503, none of them was written; their acknowledgement later changes nothing", async () => {
    const { q, asked } = withdrawing([1, 2]);
    const { answered, abort, told } = abortableRequest(q);
    const later = q.submit({ topic: "t", records: [record(3)], signal: never });
    const polled = await q.poll(never);
    abort.abort(new Error(TIMED_OUT));
    const outcomes = await answered;
    expect(outcomes).toEqual([notWritten, notWritten]);
    expect(asked).toEqual([1, 2]);
    const response = nativeResponse("t", outcomes, 3);
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBe("3");
    expect(((await response.json()) as { message: string }).message).toStartWith(
      "2 of 2 records were not acknowledged by Kafka (none of them was written): ",
    );
    // In their turn (null metadata: not written), then the later request's record, which Kafka wrote.
    q.ack(polled[0]!, null);
    q.ack(polled[1]!, null);
    q.ack(polled[2]!, { topic: "t", partition: 0, offset: 5, timestamp: null });
    expect(await later).toEqual([written(5)]);
    expect(told).toEqual([]);
    expect(q.pending).toBe(0);
  });

  test("one of them: it fails as not written, the other as may still be written (told later once acknowledged)", async () => {
    const { q } = withdrawing([2]);
    const { answered, abort, told } = abortableRequest(q);
    const polled = await q.poll(never);
    abort.abort(new Error(TIMED_OUT));
    expect(await answered).toEqual([maybeWritten, notWritten]);
    q.ack(polled[0]!, { topic: "t", partition: 0, offset: 4, timestamp: null });
    q.ack(polled[1]!, null);
    expect(told).toEqual([[written(4), notWritten]]);
  });

  test("the gateway's graceful stop (giveUp) takes them back too when the send is not held", async () => {
    const { q, asked } = withdrawing([1]);
    const answered = q.submit({ topic: "t", records: [record(1), record(2)], signal: never });
    await q.poll(never);
    q.giveUp(TIMED_OUT);
    expect(await answered).toEqual([notWritten, maybeWritten]);
    expect(asked).toEqual([1, 2]);
  });

  test("a record still queued is withdrawn by the queue itself: the runtime is not asked", async () => {
    const { q, asked } = withdrawing([1]);
    const abort = new AbortController();
    const answered = q.submit({ topic: "t", records: [record(1)], signal: abort.signal });
    abort.abort(new Error(TIMED_OUT));
    expect(await answered).toEqual([notWritten]);
    expect(asked).toEqual([]);
    expect(await q.poll(never, 1)).toEqual([]);
  });
});
