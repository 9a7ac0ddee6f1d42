import { describe, expect, test } from "bun:test";
import { prng } from "../../../test/support/prng.ts";
import { type Batch, PartitionBatches } from "./partition-batches.ts";
import type { SequenceWindow } from "./sequence-window.ts";

function add(part: PartitionBatches, deadline = Number.POSITIVE_INFINITY): Batch {
  const b = batch(part, deadline);
  part.append(b);
  return b;
}

function batch(part: PartitionBatches, deadline: number): Batch {
  return {
    part,
    records: Buffer.alloc(61),
    count: 1,
    deadline,
    settle: () => {},
    state: "done",
    sequence: -1,
    place: -1,
    generation: 0,
    retryAt: 0,
    attempts: 0,
    uncertain: false,
    settled: false,
  };
}

/** A piece of `big` as batch-split.ts makes it (`replace` sets its state and sequence). */
function piece(big: Batch): Batch {
  return { ...batch(big.part, big.deadline), generation: big.generation };
}

/** `b` with each read of its fields told to `read` (its state still written by the code under test). */
function counted(b: Batch, read: () => void): void {
  for (const key of ["state", "deadline", "sequence", "generation", "retryAt"] as const) {
    let value = b[key];
    Object.defineProperty(b, key, {
      get: () => {
        read();
        return value;
      },
      set: (v) => {
        value = v;
      },
    });
  }
}

/**
 * The oracle: `sendable`'s answer read from every batch of the queue, with the partition's state (read through a cast,
 * tests only). Any batch on the wire sent before the last retriable failure holds the partition; else the first batch
 * not on the wire, if its backoff is over, within 5 on the wire (1 until one is written), and within the sequence window.
 */
function fullScan(part: PartitionBatches, now: number): Batch | undefined {
  const state = part as unknown as { generation: number; acknowledged: boolean; window: SequenceWindow };
  if (part.queue.some((b) => b.state === "inflight" && b.generation !== state.generation)) return undefined;
  const at = part.queue.findIndex((b) => b.state !== "inflight");
  const b = part.queue[at];
  if (!b || (b.state === "waiting" && b.retryAt > now) || at >= (state.acknowledged ? 5 : 1)) return undefined;
  return b.sequence >= 0 || state.window.open(part.queue.find((q) => q.sequence >= 0)) ? b : undefined;
}

describe("PartitionBatches", () => {
  describe("on a partition that queues thousands of batches behind held ones (a partition without a leader, coalfree)", () => {
    /**
     * `count` batches appended in order (the deadline of each delivery.timeout.ms after its append), the first `sent`
     * of them sent and the second of those split (its pieces in its place, waiting, ahead of batches on the wire);
     * `measure` counts the reads of the fields of the batches from `watchFrom` on that its `call` makes.
     */
    const heldPartition = (count: number, sent: number, watchFrom: number) => {
      const part = new PartitionBatches("t", 0, true);
      let reads = 0;
      let counting = false;
      const batches = Array.from({ length: count }, (_, i) => {
        const b = add(part, 1_000 + i);
        if (i >= watchFrom) counted(b, () => void (counting && reads++));
        return b;
      });
      const measure = <R>(call: () => R): [R, number] => {
        reads = 0;
        counting = true;
        try {
          return [call(), reads];
        } finally {
          counting = false;
        }
      };
      part.sent(batches[0]!, () => {});
      part.written(batches[0]!);
      for (const b of batches.slice(1, sent)) part.sent(b, () => {});
      part.replace(batches[1]!, [piece(batches[1]!), piece(batches[1]!)], () => {});
      return { part, batches, measure };
    };

    test("the delivery timeouts: the same answers as a scan of every batch, reading only the oldest", () => {
      const { part, measure } = heldPartition(10_000, 4, 10);
      for (const now of [500, 1_000, 1_001, 1_002, 1_004, 5_000, 20_000]) {
        const [answers, reads] = measure(() => [part.earliestDeadline(), part.expired(now)]);
        expect(answers).toEqual([
          Math.min(...part.queue.filter((b) => b.state !== "inflight").map((b) => b.deadline)),
          part.queue.find((b) => b.state !== "inflight" && now >= b.deadline),
        ]);
        // A few of the oldest batches, not the 10 000.
        expect(reads).toBeLessThan(100);
      }
    });

    test("sendable: the same answers as a scan of every batch, over random sends, answers, retries and splits; the batches never sent are not read", () => {
      for (let seed = 1; seed <= 200; seed++) {
        const { random, pick } = prng(seed);
        const part = new PartitionBatches("t", 0, true);
        let now = 0;
        for (let step = 0; step < 200; step++) {
          const onWire = part.queue.filter((b) => b.state === "inflight");
          const roll = random();
          if (roll < 0.3) add(part, now + 1_000);
          else if (roll < 0.5 && onWire.length > 0) part.written(pick(onWire));
          else if (roll < 0.6 && onWire.length > 0) part.waitForRetry(pick(onWire), now + Math.floor(random() * 3));
          else if (roll < 0.65 && onWire.length > 0) {
            const big = pick(onWire);
            part.replace(big, [piece(big), piece(big)], () => {});
          } else if (roll < 0.68) part.restartSequences();
          else now++;
          const expected = fullScan(part, now);
          expect(part.sendable(now, () => {})).toBe(expected);
          if (expected && random() < 0.8) part.sent(expected, () => {});
        }
      }
      // Batches 2 and 3, sent before the split, are on the wire behind its pieces: they hold them back.
      const { part, batches, measure } = heldPartition(10_000, 4, 4);
      const [held, readsHeld] = measure(() => part.sendable(2_000, () => {}));
      expect(held).toBeUndefined();
      expect(held).toBe(fullScan(part, 2_000));
      part.written(batches[2]!);
      part.written(batches[3]!);
      const [next, readsNext] = measure(() => part.sendable(2_000, () => {}));
      expect(next).toBe(part.queue[0]!); // the first piece goes again
      expect(next).toBe(fullScan(part, 2_000));
      // The scans end at the first batch never sent: a few reads of it, not of the 10 000.
      expect([readsHeld, readsNext].every((reads) => reads < 10)).toBe(true);
    });
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

  test("failFrom a batch no longer queued fails it alone: the queued batches stay", () => {
    const part = new PartitionBatches("t", 0, false);
    const [b0, b1, b2] = [add(part), add(part), add(part)];
    part.drop(b0);
    expect(part.failFrom(b0, new Error("late"))).toEqual([b0]);
    expect(part.queue).toEqual([b1, b2]);
    expect(part.queuedBytes).toBe(122);
  });

  test("queuedBytes and queuedRecords: the bytes and records of the batches not on the wire, as batches are sent, come back, split, written, fail", () => {
    const part = new PartitionBatches("t", 0, false);
    const offWire = () => part.queue.filter((b) => b.state !== "inflight");
    const seen: number[] = [];
    const check = () => {
      expect(part.queuedBytes).toBe(offWire().reduce((n, b) => n + b.records.length, 0));
      expect(part.queuedRecords).toBe(offWire().reduce((n, b) => n + b.count, 0));
      seen.push(part.queuedBytes);
    };
    const [b0, b1, b2] = [add(part), add(part), add(part), add(part)];
    check();
    part.sent(b0, () => {});
    part.sent(b1, () => {});
    check();
    part.waitForRetry(b1, 0); // came back
    check();
    part.written(b0);
    check();
    part.sent(b1, () => {});
    part.replace(b1, [piece(b1), piece(b1)], () => {}); // too large: two pieces in its place
    check();
    part.drop(b2);
    check();
    part.failFrom(part.queue[0]!, new Error("expired")); // the pieces and b3
    check();
    expect(part.queue).toEqual([]);
    add(part);
    part.takeAll();
    check();
    expect(seen).toEqual([244, 122, 183, 183, 244, 183, 0, 0]);
  });
});
