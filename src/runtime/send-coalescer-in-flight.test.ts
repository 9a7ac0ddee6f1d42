import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { LogManager } from "../util/logger.ts";
import { recordBytes } from "./request-bytes.ts";
import { PARTLY_WRITTEN_SLOT_MS, SendCoalescer } from "./send-coalescer.ts";
import { handingOut, type Item, item, ManualSender, options, track } from "./send-coalescer-test-support.ts";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
/**
 * Before asserting that no request started: the coalescer starts one within the microtasks after an answer or a timer
 * (its pump is synchronous), or at the next turn when a request of half max.request.size or more already started in
 * this one (TurnBudget). Two turns show any request that may start; three are a margin.
 */
const turnsPassed = async () => {
  for (let i = 0; i < 3; i++) await nextTurn();
};

describe("SendCoalescer with several requests in flight", () => {
  test("starts up to maxRequests requests at once and merges what is queued behind them", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options(3));
    const log: string[] = [];
    for (const name of ["a", "b", "c", "d", "e"]) track(coalescer, log, name.toUpperCase(), [item(`${name}1`)]);
    expect(sender.requests).toEqual([["a1"], ["b1"], ["c1"]]);
    sender.ack(0);
    await waitFor(() => sender.requests.length === 4);
    expect(sender.requests[3]).toEqual(["d1", "e1"]);
  });

  test("a single small batch starts a request at once while there is room, whatever is already on the wire", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options(5));
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1")]);
    // No waiting for more bytes or an acknowledgement (as Java's producer with linger.ms=0).
    expect(sender.requests).toEqual([["a1"], ["b1"]]);
    sender.ack(0);
    await waitFor(() => log.length === 1);
    track(coalescer, log, "C", [item("c1")]);
    expect(sender.requests).toEqual([["a1"], ["b1"], ["c1"]]);
    sender.ack(1);
    sender.ack(2);
    await waitFor(() => log.length === 3);
    expect(log).toEqual(["A:0", "B:1", "C:2"]);
  });

  test("acknowledgements out of order: batches settle strictly in queue order", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options(3));
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1"), item("b2")]);
    track(coalescer, log, "C", [item("c1")]);
    sender.ack(2);
    sender.ack(1);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(log).toEqual([]);
    sender.ack(0);
    await waitFor(() => log.length === 3);
    // Offsets come from the order the sender acknowledged: C first, then B, then A.
    expect(log).toEqual(["A:3", "B:1,2", "C:0"]);
  });

  describe("a request answered while an earlier one is not (per-partition-acks step 2)", () => {
    test("frees its slot at once: the next request starts, and batches still settle in queue order", async () => {
      const sender = new ManualSender();
      const coalescer = new SendCoalescer(sender.sender, options(2));
      const log: string[] = [];
      for (const name of ["a", "b", "c", "d"]) track(coalescer, log, name.toUpperCase(), [item(`${name}1`)]);
      expect(sender.requests).toEqual([["a1"], ["b1"]]);
      sender.ack(1);
      await waitFor(() => sender.requests.length === 3, { what: "a third request while the head is unanswered" });
      expect(sender.requests[2]).toEqual(["c1", "d1"]);
      sender.ack(2);
      await nextTurn();
      expect(log).toEqual([]);
      sender.ack(0);
      await waitFor(() => log.length === 4);
      expect(log).toEqual(["A:3", "B:0", "C:1", "D:2"]);
    });

    test("still counts its bytes until it is handed back: buffer.memory bounds what waits behind the head", async () => {
      const sender = new ManualSender();
      const size = recordBytes(item("x").produced);
      const coalescer = new SendCoalescer(sender.sender, options(5, size, size * 2));
      const log: string[] = [];
      for (const name of ["a", "b", "c"]) track(coalescer, log, name.toUpperCase(), [item(`${name}1`)]);
      await waitFor(() => sender.requests.length === 2);
      sender.ack(1);
      await turnsPassed();
      expect(sender.requests).toEqual([["a1"], ["b1"]]);
      sender.ack(0);
      await waitFor(() => sender.requests.length === 3);
      expect(sender.requests[2]).toEqual(["c1"]);
    });

    test("a failure of the head is recovered only once the request started meanwhile settled too", async () => {
      const sender = new ManualSender();
      const coalescer = new SendCoalescer(sender.sender, options(2));
      const log: string[] = [];
      for (const name of ["a", "b", "c"]) track(coalescer, log, name.toUpperCase(), [item(`${name}1`)]);
      sender.ack(1);
      await waitFor(() => sender.requests.length === 3);
      sender.fail(0, new Error("NOT_LEADER_OR_FOLLOWER"));
      await turnsPassed();
      // c1 is still on the wire: no recovery yet.
      expect(sender.recoveries).toHaveLength(0);
      sender.ack(2);
      await waitFor(() => sender.recoveries.length === 1);
      expect(sender.recoveries[0]!.names).toEqual(["a1"]);
      sender.recovered();
      await waitFor(() => log.length === 3);
      expect(log).toEqual(["A:2", "B:0", "C:1"]);
    });
  });

  describe("a request the port told written in part while the rest is held (onWritten, coalfree)", () => {
    // A and B each span two partitions; the port tells one written, the other held (no leader, until
    // delivery.timeout.ms): neither settles.
    const twoHeld = (maxRequests: number, maxInFlightBytes?: number) => {
      const sender = new ManualSender();
      const { coalescer, handed, clock } = handingOut(sender, maxRequests, undefined, maxInFlightBytes);
      const log: string[] = [];
      track(coalescer, log, "A", [item("a1"), item("a2")]);
      track(coalescer, log, "B", [item("b1"), item("b2")]);
      track(coalescer, log, "C", [item("c1"), item("c2")]);
      const tellFirst = (attempt: number) => sender.attempts[attempt]!.onWritten!(Int32Array.of(0), sender.metadata(1));
      return { sender, coalescer, handed, log, tellFirst, clock };
    };

    test("frees its slot once the rest is still pending PARTLY_WRITTEN_SLOT_MS after: with two such requests out and maxRequests 2, the next requests start", async () => {
      const { sender, coalescer, handed, log, tellFirst, clock } = twoHeld(2);
      expect(sender.requests).toEqual([
        ["a1", "a2"],
        ["b1", "b2"],
      ]);
      tellFirst(0);
      tellFirst(1);
      // Handed out at once; the slots are kept until the rest has been pending that long.
      expect(handed).toEqual(["A:0@0", "B:0@1"]);
      clock.advance(PARTLY_WRITTEN_SLOT_MS - 1);
      await turnsPassed();
      expect(sender.requests).toHaveLength(2);
      clock.advance(1);
      await waitFor(() => sender.requests.length === 3, { what: "a third request while two are held in part" });
      expect(sender.requests[2]).toEqual(["c1", "c2"]);
      // Only C is on the wire unanswered: one more goes.
      track(coalescer, log, "D", [item("d1")]);
      expect(sender.requests[3]).toEqual(["d1"]);
      sender.ack(2);
      sender.ack(3);
      await nextTurn();
      // Batches still settle in queue order, behind the held ones.
      expect(log).toEqual([]);
      sender.ack(0);
      sender.ack(1);
      await waitFor(() => log.length === 4);
      expect(log).toEqual(["A:5,6", "B:7,8", "C:2,3", "D:4"]);
    });

    test("one whose rest is answered before PARTLY_WRITTEN_SLOT_MS never frees its slot early (several brokers answer a request's partitions one after the other), and its timer ends", async () => {
      const { sender, coalescer, log, tellFirst, clock } = twoHeld(2);
      tellFirst(0);
      tellFirst(1);
      clock.advance(PARTLY_WRITTEN_SLOT_MS - 1);
      // B's rest answered: its slot goes to C as any answer's; A's is still kept.
      sender.ack(1);
      await waitFor(() => sender.requests.length === 3);
      expect(sender.requests[2]).toEqual(["c1", "c2"]);
      track(coalescer, log, "D", [item("d1")]);
      await turnsPassed();
      expect(sender.requests).toHaveLength(3);
      // B's timer ended with its answer: only A's is left, and it frees A's slot for D.
      expect(clock.pending).toBe(1);
      clock.advance(1);
      await waitFor(() => sender.requests.length === 4);
      expect(sender.requests[3]).toEqual(["d1"]);
      for (const i of [0, 2, 3]) sender.ack(i);
      await waitFor(() => log.length === 4);
      expect(clock.pending).toBe(0);
    });

    test("keeps its slot when maxRequests is 1 (order for a producer that is not idempotent)", async () => {
      const { sender, handed, tellFirst, clock } = twoHeld(1);
      expect(sender.requests).toEqual([["a1", "a2"]]);
      tellFirst(0);
      expect(handed).toEqual(["A:0@0"]);
      clock.advance(PARTLY_WRITTEN_SLOT_MS);
      await turnsPassed();
      expect(sender.requests).toHaveLength(1);
      sender.ack(0);
      await waitFor(() => sender.requests.length === 2);
      expect(sender.requests[1]).toEqual(["b1", "b2", "c1", "c2"]);
    });

    test("still counts its bytes: buffer.memory bounds what goes out behind it", async () => {
      const size = recordBytes(item("x").produced);
      const { sender, tellFirst, clock } = twoHeld(5, size * 4);
      expect(sender.requests).toEqual([
        ["a1", "a2"],
        ["b1", "b2"],
      ]);
      tellFirst(0);
      tellFirst(1);
      clock.advance(PARTLY_WRITTEN_SLOT_MS);
      await turnsPassed();
      expect(sender.requests).toHaveLength(2);
      sender.ack(0);
      await waitFor(() => sender.requests.length === 3);
      expect(sender.requests[2]).toEqual(["c1", "c2"]);
    });

    test("a failure is recovered only once every other request settled, those told written in part included", async () => {
      const { sender, log, tellFirst, clock } = twoHeld(2);
      tellFirst(0);
      tellFirst(1);
      clock.advance(PARTLY_WRITTEN_SLOT_MS);
      await waitFor(() => sender.requests.length === 3);
      sender.fail(0, new Error("Expiring 1 record(s): delivery.timeout.ms elapsed"));
      sender.ack(2);
      await turnsPassed();
      // B is held in part, still on the wire: no recovery yet.
      expect(sender.recoveries).toHaveLength(0);
      sender.ack(1);
      await waitFor(() => sender.recoveries.length === 1);
      expect(sender.recoveries[0]!.names).toEqual(["a1", "a2"]);
      sender.recovered();
      await waitFor(() => log.length === 3);
      expect(log).toEqual(["A:6,7", "B:4,5", "C:2,3"]);
    });
  });

  test("the byte bound holds a request back until earlier ones settle (one larger request still goes alone)", async () => {
    const sender = new ManualSender();
    const size = recordBytes(item("x").produced);
    const coalescer = new SendCoalescer(sender.sender, options(5, size, size * 2));
    const log: string[] = [];
    for (const name of ["a", "b", "c"]) track(coalescer, log, name.toUpperCase(), [item(`${name}1`)]);
    await waitFor(() => sender.requests.length === 2); // a request of max.request.size a turn (next test)
    await nextTurn();
    expect(sender.requests).toEqual([["a1"], ["b1"]]);
    sender.ack(0);
    await waitFor(() => sender.requests.length === 3);
    expect(sender.requests[2]).toEqual(["c1"]);
  });

  test("a poll batch of several max.request.size requests goes out one request per event-loop turn (spool drain), small ones several at once", async () => {
    const sender = new ManualSender();
    const size = recordBytes(item("a00").produced);
    const coalescer = new SendCoalescer(sender.sender, options(5, size * 8));
    const log: string[] = [];
    const names = Array.from({ length: 24 }, (_, i) => `a${String(i).padStart(2, "0")}`);
    track(coalescer, log, "A", names.map(item));
    // Each request starts in its own turn: the loop's other callbacks (devices' requests) run in between.
    expect(sender.requests).toHaveLength(1);
    await nextTurn();
    expect(sender.requests).toHaveLength(2);
    await nextTurn();
    expect(sender.requests).toHaveLength(3);
    const sent = sender.requests.flat();
    expect(sent).toEqual(names.slice(0, sent.length));
    // Requests of fewer bytes than that: several start in one turn, as before.
    const small = new ManualSender();
    const other = new SendCoalescer(small.sender, options(5, size * 8));
    for (const name of ["b", "c", "d"]) track(other, log, name.toUpperCase(), [item(`${name}00`)]);
    expect(small.requests).toEqual([["b00"], ["c00"], ["d00"]]);
  });

  test("a failed attempt stops new requests; once all settled, the failed one is recovered, the sender told, then later outcomes handed back in order", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options(3));
    const log: string[] = [];
    for (const name of ["a", "b", "c", "d"]) track(coalescer, log, name.toUpperCase(), [item(`${name}1`)]);
    expect(sender.requests).toEqual([["a1"], ["b1"], ["c1"]]);
    sender.fail(1, new Error("NOT_LEADER_OR_FOLLOWER"));
    sender.ack(0);
    await waitFor(() => log.length === 1);
    // c1 still on the wire: no recovery yet, and d1 waits.
    expect(sender.recoveries).toHaveLength(0);
    expect(sender.requests).toHaveLength(3);
    sender.fail(2, new Error("producer failed"));
    await waitFor(() => sender.recoveries.length === 1);
    expect(sender.recoveries[0]!.names).toEqual(["b1"]);
    sender.recovered();
    await waitFor(() => sender.recoveries.length === 1 && sender.recoveries[0]!.names[0] === "c1");
    expect(log).toEqual(["A:0", "B:1"]);
    expect(sender.recoveryEnds).toEqual([]);
    sender.recovered();
    // Pipelining resumes with what was queued, once the sender was told the recovery ended.
    await waitFor(() => sender.requests.length === 6);
    expect(sender.requests[5]).toEqual(["d1"]);
    expect(sender.recoveryEnds).toEqual([5]);
    sender.ack(3);
    await waitFor(() => log.length === 4);
    expect(log).toEqual(["A:0", "B:1", "C:2", "D:3"]);
  });

  test("a failure recovered only in part abandons later batches, also those Kafka acknowledged meanwhile (their records told written)", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options(3));
    const log: string[] = [];
    for (const name of ["a", "b", "c"]) track(coalescer, log, name.toUpperCase(), [item(`${name}1`)]);
    sender.fail(0, new Error("timeout"));
    sender.ack(1);
    sender.ack(2);
    await waitFor(() => sender.recoveries.length === 1);
    expect(log).toEqual([]);
    sender.recovered(0, new Error("delivery timeout"));
    await waitFor(() => log.length === 3);
    expect(log).toEqual([
      "A:failed Error: delivery timeout",
      "B:not sent from 0, written 0",
      "C:not sent from 0, written 0",
    ]);
    expect(sender.recoveryEnds).toEqual([4]);
  });

  test("a sender whose `recovered` throws: the failure is logged and the batches queued meanwhile are sent", async () => {
    const sender = new ManualSender();
    const lines: string[] = [];
    const log = new LogManager({ sink: (line) => void lines.push(line) }).get("test");
    const coalescer = new SendCoalescer<Item>(
      {
        ...sender.sender,
        recovered: () => {
          throw new Error("hook failed");
        },
      },
      options(3, undefined, undefined, log),
    );
    const results: string[] = [];
    track(coalescer, results, "A", [item("a1")]);
    sender.fail(0, new Error("timeout"));
    await waitFor(() => sender.recoveries.length === 1);
    track(coalescer, results, "B", [item("b1")]); // queued: no request starts during a recovery
    expect(sender.requests).toEqual([["a1"], ["a1"]]);
    sender.recovered();
    await waitFor(() => sender.requests.length === 3, { what: "the queued batch sent after the recovery" });
    expect(sender.requests[2]).toEqual(["b1"]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      "ERROR The sender failed when told its recovery ended; sending goes on\nError: hook failed",
    );
    sender.ack(1);
    await waitFor(() => results.length === 2);
    expect(results).toEqual(["A:0", "B:1"]);
  });
});
