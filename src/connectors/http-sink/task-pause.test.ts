// explore8 L1: the connector PAUSED (SinkTask.setPaused), the HTTP sink starts no request, not even a
// retry of the request in flight; the resume goes on where it stopped. (test/http-sink-pause.test.ts
// has the whole gateway: the buffer not sent while PAUSED.)
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { deferred } from "../../util/async.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { endpoint, harness, record, tokenEndpoint, yieldToEventLoop } from "./test-support.ts";

const p0 = { topic: "orders", partition: 0 };

function oidc(tokenUrl: string) {
  return {
    "sink.flush-buffer.timeout": "0",
    "security.oidc.token.request": "grant_type=client_credentials",
    "security.oidc.token.endpoint.url": tokenUrl,
  };
}

describe("HttpSinkTask paused", () => {
  test("a retry falling due while PAUSED waits for the resume, then the records go out in order", async () => {
    await using server = endpoint();
    server.answer((_r, n) => new Response("", { status: n === 1 ? 503 : 200 }));
    const clock = new ManualClock();
    await using h = harness(
      {
        url: server.url(),
        "sink.flush-buffer.timeout": "0",
        "sink.batch.max-size": "1",
        "sink.request.batch.size": "1",
      },
      { clock },
    );
    const inFlight = () =>
      h.metrics.families({}).find((f) => f.name === "http_sink_requests_in_flight")?.samples[0]?.value;
    await h.task.put([record(0, 0, 1), record(0, 1, 2)]);
    // The 503 came back: the request waits for its retry on the clock.
    await waitFor(() => server.received.length === 1 && clock.pending === 1);
    h.task.setPaused(true);
    clock.advance(60_000);
    // Nothing between the wake-up and an attempt's start waits for I/O: a retry not held would be in flight now.
    await yieldToEventLoop();
    expect(inFlight()).toBe(0);
    expect(h.task.preCommit([{ topic: "orders", partition: 0, offset: 2 }])).toEqual([
      { topic: "orders", partition: 0, offset: 0 },
    ]);

    h.task.setPaused(false);
    await waitFor(() => server.received.length === 3);
    await h.task.idle();
    expect(server.values()).toEqual([1, 1, 2]);
    expect(h.task.preCommit([{ topic: "orders", partition: 0, offset: 2 }])).toEqual([
      { topic: "orders", partition: 0, offset: 2 },
    ]);
  });

  // review-sinkfix P2: the gate was passed once per attempt, before the sends an attempt makes with OIDC.
  test("OIDC: a 401 answered after the pause is not renewed and re-sent until the resume", async () => {
    await using tokens = tokenEndpoint();
    await using server = endpoint();
    const release = deferred<void>();
    server.answer(async (r) => {
      if (r.headers.authorization !== "Bearer t1") return new Response("ok");
      await release.promise;
      return new Response("expired", { status: 401 });
    });
    await using h = harness({ url: server.url(), ...oidc(tokens.url) });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => server.received.length === 1);
    h.task.setPaused(true);
    release.resolve();
    await waitFor(() => h.task.heldByPause() === 1);
    expect(server.received.map((r) => r.headers.authorization)).toEqual(["Bearer t1"]);
    expect(tokens.state.calls).toBe(1);

    h.task.setPaused(false);
    await h.task.idle();
    expect(server.received.map((r) => r.headers.authorization)).toEqual(["Bearer t1", "Bearer t2"]);
    expect(h.task.preCommit([{ ...p0, offset: 1 }])).toEqual([{ ...p0, offset: 1 }]);
  });

  // review-sinkfix P2 and P3 (http_sink_batch_size counted a request still waiting at the gate).
  test("OIDC: a request whose token comes after the pause waits for the resume, and is counted when sent", async () => {
    const hold = deferred<void>();
    await using tokens = tokenEndpoint("", hold.promise);
    await using server = endpoint();
    await using h = harness({ url: server.url(), ...oidc(tokens.url) });
    const requestsCounted = () =>
      h.metrics
        .families({})
        .find((f) => f.name === "http_sink_batch_size")
        ?.samples.find((s) => s.suffix === "_count")?.value ?? 0;
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => tokens.state.calls === 1);
    h.task.setPaused(true);
    hold.resolve();
    await waitFor(() => h.task.heldByPause() === 1);
    expect(server.received).toHaveLength(0);
    expect(requestsCounted()).toBe(0);

    h.task.setPaused(false);
    await h.task.idle();
    expect(server.received.map((r) => r.headers.authorization)).toEqual(["Bearer t1"]);
    expect(requestsCounted()).toBe(1);
  });
});
