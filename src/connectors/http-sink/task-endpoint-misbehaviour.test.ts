import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { endpoint, harness, record } from "./test-support.ts";

const fast = {
  "sink.retry.backoff.initial.ms": "1",
  "sink.retry.backoff.max.ms": "5",
  "sink.flush-buffer.timeout": "0",
};

/** A body stream that never ends (1 KiB chunks as fast as the reader takes them). */
function endless(): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(1024).fill(120);
  return new ReadableStream({
    pull(controller) {
      controller.enqueue(chunk);
    },
  });
}

describe("HttpSinkTask against a misbehaving endpoint", () => {
  test("a 2xx whose body never ends: the records count as delivered, not reported", async () => {
    await using server = endpoint();
    server.answer(() => new Response(endless(), { status: 200 }));
    await using h = harness({ url: server.url(), ...fast, "sink.request.timeout": "2" });
    await h.task.put([record(0, 0, 1), record(0, 1, 2)]);
    await waitFor(() => server.received.length >= 1);
    await h.task.idle();
    expect(h.errant).toEqual([]);
    expect(server.received).toHaveLength(1);
    expect(await h.task.preCommit([{ topic: "orders", partition: 0, offset: 2 }])).toEqual([
      { topic: "orders", partition: 0, offset: 2 },
    ]);
  });

  test("a 2xx whose body stalls: at sink.request.timeout the records count as delivered, not sent again", async () => {
    await using server = endpoint();
    const stalled = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("accepted, now streaming"));
        },
      });
    server.answer(() => new Response(stalled(), { status: 202 }));
    await using h = harness({ url: server.url(), ...fast, "sink.request.timeout": "1" });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => server.received.length === 1);
    await h.task.idle();
    expect(server.received).toHaveLength(1);
    expect(h.errant).toEqual([]);
    expect(await h.task.preCommit([{ topic: "orders", partition: 0, offset: 1 }])).toEqual([
      { topic: "orders", partition: 0, offset: 1 },
    ]);
  });

  test("a 500 whose body never ends is retried, and reported with an excerpt after the attempts", async () => {
    await using server = endpoint();
    server.answer(() => new Response(endless(), { status: 500 }));
    await using h = harness({
      url: server.url(),
      ...fast,
      "sink.request.timeout": "2",
      "sink.retry.max-attempts": "2",
    });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => h.errant.length === 1, { timeoutMs: 10_000 });
    expect(server.received).toHaveLength(2);
    expect(h.errant[0]!.error.message).toStartWith(`HTTP 500 from POST ${server.url()} after 2 attempt(s): xxxx`);
  });
});
