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
import { markNeverSent, markRefused } from "../kafka/send-rejection.ts";
import { type Deferred, deferred } from "../util/async.ts";
import { ManualClock } from "../util/manual-clock.ts";
import type { BatchResult } from "./send-coalescer.ts";
import { SourceTaskSender } from "./source-task-sender.ts";
import { outgoing, taskBasics } from "./task-test-support.ts";

const decode = (b: Uint8Array | null) => new TextDecoder().decode(b!);
const offsetsOf = (result: BatchResult) => (Array.isArray(result) ? result.map((m) => m?.offset ?? null) : result);

/**
 * A sender whose producers connect when the test says (`connect`: the next one the sender asked for), write each send
 * to one log, and fail the sends the test queued in `failures` (first first); `hold`: their sends wait until the test
 * settles them (`held`); `reconnect`: a failed send fails its producer (the sender asks for another); `written`: called
 * as each send that wrote is about to answer; `producer`: the one producer every connect gives instead;
 * `withdrawsFromProducer`: as the sender option (a task that `withdrawsUnsent`).
 */
function senderOver(
  o: {
    hold?: boolean;
    reconnect?: boolean;
    written?: (values: string[]) => void;
    producer?: KafkaProducer;
    withdrawsFromProducer?: boolean;
  } = {},
) {
  const sends: string[][] = [];
  const failures: Error[] = [];
  const held: Deferred<void>[] = [];
  let offset = 0;
  const producer = (): KafkaProducer => {
    if (o.producer) return o.producer;
    let failed = false;
    return {
      get failed() {
        return failed;
      },
      maxInFlight: 5,
      idempotent: true,
      close: async () => {},
      async send(records) {
        const values = records.map((r) => decode(r.value));
        sends.push(values);
        const failure = failures.shift();
        if (failure) {
          failed = o.reconnect === true;
          throw failure;
        }
        if (o.hold) {
          const wait = deferred<void>();
          held.push(wait);
          await wait.promise;
        }
        o.written?.(values);
        return values.map((): ProducedMetadata => ({ topic: "t", partition: 0, offset: offset++, timestamp: 1 }));
      },
    };
  };
  // The producers the sender asked for and the test did not connect yet; those the test connected before it asked.
  const asked: Deferred<KafkaProducer>[] = [];
  let ready = 0;
  const clock = new ManualClock();
  const stop = new AbortController();
  const sender = new SourceTaskSender({
    ...taskBasics("none"),
    clock,
    producer: () => {
      if (ready > 0) {
        ready--;
        return Promise.resolve(producer());
      }
      const next = deferred<KafkaProducer>();
      asked.push(next);
      return next.promise;
    },
    stopSignal: () => stop.signal,
    keepOrder: false,
    maxRequestBytes: 1_048_576,
    maxInFlightBatches: 5,
    maxInFlightBytes: 33_554_432,
    rejectsRecords: false,
    withdrawsFromProducer: o.withdrawsFromProducer === true,
  });
  const connect = () => {
    const next = asked.shift();
    if (next) next.resolve(producer());
    else ready++;
  };
  return { sender, sends, failures, held, clock, connect, asked };
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
    const { sender, connect } = senderOver({ producer, withdrawsFromProducer: true });
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

  test("a task that does not withdraw from the producer: no withdrawKey on its sends, what the producer holds stays", async () => {
    const broker = new HeldBroker();
    const producer = testProducer(broker);
    const send = spyOn(producer, "send");
    const { sender, connect } = senderOver({ producer });
    connect();
    const [a, b] = ["A", "B"].map((v) => outgoing("t", v));
    const first = sender.enqueue([a!]);
    await waitFor(() => broker.pending.length === 1, { what: "A on the wire" });
    const second = sender.enqueue([b!]);
    await waitFor(() => send.mock.calls.length === 2, { what: "B handed to the producer" });
    expect(send.mock.calls.map(([, options]) => options !== undefined && "withdrawKey" in options)).toEqual([
      false,
      false,
    ]);
    expect(sender.withdraw([b!.record]).size).toBe(0);
    await broker.answerUntil(second);
    expect(offsetsOf(await first)).toEqual([0]);
    expect(offsetsOf(await second)).toEqual([1]);
    expect(broker.logs).toEqual(new Map([["t-0", ["A", "B"]]]));
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

  describe("while a send being retried waits for a new producer (the last one failed)", () => {
    /** E's request, its attempt refused by a producer that failed, retried: the sender has asked for another. */
    async function retriedAwaitingProducer(hold: boolean) {
      const over = senderOver({ hold, reconnect: true });
      over.failures.push(markNeverSent(new RetriableError("Connection refused")));
      over.connect();
      const e = outgoing("t", "E");
      const batch = over.sender.enqueue([e]);
      await waitFor(() => over.sender.retrying, { what: "the send retried" });
      await waitFor(() => over.clock.pending > 0, { what: "the retry's backoff" });
      over.clock.advance(1_000);
      await waitFor(() => over.asked.length === 1, { what: "the sender asking for a new producer" });
      return { ...over, e, batch };
    }

    test("a record withdrawn meanwhile is not sent once the producer connects", async () => {
      const { sender, sends, connect, e, batch } = await retriedAwaitingProducer(false);
      expect(sender.withdraw([e.record])).toEqual(new Set([e.record]));
      connect();
      expect(offsetsOf(await batch)).toEqual([null]);
      expect(sends).toEqual([["E"]]);
    });

    test("a record the retry's send carries is not taken back", async () => {
      const { sender, sends, held, connect, e, batch } = await retriedAwaitingProducer(true);
      connect();
      await waitFor(() => held.length === 1, { what: "the retry's send held by the producer" });
      expect(sender.withdraw([e.record]).size).toBe(0);
      held[0]!.resolve();
      expect(offsetsOf(await batch)).toEqual([0]);
      expect(sends).toEqual([["E"], ["E"]]);
    });
  });

  // A request refused for good is sent again one record at a time: between two of those sends, the record just written
  // alone is not taken back (it was, and its device, answered "none written", sent it again: a duplicate).
  test("a record written alone after its request was refused is not taken back before the next one is sent", async () => {
    const taken: number[] = [];
    let sender: SourceTaskSender | undefined;
    const [a, b] = [outgoing("t", "A"), outgoing("t", "B")];
    const over = senderOver({
      written: (values) => {
        if (values[0] !== "A") return;
        // Asked from each of the callbacks queued as A's send answers, until B's recovery has begun.
        let asks = 0;
        const ask = () => {
          taken.push(sender!.withdraw([a.record]).size);
          if (++asks < 40) queueMicrotask(ask);
        };
        queueMicrotask(ask);
      },
    });
    sender = over.sender;
    over.failures.push(markRefused(new Error("MESSAGE_TOO_LARGE")));
    over.connect();
    const batch = sender.enqueue([a, b]);
    expect(offsetsOf(await batch)).toEqual([0, 1]);
    expect(over.sends).toEqual([["A", "B"], ["A"], ["B"]]);
    expect(new Set(taken)).toEqual(new Set([0]));
  });
});
