import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { ProducedMetadata } from "../kafka/kafka-port.ts";
import { recordBytes } from "./request-bytes.ts";
import { handingOut, item, ManualSender, track } from "./send-coalescer-test-support.ts";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("SendCoalescer handing records out in any order (SourceTask.commitsAnyOrder, per-partition-acks step 3)", () => {
  test("a later request acknowledged while the head is not: its batch's records are handed out at once; batches still settle in queue order", async () => {
    const sender = new ManualSender();
    const { coalescer, handed } = handingOut(sender, 3);
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1"), item("b2")]);
    sender.ack(1);
    await waitFor(() => handed.length === 1, { what: "B handed out before A" });
    expect(handed).toEqual(["B:0@0,1@1"]);
    await nextTurn();
    expect(log).toEqual([]);
    sender.ack(0);
    await waitFor(() => log.length === 2);
    expect(log).toEqual(["A:2", "B:0,1"]);
    // The head, handed back whole, settles its batch: not handed out besides.
    expect(handed).toEqual(["B:0@0,1@1"]);
  });

  test("the part of a request Kafka wrote before it settles (onWritten) is handed out by batch and index, across batches", async () => {
    const sender = new ManualSender();
    const { coalescer, handed } = handingOut(sender, 1);
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1"), item("b2")]);
    track(coalescer, log, "C", [item("c1"), item("c2")]);
    sender.ack(0);
    await waitFor(() => sender.requests.length === 2);
    expect(sender.requests[1]).toEqual(["b1", "b2", "c1", "c2"]);
    const part = sender.attempts[1]!.onWritten!;
    const written: ProducedMetadata[] = sender.metadata(2);
    part(Int32Array.of(1, 2), written); // b2 and c1: one partition written, the other still pending
    expect(handed).toEqual(["B:1@1", "C:0@2"]);
    await nextTurn();
    expect(log).toEqual(["A:0"]);
  });

  test("a request of one record gets no onWritten, and nothing is handed out when the head settles whole batches", async () => {
    const sender = new ManualSender();
    const { coalescer, handed } = handingOut(sender, 2);
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1")]);
    expect(sender.attempts.map((a) => a.onWritten)).toEqual([undefined, undefined]);
    sender.ack(0);
    sender.ack(1);
    await waitFor(() => log.length === 2);
    expect(handed).toEqual([]);
  });

  test("the head's part of a batch that goes on in a request still pending waits with its batch, as for any task", async () => {
    const sender = new ManualSender();
    const { coalescer, handed } = handingOut(sender, 2, recordBytes(item("x").produced) * 2);
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1"), item("a2"), item("a3")]);
    await waitFor(() => sender.requests.length === 2);
    expect(sender.requests).toEqual([["a1", "a2"], ["a3"]]);
    sender.ack(0);
    await nextTurn();
    expect(handed).toEqual([]);
    sender.ack(1);
    await waitFor(() => log.length === 1);
    expect(log).toEqual(["A:0,1,2"]);
  });

  test("nothing is handed out after the coalescer halted", async () => {
    const sender = new ManualSender();
    const { coalescer, handed } = handingOut(sender, 2);
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1"), item("b2")]);
    const part = sender.attempts[1]!.onWritten!;
    sender.fail(0, new Error("refused"));
    sender.fail(1, new Error("not sent"));
    await waitFor(() => sender.recoveries.length === 1);
    sender.recovered(0, new Error("refused for good"));
    await waitFor(() => log.length === 2);
    part(Int32Array.of(0), sender.metadata(1));
    expect(handed).toEqual([]);
  });
});
