import { describe, expect, test } from "bun:test";
import { NodeAvailability } from "./node-availability.ts";

describe("NodeAvailability (partitioner.availability.timeout.ms)", () => {
  test("a broker that had batches but took none for longer than the timeout is unavailable until it takes one", () => {
    const nodes = new NodeAvailability(1000);
    nodes.noted(1, 0, false); // first seen: counts as drained then
    nodes.noted(1, 1000, false);
    expect(nodes.unavailable(1)).toBe(false);
    nodes.noted(1, 1001, false);
    expect(nodes.unavailable(1)).toBe(true);
    expect(nodes.unavailable(2)).toBe(false);
    nodes.noted(1, 1500, true);
    expect(nodes.unavailable(1)).toBe(false);
  });

  test("a time before one noted moves neither back (a pump turn that awaited metadata sends at its start's time after batches went meanwhile)", () => {
    const nodes = new NodeAvailability(1000);
    nodes.noted(1, 0, false);
    nodes.noted(1, 1500, true); // sent while the turn that started at 100 awaited metadata
    nodes.noted(1, 100, true); // that turn's last pass
    nodes.noted(1, 2400, false);
    expect(nodes.unavailable(1)).toBe(false);
    nodes.noted(1, 2501, false);
    expect(nodes.unavailable(1)).toBe(true);
  });

  test("0 (the default) never leaves a broker out", () => {
    const nodes = new NodeAvailability(0);
    nodes.noted(1, 0, true);
    nodes.noted(1, 1_000_000, false);
    expect(nodes.unavailable(1)).toBe(false);
  });
});
