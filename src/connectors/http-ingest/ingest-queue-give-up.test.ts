/**
 * IngestQueue.giveUp, the gateway's graceful stop (split from ingest-queue.test.ts, which passed the
 * conventions' 500 lines): the requests waiting answer at once, and the give-up sticks for later ones.
 */
import { describe, expect, test } from "bun:test";
import type { RecordOutcome } from "../../ingest/ingest-record.ts";
import { nativeResponse } from "../../ingest/native-response.ts";
import { parseV3Records, v3RecordsResponse } from "../../ingest/rest-proxy-v3.ts";
import { bytes, post, testRecord, testSettings } from "../../ingest/test-support.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { IngestQueue } from "./ingest-queue.ts";
import { toSourceRecord } from "./task.ts";

const record = testRecord;

const never = new AbortController().signal;
const meta = (offset: number) => ({ topic: "t", partition: 0, offset, timestamp: null });

describe("IngestQueue.giveUp", () => {
  const failedMaybeWritten = expect.objectContaining({ kind: "failed", maybeWritten: true });
  const written = (offset: number) => ({ kind: "written" as const, topic: "t", partition: 0, offset, timestamp: 7 });

  test("giveUp (the gateway stopping): every waiting request answers now; sent records may be written, queued ones not; later acknowledgements change nothing", async () => {
    const q = new IngestQueue({ maxQueued: 100, maxPoll: 2, retryAfterSeconds: 3, toSourceRecord });
    const acked = q.submit({ topic: "t", records: [record(0)], signal: never });
    const sent = q.submit({ topic: "t", records: [record(1)], signal: never });
    const split = q.submit({ topic: "t", records: [record(2), record(3)], signal: never });
    const queued = q.submit({ topic: "t", records: [record(4)], signal: never });
    const first = await q.poll(never); // records 0 and 1
    const second = await q.poll(never); // records 2 and 3
    q.ack(first[0]!, meta(0));
    q.ack(second[0]!, meta(2));
    q.giveUp("stopping");
    expect(q.pending).toBe(0);
    expect(await acked).toEqual([written(0)]);
    expect(await sent).toEqual([failedMaybeWritten]);
    expect(await split).toEqual([written(2), failedMaybeWritten]);
    expect(await queued).toEqual([{ kind: "failed", message: "stopping", retriable: true, maybeWritten: false }]);
    // Kafka answers after all: nothing changes, and the queue still polls (nothing is left).
    q.ack(first[1]!, meta(1));
    q.ack(second[1]!, meta(3));
    expect(q.pending).toBe(0);
    expect(await q.poll(AbortSignal.abort())).toEqual([]);
  });

  test("giveUp while the task's retried send certainly wrote nothing (its producer never connected): the send is held and the sent records answer as not written (explore7 K3)", async () => {
    let holds = 0;
    let certain = true;
    const q = new IngestQueue({
      maxQueued: 100,
      maxPoll: 1,
      retryAfterSeconds: 3,
      toSourceRecord,
      holdUnwritten: () => {
        holds++;
        return certain;
      },
    });
    const sent = q.submit({ topic: "t", records: [record(0)], signal: never });
    const queued = q.submit({ topic: "t", records: [record(1)], signal: never });
    const [polled] = await q.poll(never);
    q.giveUp("stopping");
    expect(holds).toBe(1);
    expect(await sent).toEqual([{ kind: "failed", message: "stopping", retriable: true, maybeWritten: false }]);
    expect(await queued).toEqual([{ kind: "failed", message: "stopping", retriable: true, maybeWritten: false }]);
    // The stop gives it back as not sent: nothing changes.
    q.notSent(polled!, "stopped");
    expect(q.pending).toBe(0);
    // Not asked when nothing is sent; when the send may have written, the sent record may still be written.
    certain = false;
    const other = new IngestQueue({
      maxQueued: 100,
      maxPoll: 1,
      retryAfterSeconds: 3,
      toSourceRecord,
      holdUnwritten: () => certain,
    });
    const maybe = other.submit({ topic: "t", records: [record(2)], signal: never });
    await other.poll(never);
    other.giveUp("stopping");
    expect(await maybe).toEqual([failedMaybeWritten]);
    q.giveUp("again");
    expect(holds).toBe(1);
  });

  describe("after giveUp (review rv-chaos: a request arriving after the give-up was cut off unanswered)", () => {
    const notWritten: RecordOutcome = { kind: "failed", message: "stopping", retriable: true, maybeWritten: false };
    const givenUp = (clock = new ManualClock()) =>
      new IngestQueue({ maxQueued: 100, maxPoll: 1000, retryAfterSeconds: 3, toSourceRecord, clock });

    test("a later submission answers at once as not written, as a queued record did, and is never polled", async () => {
      const clock = new ManualClock();
      const q = givenUp(clock);
      const queued = q.submit({ topic: "t", records: [record(1), record(2)], signal: never });
      q.giveUp("stopping");
      q.giveUp("stopping again"); // the first reason stays
      const late = q.submit({ topic: "t", records: [record(3), record(4)], signal: never });
      // At once: already resolved, not waiting for a poll or an acknowledgement.
      expect(await Promise.race([late, Promise.resolve("waiting")])).toEqual([notWritten, notWritten]);
      let offered: unknown;
      q.offer({ topic: "t", records: [record(5)], signal: never }, (outcomes) => {
        offered = outcomes;
      });
      expect(offered).toEqual([notWritten]);
      expect(await queued).toEqual(await late);
      expect(await q.submit({ topic: "t", records: [], signal: never })).toEqual([]);
      expect(q.pending).toBe(0);
      const polling = q.poll(never, 1000);
      clock.advance(1000);
      expect(await polling).toEqual([]); // nothing of it reaches Kafka
    });

    test("it sticks past the task's stop and over the queue's limits: the give-up's answer, not a 503 of its own", async () => {
      const q = new IngestQueue({ maxQueued: 1, maxPoll: 1000, retryAfterSeconds: 3, toSourceRecord });
      q.giveUp("stopping");
      expect(await q.submit({ topic: "t", records: [record(1), record(2)], signal: never })).toEqual([
        notWritten,
        notWritten,
      ]);
      q.stop("task stopping");
      expect(await q.submit({ topic: "t", records: [record(3)], signal: never })).toEqual([notWritten]);
    });

    test("a request aborted already gets the same answer", async () => {
      const q = givenUp();
      q.giveUp("stopping");
      const outcomes = await q.submit({ topic: "t", records: [record(1)], signal: AbortSignal.abort() });
      expect(outcomes).toEqual([notWritten]);
    });

    test("the answer is the give-up's for queued records: native 503 + Retry-After, a v3 stream's every report 500/50003", async () => {
      const q = givenUp();
      const body = '{"value":{"type":"STRING","data":"a"}}{"value":{"type":"STRING","data":"b"}}';
      const stream = () => parseV3Records(testSettings(), post(body, "application/json"), bytes(body), 7);
      const queuedStream = stream();
      const queuedNative = q.submit({ topic: "t", records: [record(1), record(2)], signal: never });
      const queuedV3 = q.submit({ topic: "t", records: queuedStream.records, signal: never });
      q.giveUp("The gateway stopped before Kafka acknowledged the record");
      const lateStream = stream();
      const lateNative = q.submit({ topic: "t", records: [record(3), record(4)], signal: never });
      const lateV3 = q.submit({ topic: "t", records: lateStream.records, signal: never });
      const answer = async (response: Response) => ({
        status: response.status,
        retryAfter: response.headers.get("retry-after"),
        body: await response.text(),
      });
      const native = await answer(nativeResponse("t", await lateNative, 3));
      expect(native).toEqual(await answer(nativeResponse("t", await queuedNative, 3)));
      expect(native.status).toBe(503);
      expect(native.retryAfter).toBe("3");
      expect(JSON.parse(native.body)).toMatchObject({
        error_code: 50003,
        message:
          "2 of 2 records were not acknowledged by Kafka (none of them was written): The gateway stopped before Kafka acknowledged the record",
      });
      const c = { clusterId: "c", topic: "t" };
      const v3 = await answer(v3RecordsResponse(c, lateStream, await lateV3, true));
      expect(v3).toEqual(await answer(v3RecordsResponse(c, queuedStream, await queuedV3, true)));
      const report = '{"error_code":50003,"message":"The gateway stopped before Kafka acknowledged the record"}';
      expect(v3).toEqual({ status: 200, retryAfter: null, body: report + report });
      const one = '{"value":{"type":"STRING","data":"c"}}';
      const lateOne = parseV3Records(testSettings(), post(one, "application/json"), bytes(one), 7);
      const outcomes = await q.submit({ topic: "t", records: lateOne.records, signal: never });
      // One record, not streamed: its report with REST Proxy's status for a failed produce.
      expect(await answer(v3RecordsResponse(c, lateOne, outcomes, false))).toEqual({
        status: 500,
        retryAfter: null,
        body: report,
      });
    });
  });
});
