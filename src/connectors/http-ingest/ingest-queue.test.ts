import { describe, expect, test } from "bun:test";
import { JavaException, RetriableError } from "../../errors.ts";
import { nativeResponse } from "../../ingest/native-response.ts";
import { testRecord } from "../../ingest/test-support.ts";
import { withMissingTopics } from "../../kafka/missing-topic.ts";
import { withKafkaError } from "../../kafka/send-rejection.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { IngestQueue } from "./ingest-queue.ts";
import { toSourceRecord } from "./task.ts";

const record = testRecord;

function queue(maxQueued = 100) {
  return new IngestQueue({ maxQueued, maxPoll: 1000, retryAfterSeconds: 3, toSourceRecord });
}

const never = new AbortController().signal;
const meta = (offset: number) => ({ topic: "t", partition: 0, offset, timestamp: null });

describe("IngestQueue", () => {
  test("one poll takes the records of every waiting request; each request resolves when all its records are acked", async () => {
    const q = queue();
    const a = q.submit({ topic: "t", records: [record(1), record(2)], signal: never });
    const b = q.submit({ topic: "t", records: [record(3)], signal: never });
    const polled = await q.poll(never);
    expect(polled.map((r) => r.value)).toEqual([1, 2, 3]);
    expect(q.pending).toBe(3);
    q.ack(polled[2]!, meta(12));
    expect(await b).toEqual([{ kind: "written", topic: "t", partition: 0, offset: 12, timestamp: 7 }]);
    q.ack(polled[0]!, meta(10));
    q.ack(polled[1]!, null);
    expect(await a).toEqual([
      { kind: "written", topic: "t", partition: 0, offset: 10, timestamp: 7 },
      { kind: "dropped" },
    ]);
    expect(q.pending).toBe(0);
  });

  test("a record Kafka refused for good fails alone, as not written and not retriable (P1.1)", async () => {
    const q = queue();
    const a = q.submit({ topic: "t", records: [record(1), record(2)], signal: never });
    const polled = await q.poll(never);
    q.ack(polled[0]!, meta(10));
    q.ack(polled[1]!, null, { error: "MESSAGE_TOO_LARGE", message: "Kafka rejected 1 record(s) for t-0" });
    expect(await a).toEqual([
      { kind: "written", topic: "t", partition: 0, offset: 10, timestamp: 7 },
      {
        kind: "failed",
        message:
          "Kafka refused the record (MESSAGE_TOO_LARGE); sending it again will not help: Kafka rejected 1 record(s) for t-0",
        retriable: false,
        maybeWritten: false,
        kafkaError: "MESSAGE_TOO_LARGE",
      },
    ]);
    expect(q.pending).toBe(0);
  });

  test("a wake-up left by records an earlier poll took does not end the next poll's wait empty-handed", async () => {
    const q = queue();
    q.submit({ topic: "t", records: [record(1)], signal: never });
    q.submit({ topic: "t", records: [record(2)], signal: never }); // notifies again: no poll is waiting
    expect((await q.poll(never)).map((r) => r.value)).toEqual([1, 2]);
    let answered = false;
    const next = q.poll(never, 60_000).finally(() => {
      answered = true;
    });
    await new Promise((resolve) => setImmediate(resolve)); // let the poll run as far as it can
    expect(answered).toBe(false);
    q.submit({ topic: "t", records: [record(3)], signal: never });
    expect((await next).map((r) => r.value)).toEqual([3]);
  });

  test("requests queued in the event-loop turn that woke a poll go out in that poll", async () => {
    const q = queue();
    const polled = q.poll(never, 60_000);
    await new Promise((resolve) => setImmediate(resolve)); // the poll waits
    q.submit({ topic: "t", records: [record(1)], signal: never });
    for (let i = 0; i < 10; i++) await Promise.resolve(); // later in the same turn
    q.submit({ topic: "t", records: [record(2)], signal: never });
    expect((await polled).map((r) => r.value)).toEqual([1, 2]);
  });

  test("an aborted request withdraws its queued records (not written) and fails its sent ones (may be written)", async () => {
    const q = queue();
    const abort = new AbortController();
    const sent = q.submit({ topic: "t", records: [record(1)], signal: abort.signal });
    await q.poll(never);
    const queued = q.submit({ topic: "t", records: [record(2)], signal: abort.signal });
    abort.abort(new Error("timed out"));
    expect(await sent).toEqual([
      {
        kind: "failed",
        message: "timed out; the record was handed to the producer and may still be written",
        retriable: true,
        maybeWritten: true,
      },
    ]);
    expect(await queued).toEqual([{ kind: "failed", message: "timed out", retriable: true, maybeWritten: false }]);
    expect(q.pending).toBe(0);
    const next = q.submit({ topic: "t", records: [record(3)], signal: never });
    const polled = await q.poll(never);
    expect(polled.map((r) => r.value)).toEqual([3]);
    q.ack(polled[0]!, meta(1));
    expect((await next)[0]!.kind).toBe("written");
  });

  /** A queue whose task's send is retried (`sendFailure`): a request's record handed to the producer, another queued. */
  async function sentAndQueued(sendFailure: () => unknown, signal: AbortSignal) {
    const q = new IngestQueue({ maxQueued: 100, maxPoll: 1, retryAfterSeconds: 3, toSourceRecord, sendFailure });
    const sent = q.submit({ topic: "t", records: [record(1)], signal });
    await q.poll(never);
    const queued = q.submit({ topic: "t", records: [record(2)], signal });
    return { q, sent, queued };
  }

  // explore4 J7: kafka-mode ingest answered only "may still be written" for a topic Kafka does not know.
  test("an aborted request while the task's send is retried because Kafka does not know the topic says so", async () => {
    let sendFailure: unknown;
    const abort = new AbortController();
    const { sent, queued } = await sentAndQueued(() => sendFailure, abort.signal);
    sendFailure = withMissingTopics(new RetriableError("Failed to send records to Kafka: …"), ["t"]);
    abort.abort(new Error("timed out"));
    const cause =
      "Kafka answers that topic t does not exist (the brokers do not create it: auto.create.topics.enable=false?)";
    expect([...(await sent), ...(await queued)]).toEqual([
      {
        kind: "failed",
        message: `timed out: ${cause}; the record was handed to the producer and may still be written once the topic exists`,
        retriable: true,
        maybeWritten: true,
      },
      { kind: "failed", message: `timed out: ${cause}`, retriable: true, maybeWritten: false },
    ]);
  });

  // explore26 F4: a request timing out while too few replicas were in sync said only that Kafka did not acknowledge it.
  test("an aborted request while the task's send is retried after a broker's answer names that answer", async () => {
    const notEnoughReplicas = new JavaException(
      "org.apache.kafka.common.errors.NotEnoughReplicasException",
      "Messages are rejected since there are fewer in-sync replicas than required.",
    );
    let sendFailure: unknown = new RetriableError("Connection to 127.0.0.1:9092 failed");
    const abort = new AbortController();
    const { q, sent, queued } = await sentAndQueued(() => sendFailure, abort.signal);
    const unreached = q.submit({ topic: "t", records: [record(3)], signal: AbortSignal.abort(new Error("timed out")) });
    sendFailure = withKafkaError(
      new RetriableError("Kafka rejected 1 record(s) for t-0: NOT_ENOUGH_REPLICAS", { cause: notEnoughReplicas }),
      "NOT_ENOUGH_REPLICAS",
    );
    abort.abort(new Error("timed out"));
    const why =
      "timed out; the last error: NOT_ENOUGH_REPLICAS (Messages are rejected since there are fewer in-sync replicas than required.)";
    expect([...(await sent), ...(await queued), ...(await unreached)]).toEqual([
      {
        kind: "failed",
        message: `${why}; the record was handed to the producer and may still be written`,
        retriable: true,
        maybeWritten: true,
      },
      { kind: "failed", message: why, retriable: true, maybeWritten: false },
      // Not a broker's answer (Kafka not reached): nothing more to name.
      { kind: "failed", message: "timed out", retriable: true, maybeWritten: false },
    ]);
  });

  // review P3-7: the stopping task's retry ends, so its records are not written once the topic exists.
  test.each([
    ["closed", (q: IngestQueue) => q.close("stopped")],
    ["given up", (q: IngestQueue) => q.giveUp("stopped")],
  ])(
    "a sent record failed because its queue is %s while Kafka does not know the topic is not promised to the topic's creation",
    async (_how, end) => {
      const q = new IngestQueue({
        maxQueued: 100,
        maxPoll: 1,
        retryAfterSeconds: 3,
        toSourceRecord,
        sendFailure: () => withMissingTopics(new RetriableError("Failed to send records to Kafka: …"), ["t"]),
      });
      const sent = q.submit({ topic: "t", records: [record(1)], signal: never });
      await q.poll(never);
      end(q);
      const cause =
        "Kafka answers that topic t does not exist (the brokers do not create it: auto.create.topics.enable=false?)";
      expect(await sent).toEqual([
        {
          kind: "failed",
          message: `stopped: ${cause}; the record was handed to the producer and may still be written`,
          retriable: true,
          maybeWritten: true,
        },
      ]);
    },
  );

  test("a request of several records aborted with some sent and some queued; one already aborted when submitted", async () => {
    const q = new IngestQueue({ maxQueued: 100, maxPoll: 2, retryAfterSeconds: 3, toSourceRecord });
    const abort = new AbortController();
    const several = q.submit({ topic: "t", records: [record(1), record(2), record(3)], signal: abort.signal });
    const polled = await q.poll(never); // the first two
    q.ack(polled[0]!, meta(1));
    abort.abort(new Error("gone"));
    expect(await several).toEqual([
      { kind: "written", topic: "t", partition: 0, offset: 1, timestamp: 7 },
      {
        kind: "failed",
        message: "gone; the record was handed to the producer and may still be written",
        retriable: true,
        maybeWritten: true,
      },
      { kind: "failed", message: "gone", retriable: true, maybeWritten: false },
    ]);
    expect(q.pending).toBe(0);
    const late = new AbortController();
    late.abort(new Error("left"));
    expect(await q.submit({ topic: "t", records: [record(4)], signal: late.signal })).toEqual([
      { kind: "failed", message: "left", retriable: true, maybeWritten: false },
    ]);
    const next = q.submit({ topic: "t", records: [record(5)], signal: never });
    const [only] = await q.poll(never);
    expect(only!.value).toBe(5);
    q.ack(polled[1]!, meta(2)); // the aborted request's sent record, acknowledged later: nothing changes
    q.ack(only!, meta(5));
    expect(await next).toEqual([{ kind: "written", topic: "t", partition: 0, offset: 5, timestamp: 7 }]);
  });

  test("a poll ends between requests: a request that would cross maxPoll waits whole for the next poll", async () => {
    const q = new IngestQueue({ maxQueued: 100, maxPoll: 3, retryAfterSeconds: 3, toSourceRecord });
    const a = q.submit({ topic: "t", records: [record(1), record(2)], signal: never });
    const b = q.submit({ topic: "t", records: [record(3), record(4)], signal: never });
    const c = q.submit({ topic: "t", records: [record(5)], signal: never });
    const first = await q.poll(never);
    expect(first.map((r) => r.value)).toEqual([1, 2]); // b would be cut after 3
    q.withdrawQueued("paused");
    expect(await b).toEqual([
      { kind: "failed", message: "paused", retriable: true, maybeWritten: false },
      { kind: "failed", message: "paused", retriable: true, maybeWritten: false },
    ]);
    expect((await c)[0]!.kind).toBe("failed");
    q.ack(first[0]!, meta(1));
    q.ack(first[1]!, meta(2));
    expect((await a).map((o) => o.kind)).toEqual(["written", "written"]);
    // A request alone larger than maxPoll is split (else it could never go out); the ones behind it wait.
    const big = q.submit({ topic: "t", records: [1, 2, 3, 4, 5].map(record), signal: never });
    const after = q.submit({ topic: "t", records: [record(6)], signal: never });
    const head = await q.poll(never);
    expect(head.map((r) => r.value)).toEqual([1, 2, 3]);
    const rest = await q.poll(never); // big's rest, then `after` whole (it fits)
    expect(rest.map((r) => r.value)).toEqual([4, 5, 6]);
    for (const [i, r] of [...head, ...rest].entries()) q.ack(r, meta(10 + i));
    expect((await big).map((o) => o.kind)).toEqual(["written", "written", "written", "written", "written"]);
    expect(await after).toEqual([{ kind: "written", topic: "t", partition: 0, offset: 15, timestamp: 7 }]);
  });

  test("the reviewer's sequence: a request split across two polls, its first part acknowledged, the rest withdrawn, answers 500 without Retry-After", async () => {
    const q = new IngestQueue({ maxQueued: 100, maxPoll: 2, retryAfterSeconds: 5, toSourceRecord });
    const request = q.submit({ topic: "t", records: [record(1), record(2), record(3)], signal: never });
    const polled = await q.poll(never);
    expect(polled).toHaveLength(2);
    q.ack(polled[0]!, meta(1));
    q.ack(polled[1]!, meta(2));
    q.withdrawQueued("The ingest connector c is paused");
    const response = nativeResponse("t", await request, 5);
    expect(response.status).toBe(500);
    expect(response.headers.get("retry-after")).toBeNull();
    const body = (await response.json()) as { error_code: number; message: string; offsets: unknown[] };
    expect(body.error_code).toBe(50002);
    expect(body.message).toBe(
      "1 of 3 records were not acknowledged by Kafka (the others were written: sending the request again writes them again): The ingest connector c is paused",
    );
    expect(body.offsets).toHaveLength(3);
  });

  test("withdrawQueued (pause) fails queued records only; close fails everything and refuses more", async () => {
    const q = queue();
    const first = q.submit({ topic: "t", records: [record(1)], signal: never });
    const polled = await q.poll(never);
    const second = q.submit({ topic: "t", records: [record(2)], signal: never });
    q.withdrawQueued("paused");
    expect(await second).toEqual([{ kind: "failed", message: "paused", retriable: true, maybeWritten: false }]);
    q.close("stopped");
    expect((await first)[0]).toMatchObject({ kind: "failed", maybeWritten: true });
    q.ack(polled[0]!, meta(1));
    expect(() => q.submit({ topic: "t", records: [record(3)], signal: never })).toThrow("stopped");
  });

  test("stop fails queued records only and refuses more; sent ones are settled by Kafka's acknowledgement until close", async () => {
    const q = queue();
    const first = q.submit({ topic: "t", records: [record(1)], signal: never });
    const second = q.submit({ topic: "t", records: [record(2)], signal: never });
    const polled = await q.poll(never);
    const third = q.submit({ topic: "t", records: [record(3), record(4)], signal: never });
    q.stop("stopping");
    expect(await third).toEqual([
      { kind: "failed", message: "stopping", retriable: true, maybeWritten: false },
      { kind: "failed", message: "stopping", retriable: true, maybeWritten: false },
    ]);
    expect(() => q.submit({ topic: "t", records: [record(5)], signal: never })).toThrow("stopping");
    expect(await q.poll(never)).toEqual([]);
    expect(q.pending).toBe(2);
    q.ack(polled[0]!, meta(1));
    expect(await first).toEqual([{ kind: "written", topic: "t", partition: 0, offset: 1, timestamp: 7 }]);
    q.close("stopped");
    expect(await second).toEqual([
      {
        kind: "failed",
        message: "stopped; the record was handed to the producer and may still be written",
        retriable: true,
        maybeWritten: true,
      },
    ]);
    q.ack(polled[1]!, meta(2)); // after close: nothing changes
    expect(q.pending).toBe(0);
  });

  test("thousands of acknowledgements in and out of poll order, with aborted requests among them: each request gets its own outcomes", async () => {
    const q = new IngestQueue({ maxQueued: 100_000, maxPoll: 100_000, retryAfterSeconds: 3, toSourceRecord });
    const aborts: AbortController[] = [];
    const requests: Promise<unknown>[] = [];
    for (let i = 0; i < 12_000; i++) {
      const abort = new AbortController();
      aborts.push(abort);
      requests.push(q.submit({ topic: "t", records: [record(i)], signal: abort.signal }));
    }
    const polled = await q.poll(never);
    expect(polled).toHaveLength(12_000);
    // Every tenth request aborts (its record was sent: may be written); the first thousand are acknowledged in reverse.
    for (let i = 0; i < 12_000; i += 10) aborts[i]!.abort(new Error("gone"));
    for (let i = 999; i >= 1; i--) if (i % 10 !== 0) q.ack(polled[i]!, meta(i)); // out of order
    for (let i = 1000; i < 12_000; i++) if (i % 10 !== 0) q.ack(polled[i]!, meta(i));
    expect(q.pending).toBe(0);
    q.ack(polled[0]!, meta(0)); // already failed: nothing changes
    q.ack(polled[5]!, meta(99)); // acknowledged twice: the first outcome stays
    const outcomes = await Promise.all(requests);
    outcomes.forEach((o, i) => {
      if (i % 10 === 0) expect(o).toEqual([expect.objectContaining({ kind: "failed", maybeWritten: true })]);
      else expect(o).toEqual([{ kind: "written", topic: "t", partition: 0, offset: i, timestamp: 7 }]);
    });
    // Nothing left behind: the next request is acknowledged by its own record.
    const next = q.submit({ topic: "t", records: [record("n")], signal: never });
    const [only] = await q.poll(never);
    q.ack(only!, meta(7));
    expect(await next).toEqual([{ kind: "written", topic: "t", partition: 0, offset: 7, timestamp: 7 }]);
  });

  test("a request that would overfill the queue gets 503 with Retry-After", async () => {
    const q = queue(3);
    void q.submit({ topic: "t", records: [record(1), record(2)], signal: never });
    try {
      q.submit({ topic: "t", records: [record(3), record(4)], signal: never });
      throw new Error("accepted");
    } catch (error) {
      expect(error).toMatchObject({ status: 503, options: { retryAfterSeconds: 3 } });
    }
  });

  test("offer: the request's outcomes go to the resolve function it was given; it refuses as submit does", async () => {
    const q = queue(3);
    const answers: unknown[] = [];
    q.offer({ topic: "t", records: [record(1)], signal: never }, (outcomes) => answers.push(outcomes));
    q.offer({ topic: "t", records: [], signal: never }, (outcomes) => answers.push(outcomes));
    expect(answers).toEqual([[]]);
    expect(() => q.offer({ topic: "t", records: [record(2), record(3), record(4)], signal: never }, () => {})).toThrow(
      expect.objectContaining({ status: 503, options: { retryAfterSeconds: 3 } }),
    );
    const polled = await q.poll(never);
    expect(polled.map((r) => r.value)).toEqual([1]);
    q.ack(polled[0]!, meta(5));
    expect(answers).toEqual([[], [{ kind: "written", topic: "t", partition: 0, offset: 5, timestamp: 7 }]]);
    q.close("stopping");
    expect(() => q.offer({ topic: "t", records: [record(6)], signal: never }, () => {})).toThrow("stopping");
  });

  test("poll returns [] at once when its signal aborts while waiting", async () => {
    const q = queue();
    const abort = new AbortController();
    const polling = q.poll(abort.signal, 60_000);
    abort.abort();
    expect(await polling).toEqual([]);
  });

  test("a wake-up left over from records an earlier poll took does not end the next wait", async () => {
    const clock = new ManualClock();
    const q = new IngestQueue({ maxQueued: 100, maxPoll: 1000, retryAfterSeconds: 3, toSourceRecord, clock });
    // Both requests notify while nobody waits; one poll takes both records.
    void q.submit({ topic: "t", records: [record(1)], signal: never });
    void q.submit({ topic: "t", records: [record(2)], signal: never });
    expect((await q.poll(never)).map((r) => r.value)).toEqual([1, 2]);
    let settled = false;
    const polling = q.poll(never, 1000).then((records) => {
      settled = true;
      return records;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false); // still waiting: no empty answer that would make the runtime back off
    void q.submit({ topic: "t", records: [record(3)], signal: never });
    expect((await polling).map((r) => r.value)).toEqual([3]);
    expect(clock.now()).toBe(0); // woken by the request, not by time passing
  });

  test("waits share one timer: a later wait arms none, and still ends at its own deadline", async () => {
    const clock = new ManualClock();
    const q = new IngestQueue({ maxQueued: 100, maxPoll: 1000, retryAfterSeconds: 3, toSourceRecord, clock });
    const first = q.poll(never, 1000); // arms the timer for t=1000
    await new Promise((resolve) => setImmediate(resolve));
    void q.submit({ topic: "t", records: [record(1)], signal: never });
    expect((await first).map((r) => r.value)).toEqual([1]);
    clock.advance(500);
    let settled = false;
    const second = q.poll(never, 1000).then((records) => {
      settled = true;
      return records;
    }); // its deadline is t=1500: the timer armed for t=1000 serves it
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.sleeps).toEqual([1000]);
    clock.advance(500); // t=1000: the timer fires, the wait is not over, it re-arms for t=1500
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(clock.sleeps).toEqual([1000, 500]);
    clock.advance(499);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    clock.advance(1);
    expect(await second).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  test("a poll's wait is measured on the monotonic clock: a wall-clock step neither ends nor extends it", async () => {
    const clock = new ManualClock(1_800_000_000_000);
    const q = new IngestQueue({ maxQueued: 100, maxPoll: 1000, retryAfterSeconds: 3, toSourceRecord, clock });
    let settled = false;
    const polling = q.poll(never, 1000).then((records) => {
      settled = true;
      return records;
    });
    await new Promise((resolve) => setImmediate(resolve));
    clock.stepWallClock(3_600_000);
    clock.advance(999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    clock.stepWallClock(-7_200_000);
    clock.advance(1);
    expect(await polling).toEqual([]);
    expect(clock.sleeps).toEqual([1000]);
  });

  test("closing the queue ends a wait and disarms its timer", async () => {
    const clock = new ManualClock();
    const q = new IngestQueue({ maxQueued: 100, maxPoll: 1000, retryAfterSeconds: 3, toSourceRecord, clock });
    const polling = q.poll(never, 60_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pending).toBe(1);
    q.close("stopping");
    expect(await polling).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  test("poll returns [] once its maximum wait has passed on the task's clock", async () => {
    const clock = new ManualClock();
    const q = new IngestQueue({ maxQueued: 100, maxPoll: 1000, retryAfterSeconds: 3, toSourceRecord, clock });
    const polling = q.poll(never, 1000);
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(1000);
    expect(await polling).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});

describe("IngestQueue acknowledgements", () => {
  // Where an acknowledgement finds its record (at the cursor, searching only out of order) is
  // SentRecords' contract: sent-records.test.ts. Here: each request gets its own outcomes.
  const failedMaybeWritten = expect.objectContaining({ kind: "failed", maybeWritten: true });
  const written = (offset: number) => ({ kind: "written" as const, topic: "t", partition: 0, offset, timestamp: 7 });
  const big = () => new IngestQueue({ maxQueued: 100_000, maxPoll: 10_000, retryAfterSeconds: 3, toSourceRecord });

  function submitMany(q: IngestQueue, count: number) {
    const aborts: AbortController[] = [];
    const requests: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const abort = new AbortController();
      aborts.push(abort);
      requests.push(q.submit({ topic: "t", records: [record(i)], signal: abort.signal }));
    }
    return { aborts, requests };
  }

  test("in poll order, records of abandoned requests among them (half of 20,000): each request gets its own outcome", async () => {
    const q = big();
    const { aborts, requests } = submitMany(q, 20_000);
    const polled = [...(await q.poll(never)), ...(await q.poll(never))]; // two batches of 10,000
    expect(polled).toHaveLength(20_000);
    for (let i = 0; i < 10_000; i++) aborts[i]!.abort(new Error("timed out")); // the older half
    expect(q.pending).toBe(10_000);
    // Kafka acknowledges every record in poll order, the abandoned ones too; every 7th was dropped.
    for (let i = 0; i < 20_000; i++) q.ack(polled[i]!, i % 7 === 0 ? null : meta(i));
    expect(q.pending).toBe(0);
    const outcomes = await Promise.all(requests);
    outcomes.forEach((o, i) => {
      if (i < 10_000) expect(o).toEqual([failedMaybeWritten]);
      else expect(o).toEqual([i % 7 === 0 ? { kind: "dropped" } : written(i)]);
    });
  });

  test("a request of several records abandoned with all of them sent, then acknowledged in order", async () => {
    const q = queue();
    const abort = new AbortController();
    const several = q.submit({ topic: "t", records: [record(1), record(2), record(3)], signal: abort.signal });
    const single = q.submit({ topic: "t", records: [record(4)], signal: never });
    const polled = await q.poll(never);
    q.ack(polled[0]!, meta(1));
    abort.abort(new Error("gone"));
    expect(await several).toEqual([written(1), failedMaybeWritten, failedMaybeWritten]);
    q.ack(polled[1]!, meta(2));
    q.ack(polled[2]!, null);
    q.ack(polled[3]!, meta(4));
    expect(await single).toEqual([written(4)]);
    expect(q.pending).toBe(0);
  });

  test("a repeated acknowledgement changes nothing and the next one still settles its record", async () => {
    const q = queue();
    const a = q.submit({ topic: "t", records: [record(1)], signal: never });
    const b = q.submit({ topic: "t", records: [record(2)], signal: never });
    const polled = await q.poll(never);
    q.ack(polled[0]!, meta(1));
    q.ack(polled[0]!, meta(99));
    expect(await a).toEqual([written(1)]);
    q.ack(polled[1]!, meta(2));
    expect(await b).toEqual([written(2)]);
    q.ack(polled[1]!, meta(98)); // nothing sent any more
    expect(q.pending).toBe(0);
  });

  test("an abandoned record keeps its place while acknowledgements around it are compacted away; its late acknowledgement changes nothing", async () => {
    const q = big();
    const { aborts, requests } = submitMany(q, 10_000);
    const polled = await q.poll(never);
    // Record 0 is acknowledged last; records 1..5000 in order (acknowledged ahead of it: compacted
    // away once they pile up); 5001.. are abandoned and then acknowledged in order.
    for (let i = 1; i <= 5000; i++) q.ack(polled[i]!, meta(i));
    for (let i = 5001; i < 10_000; i++) aborts[i]!.abort(new Error("timed out"));
    for (let i = 5001; i < 10_000; i++) q.ack(polled[i]!, meta(i));
    q.ack(polled[0]!, meta(0));
    q.ack(polled[3]!, meta(3)); // repeated, its slot compacted away: nothing changes
    expect(q.pending).toBe(0);
    const outcomes = await Promise.all(requests);
    outcomes.forEach((o, i) => {
      expect(o).toEqual([i <= 5000 ? written(i) : failedMaybeWritten]);
    });
  });

  test("out of poll order: each record gets its own outcome; a dropped record (null metadata) resolves as dropped", async () => {
    const q = queue();
    const requests = [1, 2, 3, 4, 5].map((v) => q.submit({ topic: "t", records: [record(v)], signal: never }));
    const polled = await q.poll(never);
    q.ack(polled[3]!, meta(4));
    q.ack(polled[1]!, null);
    q.ack(polled[4]!, meta(5));
    q.ack(polled[0]!, meta(1));
    expect(q.pending).toBe(1);
    q.ack(polled[2]!, meta(3));
    expect(q.pending).toBe(0);
    expect(await Promise.all(requests)).toEqual([
      [written(1)],
      [{ kind: "dropped" }],
      [written(3)],
      [written(4)],
      [written(5)],
    ]);
    // Nothing left behind: the next record gets its outcome.
    const next = q.submit({ topic: "t", records: [record(6)], signal: never });
    const [only] = await q.poll(never);
    q.ack(only!, meta(6));
    expect(await next).toEqual([written(6)]);
  });
});
