import { expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { RecordMetadata, RecordRejection } from "../../api/connector.ts";
import type { SourceRecord } from "../../api/record.ts";
import { ConnectError, RetriableError } from "../../errors.ts";
import { MemoryKafka } from "../../kafka/memory-kafka.ts";
import { markNeverSent, withKafkaError } from "../../kafka/send-rejection.ts";
import { awaitFailed, partlyWritten, producerThrough, stopAndAwait } from "../../runtime/task-test-support.ts";
import { deferred } from "../../util/async.ts";
import { HttpIngestSourceTask } from "./task.ts";
import { ingestRecord, ingestServices, ingestSourceTask } from "./test-support.ts";

// review-k3stop F1: the graceful stop's hold (explore7 K3) answered 503 "not written" for a record
// Kafka had already written when its poll batch spanned an acknowledged request and the retried one
// whose attempts never reached a broker; the 503 releases the Idempotency-Key and a retry writes it
// twice. Such a record may be written: the stop answers the batch 500 "may still be written".
test("a stop's give-up answers a record Kafka acknowledged as maybe written when its batch's next request never reached a broker", async () => {
  const { services, writer: attached } = ingestServices();
  const kafka = new MemoryKafka();
  // Each record its own produce request: the one poll batch [A, B] spans two requests.
  const { task } = ingestSourceTask({ services, kafka, options: { maxRequestBytes: 1 } });
  kafka.holdAcks();
  task.start();
  await waitFor(() => attached() !== undefined);
  const writer = attached()!;
  const answer = writer.submit({
    topic: "t",
    records: [ingestRecord("A"), ingestRecord("B")],
    signal: new AbortController().signal,
  });
  await waitFor(() => kafka.heldSends === 1, { what: "A on the wire" });
  kafka.releaseAck(0);
  await waitFor(() => kafka.heldSends === 2, { what: "B on the wire" });
  // The broker is gone: B and every attempt after it fail before reaching it.
  kafka.failSends(...Array.from({ length: 100 }, () => markNeverSent(new RetriableError("connection refused"))));
  const sends = kafka.sends;
  kafka.failAck(1, markNeverSent(new RetriableError("no connection")));
  await waitFor(() => kafka.sends >= sends + 2, { what: "B retried" });
  writer.giveUp?.("The gateway stopped before Kafka acknowledged the record");
  const outcomes = await answer;
  await stopAndAwait(task);
  expect(kafka.records("t")).toHaveLength(1);
  // B, whose attempts never reached a broker, is taken back (withdraw: never written); the request still answers 500.
  expect(outcomes.map((o) => o.kind === "failed" && o.maybeWritten)).toEqual([true, false]);
});

/** An ingest task whose first commitRecords waits for `gate` (an earlier batch's acknowledgement under way). */
class SlowFirstCommit extends HttpIngestSourceTask {
  readonly gate = deferred<void>();
  commits = 0;
  override async commitRecords(
    records: ReadonlyArray<SourceRecord>,
    metadata: ReadonlyArray<RecordMetadata | null>,
    rejections?: ReadonlyMap<number, RecordRejection>,
  ): Promise<void> {
    if (this.commits++ === 0) await this.gate.promise;
    await super.commitRecords(records, metadata, rejections);
  }
}

// k3stop's window: Kafka wrote B, but its batch waited behind A's commitRecords when the stop gave up, so B's request
// was still unanswered; the hold asked only the sender (which had forgotten B) and B answered 503 "not written".
test("a stop's give-up answers a record Kafka wrote but not yet handed to commitRecords as maybe written", async () => {
  const { services, writer: attached } = ingestServices();
  const kafka = new MemoryKafka();
  const plugin = new SlowFirstCommit(services);
  const { task } = ingestSourceTask({ services, kafka, plugin, options: { maxRequestBytes: 1 } });
  kafka.holdAcks();
  task.start();
  await waitFor(() => attached() !== undefined);
  const writer = attached()!;
  const submit = (value: string) =>
    writer.submit({ topic: "t", records: [ingestRecord(value)], signal: new AbortController().signal });
  const answers = [submit("A")];
  await waitFor(() => kafka.heldSends === 1, { what: "A on the wire" });
  kafka.releaseAck(0);
  await waitFor(() => plugin.commits === 1, { what: "A's commitRecords under way" });
  answers.push(submit("B"));
  await waitFor(() => kafka.heldSends === 2, { what: "B on the wire" });
  kafka.releaseAck(1);
  answers.push(submit("C"));
  await waitFor(() => kafka.heldSends === 3, { what: "C on the wire" });
  // The broker is gone: C and every attempt after it fail before reaching it.
  kafka.failSends(...Array.from({ length: 100 }, () => markNeverSent(new RetriableError("connection refused"))));
  const sends = kafka.sends;
  kafka.failAck(2, markNeverSent(new RetriableError("no connection")));
  await waitFor(() => kafka.sends >= sends + 2, { what: "C retried" });
  writer.giveUp?.("The gateway stopped before Kafka acknowledged the record");
  const outcomes = (await Promise.all(answers)).flat();
  plugin.gate.resolve();
  await stopAndAwait(task);
  expect(kafka.records("t")).toHaveLength(2);
  // C, whose attempts never reached a broker, is taken back (withdraw: never written).
  expect(outcomes.map((o) => o.kind === "failed" && o.maybeWritten)).toEqual([true, true, false]);
});

// review-splitrest P2-1: one poll batch [A, B, C] over three requests in flight. A is acknowledged; B's attempt fails
// for good with an error that does not say it never reached a broker, so B may be written; C's attempt never reached
// a broker. The task fails, and each record answers what is known of it (the whole batch answered "may be written"
// before, and a client retrying A wrote it twice).
test("a batch failed for good answers its acknowledged record written, the uncertain one maybe written, the unsent one not", async () => {
  const { services, writer: attached } = ingestServices();
  const kafka = new MemoryKafka();
  kafka.pipelining = 5;
  const { task, listener } = ingestSourceTask({ services, kafka, options: { maxRequestBytes: 1 } });
  kafka.holdAcks();
  task.start();
  await waitFor(() => attached() !== undefined);
  const answer = attached()!.submit({
    topic: "t",
    records: [ingestRecord("A"), ingestRecord("B"), ingestRecord("C")],
    signal: new AbortController().signal,
  });
  await waitFor(() => kafka.heldSends === 3, { what: "A, B, C on the wire" });
  kafka.releaseAck(0);
  kafka.failAck(2, markNeverSent(new RetriableError("no connection")));
  kafka.failAck(1, new Error("the broker answered something odd"));
  await awaitFailed(listener);
  const outcomes = await answer;
  await stopAndAwait(task);
  expect(kafka.records("t")).toHaveLength(1);
  expect(outcomes[0]).toMatchObject({ kind: "written", topic: "t", partition: 0, offset: 0 });
  expect(outcomes.slice(1).map((o) => o.kind === "failed" && o.maybeWritten)).toEqual([true, false]);
  // B's answer names the failure too, not only a stop.
  const b = outcomes[1]!;
  expect(b.kind === "failed" && b.message).toStartWith(
    "The ingest task of connector c stopped or failed before Kafka acknowledged the record",
  );
});

// srcprefix: in a batch given up at a stop, a record Kafka refused on its own (sent alone, for good) is done with: its
// request answers that refusal, not "may still be written" as the record retried after it.
test("a stop's give-up answers a record Kafka refused on its own with its refusal, the retried one as maybe written", async () => {
  const { services, writer: attached } = ingestServices();
  const kafka = new MemoryKafka();
  // A ("65" as the converter writes it) is refused for good, B ("66") for now (its leader is away for every attempt);
  // the request is sent again record by record.
  let hit = "";
  let bSends = 0;
  kafka.rejectRecords(
    (r) => {
      const v = new TextDecoder().decode(r.value!);
      if (v !== "65" && v !== "66") return false;
      hit = v;
      if (v === "66") bSends++;
      return true;
    },
    () =>
      hit === "65"
        ? withKafkaError(new ConnectError("Kafka rejected 1 record(s) for t-0: INVALID_TIMESTAMP"), "INVALID_TIMESTAMP")
        : new RetriableError("NOT_LEADER_OR_FOLLOWER for t-0"),
  );
  const { task } = ingestSourceTask({ services, kafka });
  task.start();
  await waitFor(() => attached() !== undefined);
  const answer = attached()!.submit({
    topic: "t",
    records: [ingestRecord("A"), ingestRecord("B")],
    signal: new AbortController().signal,
  });
  await waitFor(() => bSends >= 2, { what: "B retried" });
  await stopAndAwait(task);
  const outcomes = await answer;
  expect(outcomes.map((o) => (o.kind === "failed" ? [o.kafkaError, o.retriable, o.maybeWritten] : o.kind))).toEqual([
    ["INVALID_TIMESTAMP", false, false],
    [undefined, true, true],
  ]);
});

// per-partition-acks steps 3 and 4: one send of a poll batch over two requests, to h (written) and to s (its leader
// away: retried). The ingest task commits in any order: h's request answers 200 while s's record is retried, not when
// the send ends; the stop then gives s's record up as never written, and h's answer stays what it was.
test("a request answered 200 while another request's record is retried stays so; the retried one is given up as not written", async () => {
  const { services, writer: attached } = ingestServices();
  const kafka = new MemoryKafka();
  const { task } = ingestSourceTask({
    services,
    kafka,
    options: {
      producer: producerThrough(kafka, 1, (inner, records, _n, options) =>
        partlyWritten(inner, records, (r) => r.topic !== "s", markNeverSent(new RetriableError("no leader")), options),
      ),
    },
  });
  task.start();
  await waitFor(() => attached() !== undefined);
  const writer = attached()!;
  const signal = new AbortController().signal;
  // Both queued before the next poll: one poll batch, one send.
  const held = writer.submit({ topic: "s", records: [ingestRecord("A")], signal });
  let answered: Awaited<typeof held> | undefined;
  void writer.submit({ topic: "h", records: [ingestRecord("B")], signal }).then((o) => {
    answered = o;
  });
  await waitFor(() => answered !== undefined, { what: "h's request answered while s's record is retried" });
  expect(answered).toMatchObject([{ kind: "written", topic: "h", partition: 0, offset: 0 }]);
  await stopAndAwait(task);
  expect(await held).toMatchObject([{ kind: "failed", maybeWritten: false }]);
  expect(kafka.records("h")).toHaveLength(1);
  expect(kafka.records("s")).toHaveLength(0);
});
