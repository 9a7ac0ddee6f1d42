/**
 * IngestQueue lets go of a request once Kafka acknowledged its records: neither its queue (polled slots before its
 * head) nor its sent window (acknowledged slots before the oldest awaited one) keeps it until compaction, which under
 * single-record load held up to ~4096 requests (their records, outcomes and sizes) at peak (winrelease).
 */
import { describe, expect, test } from "bun:test";
import type { SourceRecord } from "../../api/record.ts";
import { testRecord as record } from "../../ingest/test-support.ts";
import { IngestQueue } from "./ingest-queue.ts";
import { toSourceRecord } from "./task.ts";

const never = new AbortController().signal;
/** A request's own signal, as an HTTP request's: a signal shared by every request would hold each as its listener. */
const own = () => new AbortController().signal;
const written = (offset: number) => ({ kind: "written" as const, topic: "t", partition: 0, offset, timestamp: 7 });
const meta = (offset: number) => ({ topic: "t", partition: 0, offset, timestamp: null });

function queue(maxPoll: number) {
  return new IngestQueue({ maxQueued: 100, maxPoll, retryAfterSeconds: 3, toSourceRecord });
}

/** Polls `q`; `polled` says whether each record polled is still alive, the test holding none of them. */
async function polledRefs(q: IngestQueue) {
  const records = await q.poll(never);
  return records.map((polled) => new WeakRef(polled));
}

/** Acknowledges the record of `ref` (offset `offset`). */
function ack(q: IngestQueue, ref: WeakRef<SourceRecord>, offset: number) {
  q.ack(ref.deref()!, meta(offset));
}

describe("IngestQueue lets go of acknowledged requests", () => {
  test("a request polled and acknowledged while later ones are still queued", async () => {
    const q = queue(1);
    const first = q.submit({ topic: "t", records: [record(1)], signal: own() });
    const second = q.submit({ topic: "t", records: [record(2)], signal: own() });
    const [polled] = await polledRefs(q);
    ack(q, polled!, 1);
    expect(await first).toEqual([written(1)]);
    Bun.gc(true);
    expect(polled!.deref()).toBeUndefined();
    const [next] = await polledRefs(q);
    ack(q, next!, 2);
    expect(await second).toEqual([written(2)]);
  });

  test("a request acknowledged while later ones polled with it still await theirs", async () => {
    const q = queue(100);
    const answers = [1, 2, 3].map((n) => q.submit({ topic: "t", records: [record(n)], signal: own() }));
    const refs = await polledRefs(q);
    ack(q, refs[0]!, 1);
    expect(await answers[0]).toEqual([written(1)]);
    Bun.gc(true);
    expect(refs[0]!.deref()).toBeUndefined();
    expect(q.pending).toBe(2);
    ack(q, refs[1]!, 2);
    ack(q, refs[2]!, 3);
    expect(await Promise.all(answers.slice(1))).toEqual([[written(2)], [written(3)]]);
  });
});
