import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { RetriableError } from "../errors.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { BeforeSendHolds } from "./before-send-holds.ts";

describe("BeforeSendHolds", () => {
  test("a hold that ends leaves a later hold's report: A reported, then B, then A ends (review flake2-b P3-4)", async () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const holds = new BeforeSendHolds(clock, new LogManager({ sink: (line) => lines.push(line) }).get("test"));
    const a = holds.hold(1);
    a.waitingFor("connecting");
    clock.advance(5_000);
    await waitFor(() => holds.failure !== undefined, { what: "A reported" });
    const b = holds.hold(2);
    b.waitingFor("topics");
    clock.advance(5_000);
    const bHeld =
      "Kafka has not acknowledged a send of 2 records within 5 s: its topics are still being checked or created";
    await waitFor(() => holds.failure?.message === bHeld, { what: "B reported" });
    a.end();
    expect(holds.failure).toEqual(new RetriableError(bHeld));
    b.end();
    expect(holds.failure).toBeUndefined();
    expect(lines.map((l) => l.replace(/^\[[^\]]*\] /, ""))).toEqual([
      "WARN Kafka has not acknowledged a send of 1 records within 5 s: the producer is still connecting; the send waits for its connection (test)",
      `WARN ${bHeld}; the send waits for them (test)`,
    ]);
  });
});
