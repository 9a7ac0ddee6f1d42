import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { ProducedMetadata } from "../kafka-port.ts";
import { HeldBroker } from "./held-broker-test-support.ts";
import { testRecord as record, testProducer } from "./producer-test-support.ts";

const at = (partition: number, offset: number): ProducedMetadata => ({ topic: "t", partition, offset, timestamp: 1 });

/**
 * A producer whose first send (A to t-0) is on the wire, unanswered: until a batch of t-0 is written, nothing else of
 * it goes, so later sends' batches of t-0 are queued, never stamped.
 */
async function producerWithOneOnTheWire() {
  const broker = new HeldBroker();
  const producer = testProducer(broker);
  const first = producer.send([record(0, "A")]);
  await waitFor(() => broker.pending.length === 1);
  return { broker, producer, first };
}

describe("PlatformaticProducer.withdraw", () => {
  test("takes back a send's batch never stamped: the send resolves with null for it, the broker never sees it, later sequences stay gapless", async () => {
    const { broker, producer, first } = await producerWithOneOnTheWire();
    const key = {};
    const second = producer.send([record(0, "B"), record(1, "C")], { withdrawKey: key });
    await waitFor(() => broker.pending.length === 2); // C (t-1's first batch) went; B waits behind A
    expect(broker.pending[1]!.batches.map((b) => b.partition)).toEqual([1]);
    expect(producer.withdraw(key, [0])).toEqual([0]);
    broker.answerNext(); // A
    broker.answerNext(); // C
    expect(await first).toEqual([at(0, 0)]);
    expect(await second).toEqual([null, at(1, 0)]);
    // The next batch of t-0 takes the sequence after A's: the broker, checking sequences, writes it.
    const third = producer.send([record(0, "D")]);
    await broker.answerUntil(third);
    expect(await third).toEqual([at(0, 1)]);
    expect(broker.logs).toEqual(
      new Map([
        ["t-0", ["A", "D"]],
        ["t-1", ["C"]],
      ]),
    );
  });

  test("every record taken back: the send resolves with nulls, nothing of it is sent", async () => {
    const { broker, producer, first } = await producerWithOneOnTheWire();
    const key = {};
    const second = producer.send([record(0, "B"), record(0, "C")], { withdrawKey: key });
    expect(producer.withdraw(key, [0, 1])).toEqual([0, 1]);
    expect(await second).toEqual([null, null]);
    broker.answerNext();
    expect(await first).toEqual([at(0, 0)]);
    expect(broker.pending).toEqual([]);
    expect(broker.logs).toEqual(new Map([["t-0", ["A"]]]));
  });

  test("a batch holding records not asked for too is left: they are all written", async () => {
    const { broker, producer, first } = await producerWithOneOnTheWire();
    const key = {};
    const second = producer.send([record(0, "B"), record(0, "C")], { withdrawKey: key });
    expect(producer.withdraw(key, [0])).toEqual([]);
    await broker.answerUntil(Promise.all([first, second]));
    expect(await second).toEqual([at(0, 1), at(0, 2)]);
    expect(broker.logs).toEqual(new Map([["t-0", ["A", "B", "C"]]]));
  });

  test("a batch in a request (stamped) is not taken back, first sent nor retried", async () => {
    const broker = new HeldBroker();
    const producer = testProducer(broker);
    const key = {};
    const sent = producer.send([record(0, "A")], { withdrawKey: key });
    await waitFor(() => broker.pending.length === 1);
    expect(producer.withdraw(key, [0])).toEqual([]);
    broker.answerNext({ "t-0": 7 }); // REQUEST_TIMED_OUT: retried
    await waitFor(() => broker.pending.length === 1);
    expect(producer.withdraw(key, [0])).toEqual([]);
    await broker.answerUntil(sent);
    expect(await sent).toEqual([at(0, 0)]);
    expect(broker.logs).toEqual(new Map([["t-0", ["A"]]]));
  });

  test("nothing is taken back of a send made without a key, or once it settled", async () => {
    const { broker, producer, first } = await producerWithOneOnTheWire();
    const key = {};
    const keyless = producer.send([record(0, "B")]);
    const keyed = producer.send([record(0, "C")], { withdrawKey: key });
    expect(producer.withdraw({}, [0])).toEqual([]); // the key of no send
    await broker.answerUntil(Promise.all([first, keyless, keyed]));
    expect(producer.withdraw(key, [0])).toEqual([]);
    expect(broker.logs).toEqual(new Map([["t-0", ["A", "B", "C"]]]));
  });
});
