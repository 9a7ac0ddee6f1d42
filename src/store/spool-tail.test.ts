import { describe, expect, test } from "bun:test";
import { SpoolTail, TailMemory } from "./spool-tail.ts";

const row = (seq: number, bytes = 10) => ({ seq, record: new Uint8Array(bytes), bytes, spooledAt: 0, payload: seq });

describe("SpoolTail", () => {
  test("answers nothing until a read from the file reached the end, then every later row once, in order", () => {
    const tail = new SpoolTail(1000);
    tail.push(row(1));
    expect(tail.take(0, 10)).toBeUndefined();
    tail.readFromFile(0, [1], 10); // fewer than asked: the file's end
    tail.push(row(2));
    tail.push(row(4));
    expect(tail.take(1, 1)?.map((r) => r.seq)).toEqual([2]);
    expect(tail.take(2, 10)?.map((r) => r.seq)).toEqual([4]);
    expect(tail.take(4, 10)).toEqual([]);
    // Asked from before what it holds (a reader that restarted): the file must answer.
    expect(tail.take(1, 10)).toBeUndefined();
  });

  test("a read that filled its limit proves nothing; rows past maxBytes drop the tail until the next read", () => {
    const tail = new SpoolTail(25);
    tail.readFromFile(0, [1, 2], 2);
    tail.push(row(3));
    expect(tail.take(2, 10)).toBeUndefined();
    tail.readFromFile(2, [], 10);
    tail.push(row(3));
    tail.push(row(4));
    tail.push(row(5)); // 30 bytes > 25: the drainer is behind
    expect(tail.take(2, 10)).toBeUndefined();
    tail.push(row(6));
    expect(tail.take(2, 10)).toBeUndefined();
  });

  test("push counts the memory the caller says a row keeps, and taking rows gives it back", () => {
    const tail = new SpoolTail(100);
    tail.readFromFile(0, [], 10);
    expect(tail.accepting).toBe(true);
    tail.push(row(1, 10), 60); // its request's whole buffer, say
    tail.push(row(2, 10), 30);
    expect(tail.take(0, 1)?.map((r) => r.seq)).toEqual([1]); // 60 given back
    tail.push(row(3, 10), 60); // 90: still held
    expect(tail.take(1, 10)?.map((r) => r.seq)).toEqual([2, 3]);
    tail.push(row(4, 10), 60);
    tail.push(row(5, 10), 60); // 120 > 100: dropped
    expect(tail.accepting).toBe(false);
    expect(tail.take(3, 10)).toBeUndefined();
  });
});

describe("TailMemory: every partition's tail within one worker-wide cap", () => {
  test("a push past the shared cap drops that tail (read from the file again); what is taken or dropped is given back", () => {
    const memory = new TailMemory(25);
    const [a, b] = [new SpoolTail(1000, memory), new SpoolTail(1000, memory)];
    a.readFromFile(0, [], 10);
    b.readFromFile(0, [], 10);
    a.push(row(1));
    b.push(row(1));
    expect(memory.usedBytes).toBe(20);
    b.push(row(2)); // 30 > 25 together: b lets go of its rows, a keeps its own
    expect(memory.usedBytes).toBe(10);
    expect(b.take(0, 10)).toBeUndefined();
    expect(a.take(0, 10)?.map((r) => r.seq)).toEqual([1]);
    expect(memory.usedBytes).toBe(0);
    b.readFromFile(0, [1, 2], 10);
    b.push(row(3));
    expect(memory.usedBytes).toBe(10);
    b.reset();
    expect(memory.usedBytes).toBe(0);
  });
});

describe("TailMemory: one behind tail does not keep the others out", () => {
  test("past the shared cap the tail holding most lets go, not the one keeping up that pushed", () => {
    const tails: SpoolTail[] = [];
    const memory = new TailMemory(100, () => tails);
    const behind = new SpoolTail(1000, memory);
    const keepingUp = new SpoolTail(1000, memory);
    tails.push(behind, keepingUp);
    behind.readFromFile(0, [], 10);
    keepingUp.readFromFile(0, [], 10);
    for (let seq = 1; seq <= 9; seq++) behind.push(row(seq)); // its drainer reads nothing (Kafka away)
    keepingUp.push(row(1));
    expect(memory.usedBytes).toBe(100);
    keepingUp.push(row(2)); // 110 > 100: the behind tail lets go (read from the file again)
    expect(memory.usedBytes).toBe(20);
    expect(behind.take(0, 10)).toBeUndefined();
    expect(keepingUp.take(0, 10)?.map((r) => r.seq)).toEqual([1, 2]);
    expect(memory.usedBytes).toBe(0);
  });
});
