/**
 * SourceTaskSender.withdraw (SourceTaskContext.withdrawUnsent, explore27 F2): a record that certainly has not reached
 * the producer is taken back and never sent, its metadata null when its batch settles; one the producer holds, or that
 * an attempt may have written, is not, unless the producer gives it back unsent (KafkaProducer.withdraw, withdraw2).
 */
import { describe, expect, spyOn, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { RetriableError } from "../errors.ts";
import type { KafkaProducer, ProducedMetadata } from "../kafka/kafka-port.ts";
import { HeldBroker } from "../kafka/platformatic/held-broker-test-support.ts";
import { testProducer } from "../kafka/platformatic/producer-test-support.ts";
import { markNeverSent } from "../kafka/send-rejection.ts";
import { type Deferred, deferred } from "../util/async.ts";
import { ManualClock } from "../util/manual-clock.ts";
import type { BatchResult } from "./send-coalescer.ts";
import { SourceTaskSender } from "./source-task-sender.ts";
import { outgoing, taskBasics } from "./task-test-support.ts";

const decode = (b: Uint8Array | null) => new TextDecoder().decode(b!);
const offsetsOf = (result: BatchResult) => (Array.isArray(result) ? result.map((m) => m?.offset ?? null) : result);

/**
 * A sender whose producer connects when the test says (`connect`), writes each send to one log, and fails the sends the
 * test queued in `failures` (first first); `hold`: its sends wait until the test settles them (`held`).
 */
function senderOver(o: { hold?: boolean; producer?: KafkaProducer } = {}) {
  const sends: string[][] = [];
  const failures: Error[] = [];
  const held: Deferred<void>[] = [];
  let offset = 0;
  const producer: KafkaProducer = {
    failed: false,
    maxInFlight: 5,
    idempotent: true,
    close: async () => {},
    async send(records) {
      const values = records.map((r) => decode(r.value));
      sends.push(values);
      const failure = failures.shift();
      if (failure) throw failure;
      if (o.hold) {
        const wait = deferred<void>();
        held.push(wait);
        await wait.promise;
      }
      return values.map((): ProducedMetadata => ({ topic: "t", partition: 0, offset: offset++, timestamp: 1 }));
    },
  };
  const connecting = deferred<KafkaProducer>();
  const clock = new ManualClock();
  const stop = new AbortController();
  const sender = new SourceTaskSender({
    ...taskBasics("none"),
    clock,
    producer: () => connecting.promise,
    stopSignal: () => stop.signal,
    keepOrder: false,
    maxRequestBytes: 1_048_576,
    maxInFlightBatches: 5,
    maxInFlightBytes: 33_554_432,
    rejectsRecords: false,
  });
  return { sender, sends, failures, held, clock, connect: () => connecting.resolve(o.producer ?? producer) };
}

describe("SourceTaskSender.withdraw", () => {
  test("a record whose request waits for the producer, and one queued behind it: never sent, null metadata; the others written", async () => {
    const { sender, sends, connect } = senderOver();
    const [a, b, c] = [outgoing("t", "A"), outgoing("t", "B"), outgoing("t", "C")];
    const first = sender.enqueue([a, b]);
    // Not connected: one request at a time, so C waits in the coalescer's queue.
    const second = sender.enqueue([c]);
    // Asked of B and C (and of a record it never had): both taken back.
    expect(sender.withdraw([b.record, c.record, outgoing("t", "X").record])).toEqual(new Set([b.record, c.record]));
    connect();
    expect(offsetsOf(await first)).toEqual([0, null]);
    expect(offsetsOf(await second)).toEqual([null]);
    expect(sends).toEqual([["A"]]);
  });

  test("a record the producer holds is not taken back", async () => {
    const { sender, sends, held, connect } = senderOver({ hold: true });
    connect();
    const d = outgoing("t", "D");
    const batch = sender.enqueue([d]);
    await waitFor(() => held.length === 1, { what: "the send held by the producer" });
    expect(sender.withdraw([d.record]).size).toBe(0);
    held[0]!.resolve();
    expect(offsetsOf(await batch)).toEqual([0]);
    expect(sends).toEqual([["D"]]);
  });

  test("records the producer holds and gives back unsent (KafkaProducer.withdraw): taken back, null metadata, never written", async () => {
    const broker = new HeldBroker();
    const producer = testProducer(broker);
    const send = spyOn(producer, "send");
    const { sender, connect } = senderOver({ producer });
    connect();
    const [a, b, c, d] = ["A", "B", "C", "D"].map((v) => outgoing("t", v));
    const first = sender.enqueue([a!]);
    await waitFor(() => broker.pending.length === 1, { what: "A on the wire" });
    // Until a batch of t-0 is written only A is on the wire: B and C, handed to the producer, wait there unstamped.
    const second = sender.enqueue([b!, c!]);
    await waitFor(() => send.mock.calls.length === 2, { what: "B and C handed to the producer" });
    expect(sender.withdraw([a!.record]).size).toBe(0); // in a request
    expect(sender.withdraw([b!.record]).size).toBe(0); // its batch holds C too, not asked
    expect(sender.withdraw([b!.record, c!.record])).toEqual(new Set([b!.record, c!.record]));
    broker.answerNext();
    expect(offsetsOf(await first)).toEqual([0]);
    expect(offsetsOf(await second)).toEqual([null, null]);
    const third = sender.enqueue([d!]);
    await broker.answerUntil(third);
    expect(offsetsOf(await third)).toEqual([1]);
    expect(broker.logs).toEqual(new Map([["t-0", ["A", "D"]]]));
  });

  test("a record of a send being retried that never reached a broker: left out of the retry", async () => {
    const { sender, sends, failures, clock, connect } = senderOver();
    failures.push(markNeverSent(new RetriableError("Connection refused")));
    connect();
    const [e, f] = [outgoing("t", "E"), outgoing("t", "F")];
    const batch = sender.enqueue([e, f]);
    await waitFor(() => sender.retrying, { what: "the send retried" });
    expect(sender.withdraw([e.record])).toEqual(new Set([e.record]));
    await waitFor(() => clock.pending > 0, { what: "the retry's backoff" });
    clock.advance(1_000);
    expect(offsetsOf(await batch)).toEqual([null, 0]);
    expect(sends).toEqual([["E", "F"], ["F"]]);
  });

  test("a record of a send being retried whose attempt may have written it is not taken back", async () => {
    const { sender, sends, failures, clock, connect } = senderOver();
    failures.push(new RetriableError("Request timed out"));
    connect();
    const g = outgoing("t", "G");
    const batch = sender.enqueue([g]);
    await waitFor(() => sender.retrying, { what: "the send retried" });
    expect(sender.withdraw([g.record]).size).toBe(0);
    await waitFor(() => clock.pending > 0, { what: "the retry's backoff" });
    clock.advance(1_000);
    expect(offsetsOf(await batch)).toEqual([0]);
    expect(sends).toEqual([["G"], ["G"]]);
  });
});
