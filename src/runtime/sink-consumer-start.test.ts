import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { RetriableError } from "../errors.ts";
import type { ConsumerHandlers, KafkaConsumer } from "../kafka/kafka-port.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { startSinkConsumer } from "./sink-consumer-start.ts";

describe("startSinkConsumer", () => {
  test("a group that cannot be joined for long: the first warning carries the trace, each retry after it one line", async () => {
    let failures = 4;
    let starts = 0;
    const consumer = {
      async start() {
        starts++;
        if (failures-- > 0) throw new RetriableError("Cannot connect to any broker.");
      },
      async close() {},
    } as unknown as KafkaConsumer;
    const lines: string[] = [];
    const clock = new ManualClock();
    const started = startSinkConsumer(consumer, {} as ConsumerHandlers, {
      clock,
      log: new LogManager({ sink: (line) => void lines.push(line) }).get("test"),
      stopSignal: new AbortController().signal,
      stopping: () => false,
    });
    for (let i = 1; i <= 4; i++) {
      await waitFor(() => starts === i && clock.pending === 1, { what: `backoff ${i}` });
      clock.advanceToNext();
    }
    expect(await started).toBe(true);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain("\n    at ");
    for (const line of lines.slice(1)) {
      expect(line).toMatch(/Could not start consuming yet, retrying in \d+ ms: Cannot connect to any broker\./);
      expect(line).not.toContain("\n");
    }
  });
});
