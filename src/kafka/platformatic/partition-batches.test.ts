import { describe, expect, test } from "bun:test";
import { type Batch, PartitionBatches } from "./partition-batches.ts";

function add(part: PartitionBatches): Batch {
  const b: Batch = {
    part,
    records: Buffer.alloc(61),
    count: 1,
    deadline: Number.POSITIVE_INFINITY,
    settle: () => {},
    state: "queued",
    sequence: -1,
    place: -1,
    generation: 0,
    retryAt: 0,
    attempts: 0,
    uncertain: false,
  };
  part.queue.push(b);
  return b;
}

describe("PartitionBatches", () => {
  test("the delivery timeouts are read from the oldest batches only: a partition without a leader may hold thousands (coalfree)", () => {
    const part = new PartitionBatches("t", 0, true);
    let reads = 0;
    const batches = Array.from({ length: 10_000 }, (_, i) => {
      const b = add(part);
      // Appended in order, each delivery.timeout.ms after its append.
      Object.defineProperty(b, "deadline", {
        get: () => {
          reads++;
          return 1_000 + i;
        },
      });
      return b;
    });
    part.sent(batches[0]!, () => {});
    expect([part.earliestDeadline(), part.expired(500)]).toEqual([1_000, undefined]);
    // The oldest is on the wire (it settles on its answer): the first one not on the wire expires.
    expect(part.expired(1_001)).toBe(batches[1]!);
    expect(reads).toBeLessThan(10);
  });

  test("a retried batch waits while any batch sent before its failure is on the wire, wherever it stands", () => {
    const part = new PartitionBatches("t", 0, true);
    const [b0, b1, b2] = [add(part), add(part), add(part)];
    part.sent(b0, () => {});
    part.sent(b1, () => {});
    part.sent(b2, () => {});
    // b1 came back with a retriable error; b0 and b2 are still on the wire.
    part.waitForRetry(b1, 0);
    // b0 (before it) came back written: b2, sent before the failure, is still out.
    part.written(b0);
    expect(part.sendable(10, () => {})).toBeUndefined();
    part.waitForRetry(b2, 0);
    expect(part.sendable(10, () => {})).toBe(b1);
  });

  test("until a batch is written, one is on the wire at a time (a broker without the producer's state takes any sequence); then up to 5", () => {
    const part = new PartitionBatches("t", 0, true);
    const batches = Array.from({ length: 7 }, () => add(part));
    const sendNext = () => {
      const b = part.sendable(0, () => {});
      if (b) part.sent(b, () => {});
      return b;
    };
    expect(sendNext()).toBe(batches[0]);
    expect(sendNext()).toBeUndefined();
    part.written(batches[0]!);
    expect([sendNext(), sendNext(), sendNext(), sendNext(), sendNext(), sendNext()]).toEqual([
      ...batches.slice(1, 6),
      undefined,
    ]);
  });

  test("without idempotence nothing holds the partition back", () => {
    const part = new PartitionBatches("t", 0, false);
    const [b0, b1] = [add(part), add(part)];
    part.sent(part.sendable(0, () => {})!, () => {});
    expect([b0.state, part.sendable(0, () => {})]).toEqual(["inflight", b1]);
  });

  test("CORRUPT_MESSAGE is retried (as Java's); DUPLICATE_SEQUENCE_NUMBER means written; a record refused (too large, invalid, timestamp, authorization) fails its batch alone; errors fatal to Java's producer and INVALID_PRODUCER_EPOCH fail the producer", () => {
    const part = new PartitionBatches("t", 0, true);
    const b = add(part);
    expect(part.verdict(b, 2)).toBe("retry");
    expect(part.verdict(b, 46)).toBe("written");
    for (const code of [10, 29, 32, 87]) expect(part.verdict(b, code)).toBe("refused");
    // CLUSTER_AUTHORIZATION_FAILED, UNSUPPORTED_VERSION, TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    // PRODUCER_FENCED; INVALID_PRODUCER_EPOCH (not fatal to Java's idempotent producer: see verdict).
    for (const code of [31, 35, 53, 90, 47]) expect(part.verdict(b, code)).toBe("fatal");
  });

  test("refused: the batch leaves the queue; the partition takes its next epoch, its pending batches new sequences from 0, one on the wire until one is written", () => {
    const part = new PartitionBatches("t", 0, true);
    const [b0, b1, b2] = [add(part), add(part), add(part)];
    part.sent(b0, () => {});
    part.sent(b1, () => {});
    part.refused(b0);
    expect(part.queue).toEqual([b1, b2]);
    expect([part.epochBump, b1.sequence, b2.sequence]).toEqual([1, -1, -1]);
    // b1 (old epoch) is still on the wire: b2 waits for its answer.
    expect(part.sendable(0, () => {})).toBeUndefined();
  });

  test("restartSequences: new sequences from 0 in queue order as batches go again; no buffer on the wire is rewritten; the guard is armed again", () => {
    const part = new PartitionBatches("t", 0, true);
    const [b0, b1, b2, b3] = [add(part), add(part), add(part), add(part)];
    const stamped: [Batch, number][] = [];
    const send = (b: Batch) => part.sent(b, (sequence) => stamped.push([b, sequence]));
    send(b0);
    part.written(b0); // the broker has the producer's state: several on the wire
    for (const b of [b1, b2, b3]) send(b);
    part.waitForRetry(b2, 0); // b2 came back (retriable); b1 and b3 are on the wire
    const [onWire1, waiting2, onWire3] = [b1.records, b2.records, b3.records];
    expect(part.verdict(b1, 45)).toBe("reset"); // the oldest pending batch: the broker lost the state
    part.restartSequences();
    expect([part.epochBump, b1.sequence, b2.sequence, b3.sequence]).toEqual([1, -1, -1, -1]);
    expect([b1.records === onWire1, b2.records === waiting2, b3.records === onWire3]).toEqual([true, false, true]);
    part.waitForRetry(b1, 0); // as the pipeline retries it
    part.waitForRetry(b3, 0); // came back refused (its sequence follows b1's)
    expect([b1.records === onWire1, b3.records === onWire3]).toEqual([false, false]);
    // A second refusal before anything was written is retried without another restart.
    expect(part.verdict(b1, 45)).toBe("retry");
    stamped.length = 0;
    expect(part.sendable(0, () => {})).toBe(b1);
    send(b1);
    expect(part.sendable(0, () => {})).toBeUndefined(); // one on the wire until one is written
    part.written(b1);
    for (const b of [b2, b3]) {
      expect(part.sendable(0, () => {})).toBe(b);
      send(b);
    }
    expect(stamped.map(([b, sequence]) => [[b1, b2, b3].indexOf(b), sequence])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
  });
  test("a batch of the old epoch written after a restart does not disarm the new epoch's one-batch guard", () => {
    const part = new PartitionBatches("t", 0, true);
    const [w, b0, b1, b2, b3] = [add(part), add(part), add(part), add(part), add(part)];
    part.sent(w, () => {});
    part.written(w);
    for (const b of [b0, b1]) part.sent(b, () => {});
    expect(part.verdict(b0, 45)).toBe("reset"); // the oldest pending batch refused: restart
    part.restartSequences();
    part.waitForRetry(b0, 0);
    expect(part.verdict(b1, 0)).toBe("written"); // on the wire at the restart (old epoch), written
    part.written(b1);
    const onWire: Batch[] = [];
    for (let b = part.sendable(1, () => {}); b; b = part.sendable(1, () => {})) {
      part.sent(b, () => {});
      onWire.push(b);
    }
    expect(onWire).toEqual([b0]); // one batch of the new epoch until one of them is written
    part.written(b0);
    for (let b = part.sendable(1, () => {}); b; b = part.sendable(1, () => {})) {
      part.sent(b, () => {});
      onWire.push(b);
    }
    expect(onWire).toEqual([b0, b2, b3]);
  });

  test("dropping a batch no longer queued leaves the queue as it is", () => {
    const part = new PartitionBatches("t", 0, true);
    const [b0, b1] = [add(part), add(part)];
    part.drop(b0);
    part.drop(b0);
    expect(part.queue).toEqual([b1]);
  });
});
