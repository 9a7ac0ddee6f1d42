// explore8 L1: the connector PAUSED (SinkTask.setPaused), the HTTP sink starts no request, not even a
// retry of the request in flight; the resume goes on where it stopped. (test/http-sink-pause.test.ts
// has the whole gateway: the buffer not sent while PAUSED.)
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { endpoint, harness, record } from "./test-support.ts";

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
    await new Promise((resolve) => setImmediate(resolve));
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
});
