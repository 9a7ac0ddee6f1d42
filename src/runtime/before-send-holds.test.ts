import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { RetriableError } from "../errors.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { BeforeSendHolds } from "./before-send-holds.ts";
import { sendRetryTrace } from "./send-retry-trace.ts";

describe("BeforeSendHolds", () => {
  test("a hold that ends leaves a later hold's report: A reported, then B, then A ends (review flake2-b P3-4)", async () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const holds = new BeforeSendHolds(clock, new LogManager({ sink: (line) => lines.push(line) }).get("test"));
    const a = holds.hold(1);
    a.waitingFor("connecting");
    clock.advance(5_000);
    await waitFor(() => holds.retry !== undefined, { what: "A reported" });
    const b = holds.hold(2);
    b.waitingFor("topics");
    clock.advance(5_000);
    const bHeld =
      "Kafka has not acknowledged a send of 2 records within 5 s: its topics are still being checked or created";
    await waitFor(() => String(holds.retry?.failure).endsWith(bHeld), { what: "B reported" });
    a.end();
    expect(holds.retry).toEqual({
      failure: new RetriableError(bHeld),
      byProducer: true,
      waits: "the send waits until they are ready",
    });
    b.end();
    expect(holds.retry).toBeUndefined();
    expect(lines.map((l) => l.replace(/^\[[^\]]*\] /, ""))).toEqual([
      "WARN Kafka has not acknowledged a send of 1 records within 5 s: the producer is still connecting; the send waits for its connection (test)",
      `WARN ${bHeld}; the send waits for them (test)`,
    ]);
  });

  // review flake2-c P3-a: a held send's trace said "the producer retries it until delivery.timeout.ms", though nothing
  // of it had reached the producer (the recovery retries its connection or its topics without such a limit).
  test.each([
    ["connecting", "the producer is still connecting", "the send waits until its producer connects."],
    ["topics", "its topics are still being checked or created", "the send waits until they are ready."],
  ] as const)("a send held by %s: its trace ends with how it waits", async (wait, held, ending) => {
    const clock = new ManualClock();
    const holds = new BeforeSendHolds(clock, new LogManager({ sink: () => {} }).get("test"));
    holds.hold(3).waitingFor(wait);
    clock.advance(5_000);
    await waitFor(() => holds.retry !== undefined, { what: "the send reported" });
    expect(sendRetryTrace(holds.retry)).toBe(
      `Degraded: Kafka does not take the task's records (the last attempt failed: Kafka has not acknowledged a send of 3 records within 5 s: ${held}); ${ending}`,
    );
  });
});
