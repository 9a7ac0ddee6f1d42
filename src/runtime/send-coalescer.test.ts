import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { markNeverSent, markRefused, NotSentError } from "../kafka/send-rejection.ts";
import { recordBytes } from "./request-bytes.ts";
import { SendCoalescer } from "./send-coalescer.ts";
import { type Item, item, ManualSender, options, track } from "./send-coalescer-test-support.ts";

describe("SendCoalescer", () => {
  test("batches queued while a request is on the wire go out merged in the next one; each settles on its own, in order", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options());
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1"), item("a2")]);
    track(coalescer, log, "B", [item("b1")]);
    track(coalescer, log, "C", [item("c1"), item("c2")]);
    expect(sender.requests).toEqual([["a1", "a2"]]);
    sender.ack();
    await waitFor(() => sender.requests.length === 2);
    expect(sender.requests[1]).toEqual(["b1", "c1", "c2"]);
    expect(log).toEqual(["A:0,1"]);
    track(coalescer, log, "D", [item("d1")]);
    sender.ack();
    await waitFor(() => sender.requests.length === 3);
    expect(log).toEqual(["A:0,1", "B:2", "C:3,4"]);
    sender.ack();
    await waitFor(() => log.length === 4);
    expect(log[3]).toBe("D:5");
  });

  test("a merged request stays within max.request.size: a batch may span requests, an oversized record goes alone", async () => {
    const sender = new ManualSender();
    const small = recordBytes(item("x").produced);
    const coalescer = new SendCoalescer(sender.sender, options(1, small * 2));
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1"), item("b2"), item("b3")]);
    track(coalescer, log, "C", [item("big", small * 3), item("c2")]);
    for (let i = 0; i < 5; i++) {
      await waitFor(() => sender.open === 1);
      sender.ack();
    }
    await waitFor(() => log.length === 3);
    expect(sender.requests).toEqual([["a1"], ["b1", "b2"], ["b3"], ["big"], ["c2"]]);
    expect(log).toEqual(["A:0", "B:1,2,3", "C:4,5"]);
  });

  test("a recovered request that fails for good in the middle settles the batches before, fails the one holding the record with its written ones, abandons the rest", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options());
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1")]);
    track(coalescer, log, "C", [item("c1"), item("c2")]);
    track(coalescer, log, "D", [item("d1")]);
    sender.ack();
    await waitFor(() => sender.requests.length === 2);
    sender.fail(1, new Error("rejected"));
    await waitFor(() => sender.recoveries.length === 1);
    expect(sender.recoveries[0]!.error).toEqual(new Error("rejected"));
    // b1 and c1 written, c2 failed: B is acknowledged, C fails (c1 told written, c2 may have been: splitrest), D is
    // never sent.
    sender.recovered(2, new Error("record too large"));
    await waitFor(() => log.length === 4);
    expect(log).toEqual(["A:0", "B:1", "C:not sent from 2, written 0, failed Error: record too large", "D:undefined"]);
    expect(await coalescer.enqueue([item("e1")])).toBeUndefined();
    expect(sender.requests).toHaveLength(3);
  });

  test("a request that fails for good with its rest never sent (the producer refused: SASL) fails its batch as not sent from its first unwritten record", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options());
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1"), item("a2")]);
    track(coalescer, log, "B", [item("b1")]);
    sender.fail(0, markNeverSent(new Error("authentication failed")));
    await waitFor(() => sender.recoveries.length === 1);
    sender.recovered(1, new Error("authentication failed"), true);
    await waitFor(() => log.length === 2);
    expect(log).toEqual(["A:not sent from 1, written 0, failed Error: authentication failed", "B:not sent from 0"]);
  });

  test("a request cut short by a stop (no failure) settles its batch as given up with its written records, one never taken into a request as not sent", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options());
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1"), item("a2")]);
    track(coalescer, log, "B", [item("b1")]);
    sender.fail(0, new Error("stopping"));
    await waitFor(() => sender.recoveries.length === 1);
    sender.recovered(1);
    await waitFor(() => log.length === 2);
    // a1 written (its metadata told: routedacl P3), a2 may have been: none is certainly not written.
    expect(log).toEqual(["A:not sent from 2, written 0", "B:not sent from 0"]);
    expect(sender.requests).toEqual([
      ["a1", "a2"],
      ["a1", "a2"],
    ]);
  });

  // splitrest (routedacl P3): an earlier attempt went unanswered, so the rest may be written; the records Kafka is known
  // to have written were answered 500 "may still be written" with the rest, as the batch was rejected.
  describe("when a failure leaves the rest perhaps written (an earlier attempt went unanswered)", () => {
    const failure = markRefused(new Error("Not authorized to access topics: [t]"));
    const written = { topic: "u", partition: 0, offset: 7, timestamp: null };

    test("the records the failed recovery lists written are told with the failure; the others neither written nor certainly not", async () => {
      const sender = new ManualSender();
      const coalescer = new SendCoalescer(sender.sender, options());
      const log: string[] = [];
      track(coalescer, log, "A", [item("a1"), item("a2"), item("a3")]);
      track(coalescer, log, "B", [item("b1")]);
      sender.fail(0, new Error("timed out")); // may have reached the broker
      await waitFor(() => sender.recoveries.length === 1);
      // The recovery's attempt: a1 and a3 refused (an earlier attempt may have written them), a2 written.
      sender.recoveries
        .shift()!
        .done.resolve({ metadata: [], failure: { error: failure }, written: [undefined, written] });
      await waitFor(() => log.length === 2);
      expect(log).toEqual([`A:not sent from 3, written 1, failed ${String(failure)}`, "B:not sent from 0"]);
    });

    test("the failed batch's records a later request got acknowledged are told written; a record never sent is not sent", async () => {
      const sender = new ManualSender();
      const one = recordBytes(item("x").produced);
      const coalescer = new SendCoalescer(sender.sender, options(2, one));
      const log: string[] = [];
      track(coalescer, log, "A", [item("a1"), item("a2"), item("a3")]);
      await waitFor(() => sender.requests.length === 2); // one request a turn (TurnBudget)
      expect(sender.requests).toEqual([["a1"], ["a2"]]);
      sender.fail(0, new Error("timed out"));
      sender.ack(1);
      await waitFor(() => sender.recoveries.length === 1);
      sender.recovered(0, failure);
      await waitFor(() => log.length === 1);
      // a1 may be written, a2 is (acknowledged after a1 failed), a3 was never taken into a request.
      expect(log).toEqual([`A:not sent from 1, written 1, failed ${String(failure)}`]);
    });
  });

  test("a recovery that throws counts as a failure of the request's first record", async () => {
    const coalescer = new SendCoalescer<Item>(
      {
        attempt: async () => {
          throw new Error("attempt");
        },
        recover: async () => {
          throw new Error("boom");
        },
      },
      options(),
    );
    const log: string[] = [];
    const a = track(coalescer, log, "A", [item("a1")]);
    const b = track(coalescer, log, "B", [item("b1")]);
    await Promise.allSettled([a, b]);
    expect(log).toEqual(["A:failed Error: boom", "B:not sent from 0"]);
  });

  test("given up at a stop: records only in attempts that never reached a broker are not sent, any that may have are undefined (notsent-503)", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options(3));
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1"), item("a2")]);
    track(coalescer, log, "B", [item("b1")]);
    track(coalescer, log, "C", [item("c1")]);
    track(coalescer, log, "D", [item("d1")]);
    expect(sender.requests).toEqual([["a1", "a2"], ["b1"], ["c1"]]);
    sender.fail(0, new Error("timed out"));
    sender.fail(1, markNeverSent(new NotSentError("an earlier send failed")));
    sender.ack(2);
    await waitFor(() => sender.recoveries.length === 1);
    // a1 written; a2 never reached a broker again, nor b1; c1 was written (told so, not acknowledged after a2); d1 never went.
    sender.recovered(1, undefined, true);
    await waitFor(() => log.length === 4);
    expect(log).toEqual([
      "A:not sent from 1, written 0",
      "B:not sent from 0",
      "C:not sent from 0, written 0",
      "D:not sent from 0",
    ]);
  });

  test("given up: a later request refused but partly written (another topic's partition acknowledged) is not said unwritten (review 14)", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options(2));
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1"), item("b2")]);
    sender.fail(0, new Error("not connected"));
    const written = [{ topic: "u", partition: 0, offset: 7, timestamp: null }, null];
    sender.fail(1, Object.assign(markRefused(new Error("Not authorized to access topics: [t]")), { written }));
    await waitFor(() => sender.recoveries.length === 1);
    sender.recovered(0, undefined, true);
    await waitFor(() => log.length === 2);
    // b1 was written: B is told so, and that b2 is not.
    expect(log).toEqual(["A:not sent from 0", "B:not sent from 0, written 0"]);
  });

  test("given up: a batch whose records were in an attempt that may have reached a broker is undefined", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options(2));
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1")]);
    sender.fail(0, new Error("not connected"));
    sender.fail(1, new NotSentError("an earlier batch failed")); // not marked: it may have been on the wire before
    await waitFor(() => sender.recoveries.length === 1);
    sender.recovered(0, undefined, true);
    await waitFor(() => log.length === 2);
    expect(log).toEqual(["A:not sent from 0", "B:undefined"]);
  });
});
