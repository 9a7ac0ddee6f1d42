import { describe, expect, test } from "bun:test";
import { waitFor } from "../test/support/wait-for.ts";
import { gracefulShutdown, stopTimeoutMs } from "./graceful-shutdown.ts";

function harness(waitingFor?: () => string | undefined) {
  const lines: string[] = [];
  const exits: number[] = [];
  let finish!: (ok: boolean) => void;
  let stops = 0;
  let timer: (() => void) | undefined;
  const onSignal = gracefulShutdown({
    stop: () => {
      stops++;
      return new Promise<void>((resolve, reject) => {
        finish = (ok) => (ok ? resolve() : reject(new Error("boom")));
      });
    },
    exit: (code) => exits.push(code),
    log: { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) },
    timeoutMs: 60_000,
    ...(waitingFor ? { waitingFor } : {}),
    setTimer: (run) => {
      timer = run;
    },
  });
  return { onSignal, lines, exits, finish: (ok = true) => finish(ok), stops: () => stops, fireTimer: () => timer?.() };
}

describe("gracefulShutdown (issue 8 point 3)", () => {
  test("a second signal does not cut the graceful stop short", async () => {
    const h = harness();
    h.onSignal("SIGINT");
    h.onSignal("SIGTERM");
    expect(h.stops()).toBe(1);
    expect(h.exits).toEqual([]);
    expect(h.lines).toContain(
      "Received SIGTERM while stopping; still stopping gracefully (a third signal forces exit)",
    );
    h.finish();
    await waitFor(() => h.exits.length > 0, { what: "the exit" });
    expect(h.exits).toEqual([0]);
    expect(h.lines.at(-1)).toBe("Gateway stopped");
  });

  test("a third signal forces the exit and says so", () => {
    const h = harness();
    for (const s of ["SIGINT", "SIGTERM", "SIGINT"]) h.onSignal(s);
    expect(h.exits).toEqual([130]);
    expect(h.lines.at(-1)).toBe("Received SIGINT a third time: forcing exit before the graceful stop finished");
  });

  test("a stop that takes too long is forced after the timeout", () => {
    const h = harness();
    h.onSignal("SIGTERM");
    h.fireTimer();
    expect(h.exits).toEqual([1]);
    expect(h.lines.at(-1)).toBe("The graceful stop did not finish within 60 s: forcing exit");
  });

  test("a forced exit names what the stop was still waiting for", () => {
    const h = harness(() => "the REST listeners");
    h.onSignal("SIGTERM");
    h.fireTimer();
    expect(h.exits).toEqual([1]);
    expect(h.lines.at(-1)).toBe(
      "The graceful stop did not finish within 60 s (gave up waiting for the REST listeners): forcing exit",
    );
  });

  // connect-standalone exits 2 or 3 whatever its stop did. Regression (opsp3): a stop cut short exited 1.
  test.each([2, 3])("a stop the gateway started with exit code %i keeps it when forced or failed", async (code) => {
    const forced = harness();
    forced.onSignal("Connector file x.json failed", code);
    expect(forced.lines).toEqual(["Connector file x.json failed: stopping the gateway"]);
    forced.fireTimer();
    expect(forced.exits).toEqual([code]);
    const failed = harness();
    failed.onSignal("Kafka refused the worker's credentials", code);
    failed.finish(false);
    await waitFor(() => failed.exits.length > 0, { what: "the exit" });
    expect(failed.exits).toEqual([code]);
  });

  // Regression (review of opsp3): a connector file failing while a signal's stop ran counted as the
  // second signal ("Received Connector file … failed while stopping"), so the operator's next Ctrl-C
  // forced the exit (130) before the tasks had committed.
  test("the gateway's own reason to stop, while a stop runs, is no signal and keeps the exit code", async () => {
    const h = harness();
    h.onSignal("SIGTERM");
    h.onSignal("Connector file x.json failed", 3);
    h.onSignal("SIGINT");
    expect(h.stops()).toBe(1);
    expect(h.exits).toEqual([]);
    expect(h.lines).toEqual([
      "Received SIGTERM, stopping the gateway",
      "Connector file x.json failed while stopping; the stop goes on",
      "Received SIGINT while stopping; still stopping gracefully (a third signal forces exit)",
    ]);
    h.finish();
    await waitFor(() => h.exits.length > 0, { what: "the exit" });
    expect(h.exits).toEqual([0]);
  });

  test("a failed stop exits 1", async () => {
    const h = harness();
    h.onSignal("SIGTERM");
    h.finish(false);
    await waitFor(() => h.exits.length > 0, { what: "the exit" });
    expect(h.exits).toEqual([1]);
  });
});

describe("stopTimeoutMs", () => {
  test("60 s with the default task.shutdown.graceful.timeout.ms (5 s)", () => {
    expect(stopTimeoutMs(5000)).toBe(60_000);
  });
  test("a longer task.shutdown.graceful.timeout.ms is never cut short: both waits and a margin", () => {
    expect(stopTimeoutMs(45_000)).toBe(120_000);
    expect(stopTimeoutMs(45_000)).toBeGreaterThan(2 * 45_000);
  });
});

describe("stopTimeoutMs past setTimeout's range", () => {
  test("a task.shutdown.graceful.timeout.ms near Long.MAX_VALUE is the longest delay setTimeout honours, not 1 ms", () => {
    expect(stopTimeoutMs(Number.MAX_SAFE_INTEGER)).toBe(2 ** 31 - 1);
    expect(stopTimeoutMs(1_100_000_000)).toBe(2 ** 31 - 1);
  });
});
