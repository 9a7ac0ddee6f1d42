import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../util/manual-clock.ts";
import type { UnansweredRequest } from "../unanswered-request.ts";
import { UnansweredFetches } from "./unanswered-fetches.ts";

const brokerOf = (node: number) => ({ host: `broker${node}`, port: 9092 });

/**
 * Fetches watched on a clock the test moves (hung after 5 500 ms), with the silences they report; `sent` begins a
 * fetch and writes its Fetch to a broker at once.
 */
function watched() {
  const clock = new ManualClock();
  const hung: UnansweredRequest[] = [];
  const fetches = new UnansweredFetches({
    clock,
    hungAfterMs: 5_500,
    requestTimeoutMs: 30_000,
    broker: brokerOf,
    onHung: (_, request) => void hung.push(request),
  });
  /** Moves the clock to `ms` and lets the woken sleep's check run. */
  const at = async (ms: number) => {
    clock.set(ms);
    await Promise.resolve();
  };
  const sent = (node: number) => {
    const fetch = fetches.began([]);
    fetches.written(fetch, node);
    return fetch;
  };
  return { clock, hung, fetches, at, sent };
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
    const { hung, fetches, at, sent } = watched();
    fetches.settled(sent(1));
    await at(400);
    sent(1);
    await at(5_500);
    expect(hung).toEqual([]);
    await at(5_900);
    expect(hung).toEqual([silence(1, 5_500)]);
    await at(60_000);
    expect(hung).toEqual([silence(1, 5_500)]);
  });

  test("each broker's fetch is reported when it comes of age", async () => {
    const { hung, at, sent } = watched();
    sent(1);
    await at(1_000);
    sent(2);
    await at(5_500);
    expect(hung).toEqual([silence(1, 5_500)]);
    await at(6_500);
    expect(hung).toEqual([silence(1, 5_500), silence(2, 5_500)]);
  });

  // A gateway SIGSTOPped while its fetch was answered: the answer waits in the socket until it runs again.
  test("a sleep ended late (the gateway itself paused) looks again a timer turn later: a fetch answered meanwhile is not reported", async () => {
    const { hung, fetches, at, sent } = watched();
    const answered = sent(1);
    await at(30_000);
    fetches.settled(answered);
    await at(30_001);
    expect(hung).toEqual([]);
    sent(2);
    await at(90_000);
    await at(90_001);
    expect(hung).toEqual([silence(2, 60_000)]);
  });

  // review f3hang-b P2: the library's fetch looks up metadata and sets up its connection first, which may wait on
  // another broker (a frozen one asked for metadata): that wait was reported as the fetch's broker not answering.
  test("a fetch is timed from when its Fetch is written to its broker, not while it waits for metadata or a connection", async () => {
    const { hung, fetches, at } = watched();
    const fetch = fetches.began([]);
    await at(40_000);
    expect(hung).toEqual([]);
    fetches.written(fetch, 1);
    await at(45_400);
    expect(hung).toEqual([]);
    await at(45_500);
    expect(hung).toEqual([silence(1, 5_500)]);
  });

  // review f3hang-c P2: a try answered with an error kept its write time while the library's retry waited for fresh
  // metadata from another, frozen broker, and the broker that had answered was reported silent.
  test("a try answered (with an error) is off the wire: the retry's wait for metadata is not timed, its Fetch is", async () => {
    const { hung, fetches, at } = watched();
    const fetch = fetches.began([]);
    fetches.written(fetch, 1);
    await at(100);
    fetches.ended(fetch);
    await at(5_500);
    await at(60_000);
    expect(hung).toEqual([]);
    fetches.written(fetch, 1);
    await at(65_500);
    expect(hung).toEqual([silence(1, 5_500)]);
  });

  // review f3hang-c P2: a retry sent to a partition's new leader restarted the timer of that broker's own fetch.
  test("each try is timed on the broker it was written to: a retry sent to another broker does not restart that broker's own fetch", async () => {
    const { hung, fetches, at, sent } = watched();
    sent(2);
    const moved = fetches.began([]);
    fetches.written(moved, 1);
    await at(1_000);
    fetches.ended(moved);
    fetches.written(moved, 2);
    await at(5_500);
    expect(hung).toEqual([silence(2, 5_500)]);
    await at(6_500);
    expect(hung).toEqual([silence(2, 5_500), silence(2, 5_500)]);
  });

  test("a fetch whose silence was reported keeps it through its later tries; the next fetch is timed anew", async () => {
    const { hung, fetches, at } = watched();
    const first = fetches.began([]);
    fetches.written(first, 1);
    await at(5_500);
    expect(hung).toEqual([silence(1, 5_500)]);
    fetches.ended(first);
    fetches.written(first, 1);
    await at(60_000);
    expect(hung).toEqual([silence(1, 5_500)]);
    fetches.settled(first);
    const next = fetches.began([]);
    fetches.written(next, 1);
    await at(65_500);
    expect(hung).toEqual([silence(1, 5_500), silence(1, 5_500)]);
  });

  test("fetches sent and answered without end keep one sleep pending, and none once stopped", async () => {
    const { clock, hung, fetches, at, sent } = watched();
    for (let ms = 0; ms < 20_000; ms += 100) {
      await at(ms);
      fetches.settled(sent(1));
    }
    expect(clock.pending).toBe(1);
    sent(1);
    fetches.stop();
    expect(clock.pending).toBe(0);
    await at(60_000);
    expect(hung).toEqual([]);
  });
});
