import { describe, expect, test } from "bun:test";
import { partitionMapKey as key } from "../api/record.ts";
import { SinkPausedPartitions } from "./sink-paused-partitions.ts";

const tp = (partition: number) => ({ topic: "in", partition });

describe("SinkPausedPartitions", () => {
  test("pause adds, resume removes; resume-all skips what is still paused", () => {
    const paused = new SinkPausedPartitions();
    paused.add([tp(0), tp(1)]);
    paused.remove([tp(1)]);
    expect(paused.has(tp(0))).toBe(true);
    expect(paused.has(tp(1))).toBe(false);
    expect(paused.notPaused([tp(0), tp(1), tp(2)])).toEqual([tp(1), tp(2)]);
  });

  test("the epoch moves with every pause, not with a resume; hasKey looks a partition up by its key", () => {
    const paused = new SinkPausedPartitions();
    expect(paused.epoch).toBe(0);
    paused.add([tp(0)]);
    paused.remove([tp(0)]);
    expect(paused.epoch).toBe(1);
    paused.add([tp(0)]);
    expect(paused.epoch).toBe(2);
    expect(paused.hasKey(key(tp(0)))).toBe(true);
    expect(paused.hasKey(key(tp(1)))).toBe(false);
  });

  test("after a rebalance only partitions still assigned stay paused (Connect's retainAll)", () => {
    const paused = new SinkPausedPartitions();
    paused.add([tp(0), tp(1), tp(2)]);
    expect(paused.retain([tp(1), tp(2), tp(3)])).toEqual([tp(1), tp(2)]);
    expect(paused.has(tp(0))).toBe(false);
    // A partition given up and assigned again later is not paused by an old pause.
    expect(paused.retain([tp(0), tp(1)])).toEqual([tp(1)]);
  });
});
