/**
 * IngestQueue's late outcomes (IngestSubmission.late): a request answered with records that
 * "may still be written" is told what became of them once each settled for good, so that a keyed
 * one's Idempotency-Key is kept with the final answer or released (idempotency.ts), and an
 * unanswered one's WARN counts what Kafka holds (ingest-handler.ts).
 */
import { describe, expect, test } from "bun:test";
import type { RecordOutcome } from "../../ingest/ingest-record.ts";
import { testRecord as record } from "../../ingest/test-support.ts";
import { IngestQueue } from "./ingest-queue.ts";
import { toSourceRecord } from "./task.ts";

const never = new AbortController().signal;
const written = (offset: number) => ({ kind: "written" as const, topic: "t", partition: 0, offset, timestamp: 7 });
const maybeWritten = expect.objectContaining({ kind: "failed", maybeWritten: true });
const notWritten = expect.objectContaining({ kind: "failed", maybeWritten: false });

/** A queue with a request of three records, the first acknowledged, the others sent when it aborted. */
async function abortedWhileSent(late: boolean) {
  const q = new IngestQueue({ maxQueued: 100, maxPoll: 100, retryAfterSeconds: 3, toSourceRecord });
  const told: RecordOutcome[][] = [];
  const abort = new AbortController();
  const answered = q.submit({
    topic: "t",
    records: [record(1), record(2), record(3)],
    signal: abort.signal,
    late: late ? { settled: (outcomes) => told.push(outcomes) } : undefined,
  });
  const polled = await q.poll(never);
  q.ack(polled[0]!, { topic: "t", partition: 0, offset: 1, timestamp: null });
  abort.abort(new Error("Kafka did not acknowledge the records in time"));
  expect(await answered).toEqual([written(1), maybeWritten, maybeWritten]);
  return { q, polled, told };
}

describe("IngestQueue late outcomes", () => {
  test("records acknowledged after their request was answered: told once, with their partitions and offsets, after the last", async () => {
    const { q, polled, told } = await abortedWhileSent(true);
    q.ack(polled[1]!, { topic: "t", partition: 0, offset: 2, timestamp: null });
    expect(told).toEqual([]);
    q.ack(polled[2]!, { topic: "t", partition: 0, offset: 3, timestamp: null });
    expect(told).toEqual([[written(1), written(2), written(3)]]);
    q.ack(polled[2]!, { topic: "t", partition: 0, offset: 9, timestamp: null }); // repeated: nothing more
    q.close("stopped");
    expect(told).toHaveLength(1);
    expect(q.pending).toBe(0);
  });

  test("one given up unwritten (notSent), one acknowledged: told with the not-written outcome in its place", async () => {
    const { q, polled, told } = await abortedWhileSent(true);
    q.notSent(polled[1]!, "The ingest task stopped before the record was sent to Kafka");
    q.ack(polled[2]!, { topic: "t", partition: 0, offset: 3, timestamp: null });
    expect(told).toEqual([[written(1), notWritten, written(3)]]);
  });

  test("the task stopped before Kafka acknowledged them (close): told with them still may-be-written", async () => {
    const { q, polled, told } = await abortedWhileSent(true);
    q.ack(polled[1]!, { topic: "t", partition: 0, offset: 2, timestamp: null });
    q.close("The ingest task stopped or failed before Kafka acknowledged the record");
    expect(told).toEqual([[written(1), written(2), maybeWritten]]);
  });

  test("a request answered without a record that may still be written is never told", async () => {
    const q = new IngestQueue({ maxQueued: 100, maxPoll: 100, retryAfterSeconds: 3, toSourceRecord });
    const told: RecordOutcome[][] = [];
    const late = { settled: (outcomes: RecordOutcome[]) => told.push(outcomes) };
    const abort = new AbortController();
    const queued = q.submit({ topic: "t", records: [record(1)], signal: abort.signal, late });
    abort.abort(new Error("gone")); // withdrawn before a poll: certainly not written
    expect(await queued).toEqual([notWritten]);
    const acked = q.submit({ topic: "t", records: [record(2)], signal: never, late });
    const polled = await q.poll(never);
    q.ack(polled[0]!, { topic: "t", partition: 0, offset: 2, timestamp: null });
    expect(await acked).toEqual([written(2)]);
    q.close("stopped");
    expect(told).toEqual([]);
  });

  test("without a receiver, late acknowledgements change nothing", async () => {
    const { q, polled, told } = await abortedWhileSent(false);
    q.ack(polled[1]!, { topic: "t", partition: 0, offset: 2, timestamp: null });
    q.close("stopped");
    expect(told).toEqual([]);
    expect(q.pending).toBe(0);
  });

  // rsscheck: every HTTP ingest request's exchange is its receiver; one kept by each acknowledged request whose slot
  // waited in the sent window for later acknowledgements held ~15-20 MiB more at peak under single-record load.
  test("a request answered with every record written lets go of its receiver while its slot stays in the sent window", async () => {
    const q = new IngestQueue({ maxQueued: 100, maxPoll: 100, retryAfterSeconds: 3, toSourceRecord });
    const { receiver, answered } = submitWithReceiver(q, 1);
    const other = q.submit({ topic: "t", records: [record(2)], signal: never });
    const polled = await q.poll(never);
    q.ack(polled[0]!, { topic: "t", partition: 0, offset: 1, timestamp: null });
    expect(await answered).toEqual([written(1)]);
    Bun.gc(true);
    expect(receiver.deref()).toBeUndefined();
    q.ack(polled[1]!, { topic: "t", partition: 0, offset: 2, timestamp: null });
    expect(await other).toEqual([written(2)]);
  });
});

/** Submits record `n` with a receiver only the queue holds; `receiver` says whether it is still alive. */
function submitWithReceiver(q: IngestQueue, n: number) {
  const late = { settled: (_outcomes: RecordOutcome[]) => {} };
  const answered = q.submit({ topic: "t", records: [record(n)], signal: never, late });
  return { receiver: new WeakRef(late), answered };
}
