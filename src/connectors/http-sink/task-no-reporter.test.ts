/**
 * A record the endpoint refuses when the task has no errantRecordReporter (Connect gives none
 * without a DLQ topic or errors.log.enable): the sink's own errors.tolerance decides, as KIP-610
 * asks of connectors; `all` skips the record, `none` fails the task as before reporters existed.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { endpoint, harness, record } from "./test-support.ts";

const fast = {
  "sink.retry.backoff.initial.ms": "1",
  "sink.retry.backoff.max.ms": "5",
  "sink.flush-buffer.timeout": "0",
  "sink.batch.max-size": "3",
};

function refusingPoison() {
  const server = endpoint();
  server.answer((r) => (r.body.includes("poison") ? new Response("bad", { status: 422 }) : new Response("ok")));
  return server;
}

const batch = () => [record(0, 0, { x: 1 }), record(0, 1, "poison"), record(0, 2, { x: 3 })];

type Harness = ReturnType<typeof harness>;
const dlqTotal = (h: Harness) =>
  h.metrics.families({}).find((f) => f.name === "http_sink_records_dlq_total")?.samples[0]?.value;

describe("HttpSinkTask without an errantRecordReporter", () => {
  test("errors.tolerance=all: the refused record is skipped (WARN), the others delivered, the partition moves on", async () => {
    await using server = refusingPoison();
    await using h = harness({ url: server.url(), ...fast, "errors.tolerance": "all" }, { noReporter: true });
    await h.task.put(batch());
    await waitFor(() => server.received.length === 4);
    await h.task.idle();
    expect(h.events.filter((e) => e.startsWith("raiseError"))).toEqual([]);
    expect(h.lines.some((l) => l.includes("WARN") && l.includes("1 record(s) could not be delivered: HTTP 422"))).toBe(
      true,
    );
    expect(await h.task.preCommit([{ topic: "orders", partition: 0, offset: 3 }])).toEqual([
      { topic: "orders", partition: 0, offset: 3 },
    ]);
    expect(dlqTotal(h)).toBe(1);
  });

  test("errors.tolerance=none (the default): the task fails with the refusal", async () => {
    await using server = refusingPoison();
    await using h = harness({ url: server.url(), ...fast }, { noReporter: true });
    await h.task.put(batch());
    await waitFor(() => h.events.some((e) => e.startsWith("raiseError")));
    expect(h.events.find((e) => e.startsWith("raiseError"))).toContain(`HTTP 422 from POST ${server.url()}`);
    // explore F7: errors.tolerance took no record, the task failed on it.
    expect(dlqTotal(h)).toBe(0);
  });
});

// explore F7: http_sink_records_dlq_total counted the records of a task that failed on them.
describe("http_sink_records_dlq_total with an errantRecordReporter", () => {
  test("errors.tolerance=none: the reporter refuses the record, the task fails, nothing is counted", async () => {
    await using server = refusingPoison();
    await using h = harness({ url: server.url(), ...fast }, { tolerance: "none" });
    await h.task.put(batch());
    await waitFor(() => h.events.some((e) => e.startsWith("raiseError")));
    expect(dlqTotal(h)).toBe(0);
  });

  test("errors.tolerance=all: the record the reporter took is counted", async () => {
    await using server = refusingPoison();
    await using h = harness({ url: server.url(), ...fast, "errors.tolerance": "all" });
    await h.task.put(batch());
    await waitFor(() => h.errant.length === 1);
    expect(dlqTotal(h)).toBe(1);
  });
});
