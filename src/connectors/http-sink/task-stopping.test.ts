// Review finding P2 (review10): close of a revoked partition waits for its attempt on the wire (at
// most sink.request.timeout), but the runtime's stop also closes every partition before it calls
// stop: a stop with a request hanging at the endpoint waited the full request timeout (30 s by
// default, past task.shutdown.graceful.timeout.ms: the task was abandoned with an ERROR). The
// context's `stopping` now cuts the attempts off as soon as the task is told to stop, and what was
// cut off stays uncommitted (it was marked done, so the runtime's last commit skipped it: lost).
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { deferred } from "../../util/async.ts";
import { endpoint, harness, record } from "./test-support.ts";

const p0 = { topic: "orders", partition: 0 };
const retryFast = { "sink.retry.backoff.initial.ms": "1", "sink.retry.backoff.max.ms": "2" };
/** Far beyond the test's own timeout: a close that waits for the attempt fails the test. */
const hangs = { "sink.batch.max-size": "1", "sink.request.timeout": "3600", ...retryFast };

/** A task whose first request the endpoint never answers, on the wire; `stop` is the context's `stopping`. */
async function hangingRequest() {
  const server = endpoint();
  const never = deferred<Response>();
  server.answer((_r, n) => (n === 1 ? never.promise : new Response("ok")));
  const stop = new AbortController();
  const h = harness({ url: server.url(), ...hangs }, { assignment: [p0], context: { stopping: stop.signal } });
  const dispose = async () => {
    await h[Symbol.asyncDispose]();
    never.resolve(new Response("too late"));
    await server[Symbol.asyncDispose]();
  };
  await h.task.put([record(0, 0, "hanging")]);
  await waitFor(() => server.received.length === 1).catch(async (error) => {
    await dispose();
    throw error;
  });
  return { server, h, stop, [Symbol.asyncDispose]: dispose };
}

describe("HttpSinkTask told to stop (the context's stopping)", () => {
  test("cuts off its attempt on the wire: the stop's close of every partition returns, the record stays uncommitted", async () => {
    await using t = await hangingRequest();
    const { server, h, stop } = t;
    stop.abort();
    await h.task.idle();
    // The runtime's last commit (WorkerSinkTask.close) comes after: the cut-off record is not done.
    expect(h.task.preCommit([{ ...p0, offset: 1 }])).toEqual([{ ...p0, offset: 0 }]);
    await h.task.close([p0]);
    await h.task.stop();
    expect(server.received).toHaveLength(1);
    expect(h.errant).toEqual([]);
  });

  test("a stop while a revoked partition's close waits for its attempt ends that wait", async () => {
    await using t = await hangingRequest();
    const { server, h, stop } = t;
    const closing = h.task.close([p0]);
    stop.abort();
    await closing;
    expect(server.received).toHaveLength(1);
    expect(h.lines.filter((l) => l.includes("retrying"))).toEqual([]);
  });
});
