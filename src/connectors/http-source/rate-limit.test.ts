import { describe, expect, test } from "bun:test";
import type { ConnectorContext } from "../../api/connector.ts";
import { LogManager } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { HttpSourceConnector } from "./connector.ts";
import { connectorThrottle, RateLimitGate, RateLimitWaitLog, RequestThrottle } from "./rate-limit.ts";

const START = 1_700_000_000_000;
const HOUR = 3_600_000;
const steps = [
  ["back", -HOUR],
  ["forward", HOUR],
] as const;

describe("connectorThrottle", () => {
  test("the tasks of one connector share one throttle; a changed limit replaces it", () => {
    const first = connectorThrottle("shared-throttle", 2, 1000);
    expect(connectorThrottle("shared-throttle", 2, 1000)).toBe(first!);
    expect(connectorThrottle("shared-throttle", 3, 1000)).not.toBe(first!);
    expect(connectorThrottle("shared-throttle", 0, 1000)).toBeUndefined();
  });

  const throttledSource = () => {
    const connector = new HttpSourceConnector();
    connector.initialize({ connectorName: "throttled-source" } as ConnectorContext);
    connector.start({
      name: "throttled-source",
      "connector.class": "HttpSourceConnector",
      "http.url": "http://127.0.0.1:9/items",
      "kafka.topic": "events",
      "http.throttle.max.requests": "1",
    });
    return connector;
  };

  // Review finding P3.15: the registry kept a deleted connector's throttle, and a namesake inherited its window.
  test("stopping the connector forgets its throttle once its window holds no request: one created again starts afresh", async () => {
    const clock = new ManualClock(START);
    const old = connectorThrottle("throttled-source", 1, 1000)!;
    expect(await old.acquire(clock, new AbortController().signal)).not.toBeUndefined();
    throttledSource().stop();
    clock.advance(1000);
    const fresh = connectorThrottle("throttled-source", 1, 1000);
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(old);
    connectorThrottle("throttled-source", 0, 1000);
  });

  // auditreconf: a config change or a restart (each stops the connector) let the new tasks send another window's
  // requests at once: http.throttle.max.requests=2 per 20 s let 6 through in 5 s with two reconfigurations.
  test("a connector stopped and started again within the window keeps its throttle and the window's requests", async () => {
    const clock = new ManualClock(START);
    const signal = new AbortController().signal;
    const old = connectorThrottle("throttled-source", 1, 1000)!;
    expect(await old.acquire(clock, signal)).not.toBeUndefined();
    throttledSource().stop();
    clock.advance(400);
    const again = connectorThrottle("throttled-source", 1, 1000)!;
    expect(again).toBe(old);
    const next = again.acquire(clock, signal);
    expect(clock.sleeps).toEqual([600]);
    clock.advance(600);
    expect(await next).not.toBeUndefined();
    connectorThrottle("throttled-source", 0, 1000);
  });

  // auditreconf-b P3-3: a changed http.throttle.* got a fresh throttle, letting the next request through at once.
  test("a changed limit counts the requests the old throttle started within the new window", async () => {
    const clock = new ManualClock(START);
    const signal = new AbortController().signal;
    const old = connectorThrottle("changed-throttle", 2, 20_000)!;
    expect(await old.acquire(clock, signal)).not.toBeUndefined();
    clock.advance(1000);
    expect(await old.acquire(clock, signal)).not.toBeUndefined();
    clock.advance(1000);
    const lowered = connectorThrottle("changed-throttle", 1, 20_000)!;
    expect(lowered).not.toBe(old);
    const waiting = new AbortController();
    const held = lowered.acquire(clock, waiting.signal);
    // Both requests are in the window: the next waits for them to leave it, the first in 18 s.
    expect(clock.sleeps).toEqual([18_000]);
    waiting.abort();
    expect(await held).toBeUndefined();
    // A shorter window counts only the requests within it: the one 1 s ago leaves a 1.5 s window in 0.5 s.
    const shorter = connectorThrottle("changed-throttle", 1, 1500)!;
    const next = shorter.acquire(clock, signal);
    expect(clock.sleeps).toEqual([18_000, 500]);
    clock.advance(500);
    expect(await next).not.toBeUndefined();
    connectorThrottle("changed-throttle", 0, 1000);
  });
});

describe("RequestThrottle", () => {
  test.each(steps)("its window runs on the monotonic clock when the wall clock steps %s an hour", async (_, step) => {
    const clock = new ManualClock(START);
    const throttle = new RequestThrottle(2, 1000);
    const signal = new AbortController().signal;
    expect(await throttle.acquire(clock, signal)).not.toBeUndefined();
    clock.advance(400);
    expect(await throttle.acquire(clock, signal)).not.toBeUndefined();
    clock.stepWallClock(step);
    const third = throttle.acquire(clock, signal);
    expect(clock.sleeps).toEqual([600]);
    clock.advance(600);
    expect(await third).not.toBeUndefined();
  });
});

describe("RateLimitGate", () => {
  const resets = [
    ["delta seconds", "30"],
    ["epoch seconds", String(START / 1000 + 30)],
  ] as const;
  test.each(resets.flatMap(([kind, reset]) => steps.map(([dir, step]) => [kind, dir, reset, step] as const)))(
    "a reset in %s is waited for on the monotonic clock when the wall clock then steps %s an hour",
    async (_kind, _dir, reset, step) => {
      const clock = new ManualClock(START);
      const gate = new RateLimitGate("X-RateLimit-Remaining", "X-RateLimit-Reset", 5000);
      gate.observe(new Headers({ "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset }), clock);
      clock.stepWallClock(step);
      clock.advance(10_000);
      const waited = gate.wait(clock, new AbortController().signal);
      expect(clock.sleeps).toEqual([20_000]);
      clock.advance(20_000);
      await waited;
    },
  );

  // Review finding: a reset instant read against a host clock years behind became a wait of years.
  test.each([
    ["epoch seconds", String(START / 1000 + 3 * 365 * 86_400)],
    ["an HTTP date", new Date(START + 3 * 365 * 86_400_000).toUTCString()],
    ["delta seconds", String(2 * 86_400)],
  ])("a reset over a day away (%s) waits the fallback instead", async (_kind, reset) => {
    const clock = new ManualClock(START);
    const gate = new RateLimitGate("X-RateLimit-Remaining", "X-RateLimit-Reset", 5000);
    gate.observe(new Headers({ "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset }), clock);
    const waited = gate.wait(clock, new AbortController().signal);
    expect(clock.sleeps).toEqual([5000]);
    clock.advance(5000);
    await waited;
  });

  test("a reset just under a day away is waited for", async () => {
    const clock = new ManualClock(START);
    const gate = new RateLimitGate("X-RateLimit-Remaining", "X-RateLimit-Reset", 5000);
    gate.observe(new Headers({ "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(86_399) }), clock);
    const waited = gate.wait(clock, new AbortController().signal);
    expect(clock.sleeps).toEqual([86_399_000]);
    clock.advance(86_399_000);
    await waited;
  });
});

describe("RateLimitGate and a remaining-requests header that is not one number", () => {
  test.each([
    ["unlimited", []],
    ["1.5k", []],
    // The same header twice (a proxy adds its own): Headers joins them with ", ".
    ["5, 5", []],
    ["0, 0", [5000]],
    [" 0 ", [5000]],
  ] as const)("%j: only a number of 0 or less makes the next request wait", async (remaining, sleeps) => {
    const clock = new ManualClock(START);
    const gate = new RateLimitGate("X-RateLimit-Remaining", "X-RateLimit-Reset", 5000);
    gate.observe(new Headers({ "X-RateLimit-Remaining": remaining }), clock);
    const waited = gate.wait(clock, new AbortController().signal);
    expect(clock.sleeps).toEqual([...sleeps]);
    clock.advance(5000);
    await waited;
  });
});

describe("RateLimitGate with a header key that is no header name (a config stored before validation refused it)", () => {
  test("reads no header: the response is not failed by fetch's Headers, and requests do not wait", async () => {
    const clock = new ManualClock(START);
    const gate = new RateLimitGate("X RateLimit Remaining", "Reset:", 5000);
    const headers = new Headers({ "X-RateLimit-Remaining": "0" });
    expect(gate.header).toBeNull();
    expect(gate.spent(headers)).toBe(false);
    expect(gate.observe(headers, clock)).toBeUndefined();
    await gate.wait(clock, new AbortController().signal);
    expect(clock.sleeps).toEqual([]);
  });
});

describe("RateLimitWaitLog", () => {
  /** A log of waits over a manual clock; `lines` are the levels and messages logged. */
  function waitLog() {
    const lines: string[] = [];
    const logs = new LogManager({
      sink: (line) => void lines.push(line.replace(/^\[[^\]]*\] (\w+) (.*) \(rl\)$/, "$1 $2")),
    });
    logs.setLevel("rl", "DEBUG");
    const clock = new ManualClock(START);
    return { lines, clock, log: new RateLimitWaitLog(logs.get("rl")) };
  }

  test("waits of about the same length: one WARN a minute, the others at DEBUG", () => {
    const { lines, clock, log } = waitLog();
    for (let i = 0; i < 61; i++) {
      log.waiting(`wait ${i}`, 1000, clock);
      clock.advance(1000);
    }
    expect(lines.filter((l) => l.startsWith("WARN"))).toEqual([
      "WARN wait 0",
      "WARN wait 60 (59 more waits since the last warning, logged at DEBUG)",
    ]);
  });

  test("a wait that ends over a minute after the one the last WARN announced is a WARN at once (explore28: a 10 s wait warned, then 24 h went to DEBUG)", () => {
    const { lines, clock, log } = waitLog();
    log.waiting("wait 10 s", 10_000, clock);
    clock.advance(20_000);
    log.waiting("wait 45 s", 45_000, clock); // ends 55 s after the warned one's end: within the minute
    log.waiting("wait 24 h", 24 * HOUR, clock);
    clock.advance(1000);
    log.waiting("wait 23 h", 23 * HOUR, clock); // ends before the 24 h one warned
    expect(lines).toEqual([
      "WARN wait 10 s",
      "DEBUG wait 45 s",
      "WARN wait 24 h (1 more wait since the last warning, logged at DEBUG)",
      "DEBUG wait 23 h",
    ]);
  });
});
