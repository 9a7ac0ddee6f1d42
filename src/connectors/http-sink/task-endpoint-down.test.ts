// The endpoint at fault, not the records (sinkfaults): an endpoint that stays unavailable fails the
// task whatever errors.tolerance says, nothing reported nor committed; a stop or a revocation during
// the outage is no failure (review34: the records stay uncommitted, for a restart or the next owner).
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { deferred } from "../../util/async.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import type { RecordBuffer } from "./record-buffer.ts";
import { tpKey } from "./record-encoder.ts";
import { endpoint, harness, record } from "./test-support.ts";

const fast = {
  "sink.retry.backoff.initial.ms": "1",
  "sink.retry.backoff.max.ms": "5",
  "sink.flush-buffer.timeout": "0",
};
const p0 = { topic: "orders", partition: 0 };

describe("HttpSinkTask when the endpoint is unavailable", () => {
  test.each([
    ["all", false],
    ["all", true],
    ["none", false],
  ] as const)(
    "after sink.retry.max-attempts (the endpoint stays at 500) the task fails, tolerance %p, no reporter %p: nothing reported, nothing committed",
    async (tolerance, noReporter) => {
      await using server = endpoint();
      server.answer(() => new Response("database down", { status: 500 }));
      await using h = harness(
        {
          url: server.url(),
          ...fast,
          "sink.retry.max-attempts": "3",
          "sink.batch.max-size": "2",
          "errors.tolerance": tolerance,
        },
        { tolerance, noReporter },
      );
      await h.task.put([record(0, 0, 1), record(0, 1, 2)]);
      await waitFor(() => h.raised.length === 1);
      await h.task.idle();
      // A 5xx is not the records' fault: the batch is not split, and its records go to no DLQ.
      expect(server.received).toHaveLength(3);
      expect(h.errant).toEqual([]);
      expect(h.raised[0]!.message).toBe(`HTTP 500 from POST ${server.url()} after 3 attempt(s): database down`);
      expect(() => h.task.preCommit([{ topic: "orders", partition: 0, offset: 2 }])).toThrow("HTTP 500");
      expect(h.lines.some((l) => l.includes("could not be delivered"))).toBe(false);
    },
  );

  test("the endpoint going down while a refused batch is re-sent record by record fails the task: nothing reported", async () => {
    await using server = endpoint();
    // The batch of 3 is refused; then every single record gets 503 (a restarting endpoint).
    server.answer((r) => new Response("", { status: r.body.startsWith("[1,") ? 400 : 503 }));
    await using h = harness({
      url: server.url(),
      ...fast,
      "sink.retry.max-attempts": "2",
      "errors.tolerance": "all",
    });
    await h.task.put([record(0, 0, 1), record(0, 1, 2), record(0, 2, 3)]);
    await waitFor(() => h.raised.length === 1);
    await h.task.idle();
    expect(server.received).toHaveLength(3);
    expect(h.errant).toEqual([]);
    expect(h.raised[0]!.message).toBe(`HTTP 503 from POST ${server.url()} after 2 attempt(s)`);
    expect(() => h.task.preCommit([{ topic: "orders", partition: 0, offset: 3 }])).toThrow("HTTP 503");
  });

  test("records reported while a refused batch was re-sent one by one are reported again after the restart (the DLQ is at-least-once)", async () => {
    await using server = endpoint();
    let down = true;
    // The batch is refused; record 1 alone too; record 2 alone finds the endpoint down (503).
    server.answer((r) => new Response("", { status: r.body === "[2]" && down ? 503 : r.body === "[2]" ? 200 : 400 }));
    const config = { url: server.url(), ...fast, "sink.retry.max-attempts": "1", "errors.tolerance": "all" };
    const records = [record(0, 0, 1), record(0, 1, 2)];
    {
      await using h = harness(config);
      await h.task.put(records);
      await waitFor(() => h.raised.length === 1);
      await h.task.idle();
      expect(h.errant.map((e) => e.record.kafkaOffset)).toEqual([0]);
    }
    down = false;
    await using restarted = harness(config); // nothing was committed: the same records again
    await restarted.task.put(records);
    await waitFor(() => server.received.filter((r) => r.body === "[2]").length === 2);
    await restarted.task.idle();
    expect(restarted.errant.map((e) => e.record.kafkaOffset)).toEqual([0]);
    expect(restarted.task.preCommit([{ ...p0, offset: 2 }])).toEqual([{ ...p0, offset: 2 }]);
  });

  test("an unreachable endpoint fails the task after the attempts (errors.tolerance=all), naming the URL without credentials", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = closed.port;
    await closed.stop(true);
    await using h = harness({
      url: `http://user:secret@127.0.0.1:${port}/in`,
      ...fast,
      "sink.retry.max-attempts": "2",
      "errors.tolerance": "all",
    });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => h.raised.length === 1);
    await h.task.idle();
    expect(h.errant).toEqual([]);
    expect(() => h.task.preCommit([{ topic: "orders", partition: 0, offset: 1 }])).toThrow("failed after 2 attempt(s)");
    const message = h.raised[0]!.message;
    expect(message).toStartWith(`POST http://***@127.0.0.1:${port}/in failed after 2 attempt(s):`);
    expect(message).not.toContain("secret");
  });

  test.each([
    ["the endpoint stays at 500", 500, "all"],
    ["reporting a refused record fails (errors.tolerance=none)", 400, "none"],
  ] as const)(
    "a request that failed the task (%s) leaves its records pending: nothing can commit past them",
    async (_, status, tolerance) => {
      await using server = endpoint();
      server.answer(() => new Response("no", { status }));
      await using h = harness(
        { url: server.url(), ...fast, "sink.retry.max-attempts": "2", "errors.tolerance": tolerance },
        { tolerance },
      );
      await h.task.put([record(0, 0, 1), record(0, 1, 2)]);
      await waitFor(() => h.raised.length === 1);
      await h.task.idle();
      // preCommit throws after a failure; the buffer itself must not count the records done either.
      const buffer = (h.task as unknown as { buffer: RecordBuffer }).buffer;
      expect(buffer.firstPending(tpKey("orders", 0))).toBe(0);
      expect(buffer.size).toBe(2);
    },
  );

  test.each(["stop", "cancel", "revocation"] as const)(
    "a %s during the retries is no failure: nothing raised nor reported, the records stay uncommitted",
    async (how) => {
      await using server = endpoint();
      server.answer(() => new Response("busy", { status: 503 }));
      await using h = harness({
        url: server.url(),
        ...fast,
        "sink.retry.max-attempts": "-1",
        "errors.tolerance": "all",
      });
      await h.task.put([record(0, 0, 1), record(0, 1, 2)]);
      await waitFor(() => server.received.length >= 3);
      // Connect's order: the closing commit (preCommit), then close (revocation) or stop.
      expect(h.task.preCommit([{ ...p0, offset: 2 }])).toEqual([{ ...p0, offset: 0 }]);
      if (how === "stop") await h.task.stop();
      else if (how === "cancel") h.task.cancel();
      else await h.task.close([p0]);
      await h.task.idle();
      // The request the stop ended does not count as delivered: a later preCommit does not pass it either.
      expect(h.task.preCommit([{ ...p0, offset: 2 }])).toEqual([{ ...p0, offset: 0 }]);
      expect(h.raised).toEqual([]);
      expect(h.errant).toEqual([]);
      expect(h.lines.some((l) => l.includes("failed; it sends nothing more"))).toBe(false);
    },
  );

  // review-sinkstop2 P3-5: the stop or cancel can also come while a refused batch is re-sent record by
  // record, after some of its records were delivered: only those stop holding the partition back.
  test.each(["stop", "cancel"] as const)(
    "a %s while a refused batch is re-sent record by record: preCommit after it answers the first record not delivered",
    async (how) => {
      await using server = endpoint();
      const hang = deferred<void>();
      server.answer(async (r, n) => {
        if (n === 1) return new Response("bad batch", { status: 400 });
        if (r.body === "[2]") await hang.promise;
        return new Response("ok");
      });
      await using h = harness({ url: server.url(), ...fast, "errors.tolerance": "all" });
      await h.task.put([record(0, 0, 1), record(0, 1, 2), record(0, 2, 3)]);
      // The batch refused, then [1] delivered; [2] is on the wire. Until the request ends, it holds
      // the partition at its first record.
      await waitFor(() => server.received.length === 3);
      expect(h.task.preCommit([{ ...p0, offset: 3 }])).toEqual([{ ...p0, offset: 0 }]);
      if (how === "stop") await h.task.stop();
      else h.task.cancel();
      await h.task.idle();
      expect(h.task.preCommit([{ ...p0, offset: 3 }])).toEqual([{ ...p0, offset: 1 }]);
      expect(server.values()).toEqual([1, 2, 3, 1, 2]);
      expect(h.errant).toEqual([]);
      hang.resolve();
    },
  );

  // explore8 L2: with -1 and a short backoff an outage logged a WARN per retry (~11,700 lines/s at 0 ms).
  test("retries of an endpoint that stays down log one WARN a minute per failure, as the HTTP source's", async () => {
    await using server = endpoint();
    server.answer(() => new Response("down", { status: 503 }));
    await using h = harness({ url: server.url(), ...fast, "sink.retry.max-attempts": "-1" });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => server.received.length >= 20);
    const warned = h.lines.filter((l) => l.includes(`POST ${server.url()} failed (attempt`));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain("failed (attempt 1): HTTP 503; retrying in");
  });

  // explore8 L6: a sink retrying an outage read RUNNING without a trace, as if healthy.
  test("while attempts are retried the task has a Degraded trace, cleared once a request is delivered", async () => {
    await using server = endpoint();
    let down = true;
    server.answer(() => new Response(down ? "maintenance" : "ok", { status: down ? 503 : 200 }));
    await using h = harness({ url: server.url(), ...fast, "sink.retry.max-attempts": "-1" });
    expect(h.task.degradedTrace()).toBeNull();
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => server.received.length >= 3);
    expect(h.task.degradedTrace()).toMatch(
      new RegExp(
        `^Degraded: POST ${server.url()} has failed \\d+ attempt\\(s\\) since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(the last: HTTP 503\\)( and waits out a \\d+ ms backoff \\(\\d+ ms left\\) before attempt \\d+)?; the records are retried`,
      ),
    );
    down = false;
    await waitFor(() => server.received.at(-1) !== undefined && h.task.degradedTrace() === null);
    await h.task.idle();
    expect(h.task.preCommit([{ ...p0, offset: 1 }])).toEqual([{ ...p0, offset: 1 }]);
  });

  // p3sink 2: the trace did not say whether a request was on the wire or the task waited out a backoff.
  test("during a retry's backoff the trace names the wait and the next attempt; while an attempt is on the wire, not", async () => {
    await using server = endpoint();
    const hold = deferred<void>();
    let held = 0;
    server.answer(async () => {
      if (server.received.length === 2) {
        held++;
        await hold.promise;
      }
      return new Response("maintenance", { status: 503 });
    });
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    await using h = harness(
      {
        url: server.url(),
        "sink.flush-buffer.timeout": "0",
        "sink.retry.max-attempts": "3",
        "sink.retry.backoff.initial.ms": "5000",
        "sink.retry.backoff.max.ms": "5000",
      },
      { clock },
    );
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => clock.pending === 1 && h.task.degradedTrace() !== null, { what: "the first backoff" });
    const since = "2026-01-01T00:00:00.000Z";
    const warned = h.lines.find((l) => l.includes("retrying in"))!;
    const delay = Number(warned.match(/retrying in (\d+) ms/)![1]);
    const head = `Degraded: POST ${server.url()} has failed`;
    const tail = "; the records are retried (sink.retry.max-attempts), none is committed until delivered.";
    expect(h.task.degradedTrace()).toBe(
      `${head} 1 attempt(s) since ${since} (the last: HTTP 503) and waits out a ${delay} ms backoff (${delay} ms left) before attempt 2 of 3${tail}`,
    );
    clock.advance(1000);
    expect(h.task.degradedTrace()).toBe(
      `${head} 1 attempt(s) since ${since} (the last: HTTP 503) and waits out a ${delay} ms backoff (${delay - 1000} ms left) before attempt 2 of 3${tail}`,
    );
    clock.advance(delay);
    await waitFor(() => held === 1, { what: "attempt 2 on the wire" });
    expect(h.task.degradedTrace()).toBe(`${head} 1 attempt(s) since ${since} (the last: HTTP 503)${tail}`);
    hold.resolve();
    await waitFor(() => clock.pending === 1 && h.task.degradedTrace()!.includes("2 attempt(s)"), {
      what: "the second backoff",
    });
    // Its WARN is thinned (one a minute per failure): the wait is read from the trace, the same twice.
    expect(h.task.degradedTrace()).toMatch(
      / \(the last: HTTP 503\) and waits out a (\d+) ms backoff \(\1 ms left\) before attempt 3 of 3; /,
    );
  });

  // explore11 F2: the WARN and the trace carried Bun's "Is the computer able to access the url?" and the URL twice.
  test("a refused connection: the WARN and the Degraded trace name the JDK's exception, the URL once, no runtime hint", async () => {
    const closed = Bun.serve({ port: 0, fetch: () => new Response("x") });
    const url = `http://127.0.0.1:${closed.port}/x`;
    closed.stop(true);
    await using h = harness({ url, ...fast, "sink.retry.max-attempts": "-1" });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => h.task.degradedTrace() !== null && h.lines.some((l) => l.includes("retrying in")));
    const failure = "java.net.ConnectException: ECONNREFUSED: Unable to connect";
    expect(h.lines.filter((l) => l.includes("retrying in"))).toEqual([
      expect.stringContaining(`POST ${url} failed (attempt 1): ${failure}; retrying in `),
    ]);
    const trace = h.task.degradedTrace()!;
    expect(trace).toContain(`(the last: ${failure})`);
    expect(trace.split(url)).toHaveLength(2);
    expect(`${trace} ${h.lines.join(" ")}`).not.toContain("Is the computer");
  });

  // review-sinkfix P3: the trace was one per task, cleared by any request answered.
  test("a request delivered on another partition leaves the trace of one still retrying", async () => {
    await using server = endpoint();
    server.answer((r) => new Response("", { status: r.body.includes("1") ? 503 : 200 }));
    const clock = new ManualClock();
    const p1 = { topic: "orders", partition: 1 };
    await using h = harness(
      { url: server.url(), "sink.flush-buffer.timeout": "0", "sink.retry.max-attempts": "-1" },
      { clock, assignment: [p0, p1] },
    );
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => clock.pending === 1 && h.task.degradedTrace() !== null);
    await h.task.put([record(1, 0, 2)]);
    await waitFor(() => h.task.preCommit([{ ...p1, offset: 1 }]).some((o) => o.partition === 1 && o.offset === 1), {
      what: "partition 1 delivered",
    });
    expect(h.task.degradedTrace()).toMatch(
      /^Degraded: POST \S+ has failed 1 attempt\(s\) since .* \(the last: HTTP 503\) and waits out a \d+ ms backoff \(\d+ ms left\) before attempt 2; /,
    );
  });

  test("a retrying request abandoned with its revoked partition leaves no trace", async () => {
    await using server = endpoint();
    server.answer(() => new Response("", { status: 503 }));
    await using h = harness({ url: server.url(), ...fast, "sink.retry.max-attempts": "-1" });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => h.task.degradedTrace() !== null);
    await h.task.close([p0]);
    await h.task.idle();
    expect(h.task.degradedTrace()).toBeNull();
  });
});
