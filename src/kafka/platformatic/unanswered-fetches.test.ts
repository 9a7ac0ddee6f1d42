import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../util/manual-clock.ts";
import type { UnansweredRequest } from "../unanswered-request.ts";
import { UnansweredFetches } from "./unanswered-fetches.ts";

/** Fetches watched on a clock the test moves (hung after 5 500 ms), with the silences they report. */
function watched() {
  const clock = new ManualClock();
  const hung: UnansweredRequest[] = [];
  const fetches = new UnansweredFetches({
    clock,
    hungAfterMs: 5_500,
    requestTimeoutMs: 30_000,
    address: (node) => `broker${node}:9092`,
    onHung: (_, request) => void hung.push(request),
  });
  /** Moves the clock to `ms` and lets the woken sleep's check run. */
  const at = async (ms: number) => {
    clock.set(ms);
    await Promise.resolve();
  };
  return { clock, hung, fetches, at };
}

const silence = (node: number, waitedMs: number): UnansweredRequest => ({
  node,
  address: `broker${node}:9092`,
  waitedMs,
  requestTimeoutMs: 30_000,
});

// explore32 F3: a broker that holds fetches without answering (SIGSTOPped) failed none of them until request.timeout.ms.
describe("UnansweredFetches", () => {
  test("a fetch unanswered for hungAfterMs is reported once, with its broker and wait; one answered before is not", async () => {
    const { hung, fetches, at } = watched();
    fetches.settled(fetches.sent(1, []));
    await at(400);
    fetches.sent(1, []);
    await at(5_500);
    expect(hung).toEqual([]);
    await at(5_900);
    expect(hung).toEqual([silence(1, 5_500)]);
    await at(60_000);
    expect(hung).toEqual([silence(1, 5_500)]);
  });

  test("each broker's fetch is reported when it comes of age", async () => {
    const { hung, fetches, at } = watched();
    fetches.sent(1, []);
    await at(1_000);
    fetches.sent(2, []);
    await at(5_500);
    expect(hung).toEqual([silence(1, 5_500)]);
    await at(6_500);
    expect(hung).toEqual([silence(1, 5_500), silence(2, 5_500)]);
  });

  // A gateway paused (a suspended VM) while its fetch was answered: the answer waits in the socket until it resumes.
  test("a sleep ended late (the gateway itself paused) looks again a timer turn later: a fetch answered meanwhile is not reported", async () => {
    const { hung, fetches, at } = watched();
    const answered = fetches.sent(1, []);
    await at(30_000);
    fetches.settled(answered);
    await at(30_001);
    expect(hung).toEqual([]);
    fetches.sent(2, []);
    await at(90_000);
    await at(90_001);
    expect(hung).toEqual([silence(2, 60_000)]);
  });

  test("fetches sent and answered without end keep one sleep pending, and none once stopped", async () => {
    const { clock, hung, fetches, at } = watched();
    for (let ms = 0; ms < 20_000; ms += 100) {
      await at(ms);
      fetches.settled(fetches.sent(1, []));
    }
    expect(clock.pending).toBe(1);
    fetches.sent(1, []);
    fetches.stop();
    expect(clock.pending).toBe(0);
    await at(60_000);
    expect(hung).toEqual([]);
  });
});
