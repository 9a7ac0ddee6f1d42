import { describe, expect, test } from "bun:test";
import { FifoQueue } from "./fifo-queue.ts";

describe("FifoQueue", () => {
  test("many items, pushed and taken interleaved (across compactions): taken in the order pushed", () => {
    const queue = new FifoQueue<number>();
    const taken: number[] = [];
    let next = 0;
    // Rounds that push more than they take, then drain: the head passes the compaction point often.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3000; i++) queue.push(next++);
      for (let i = 0; i < 2000; i++) taken.push(queue.shift()!);
      expect(queue.length).toBe(next - taken.length);
      expect(queue.peek()).toBe(taken.length);
    }
    while (queue.length > 0) taken.push(queue.shift()!);
    expect(taken).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(queue.shift()).toBeUndefined();
    expect(queue.peek()).toBeUndefined();
    queue.push(-1);
    expect([queue.length, queue.shift(), queue.length]).toEqual([1, -1, 0]);
  });
});
