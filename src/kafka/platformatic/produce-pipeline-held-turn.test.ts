/**
 * ProducePipeline while a pump turn awaits metadata that does not come (kafka-outage, ci91/ci100/ci110: a frozen broker
 * accepts connections and never answers; the library client's metadata call waits on it): what falls due meanwhile (a
 * batch's delivery.timeout.ms, an unanswered request's WARN, a retry WARN the budget held back) is done when due, not
 * when the call ends.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { batch, FakeBroker, settings } from "./produce-pipeline-test-support.ts";

/** A broker whose metadata never answers once `frozen` (the turn asking it is held for good); counts those asks. */
class FrozenMetadataBroker extends FakeBroker {
  frozen = false;
  heldAsks = 0;
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    if (!this.frozen) return super.leaders(topics);
    this.heldAsks++;
    return new Promise<never>(() => {});
  }
}

/**
 * A pipeline on a clock the test sets (`at`; a turn asks for leaders again once it has moved past the backoff after the
 * last ask), delivery.timeout.ms 50 by default (the wake timer waits real time for the clock's span to a deadline: kept
 * short), its retry WARNs in `warnings`, outcomes as text.
 */
function frozenPipeline(deliveryTimeoutMs = 50) {
  const broker = new FrozenMetadataBroker();
  let clock = 0;
  const warnings: string[] = [];
  const s = settings({ deliveryTimeoutMs, onRetry: (m) => warnings.push(m) });
  const pipeline = new ProducePipeline(broker, s, () => clock);
  const outcome = (p: Promise<unknown>) => {
    const o: { text?: string } = {};
    p.then(
      () => {
        o.text = "written";
      },
      (error: Error) => {
        o.text = error.message;
      },
    );
    return o;
  };
  return { broker, pipeline, warnings, outcome, at: (ms: number) => (clock = ms) };
}

describe("ProducePipeline while a turn awaits metadata that never comes", () => {
  test("a batch waiting for its retry fails at delivery.timeout.ms, not once the held turn ends (the task's retry takes over)", async () => {
    const { broker, pipeline, outcome, at } = frozenPipeline();
    const warm = pipeline.append("t", 0, batch(0), 1);
    await broker.deliverUntil(warm);
    at(10); // past the backoff after the warm-up's leaders: the next turn asks again
    broker.frozen = true;
    const sent = outcome(pipeline.append("t", 0, batch(1), 1));
    await waitFor(() => broker.requests.length === 2);
    // request.timeout.ms: the leaders are asked again before the retry, and that turn is held.
    broker.requests[1]!.failWith(Object.assign(new Error("Request timed out"), { retriable: true }));
    await waitFor(() => broker.heldAsks > 0);
    at(60);
    await waitFor(() => sent.text, { timeoutMs: 10_000, what: "the batch to fail while the turn is held" });
    expect(sent.text).toContain("delivery.timeout.ms elapsed");
    expect(broker.requests.length).toBe(2);
    pipeline.close(new Error("closed"));
  });

  test("a request on the wire unanswered RETRY_GRACE_MS is warned of, and a batch waiting for its topic's leaders fails at delivery.timeout.ms", async () => {
    const { broker, pipeline, warnings, outcome, at } = frozenPipeline();
    const onWire = outcome(pipeline.append("t", 0, batch(0), 1));
    await waitFor(() => broker.requests.length === 1);
    at(10);
    broker.frozen = true;
    const waiting = outcome(pipeline.append("u", 0, batch(1), 1));
    await waitFor(() => broker.heldAsks > 0);
    at(5010);
    await waitFor(() => waiting.text, { timeoutMs: 10_000, what: "the batch to fail while the turn is held" });
    expect(waiting.text).toContain("delivery.timeout.ms elapsed");
    expect(warnings).toEqual([expect.stringContaining("has not answered a produce request")]);
    expect(onWire.text).toBeUndefined(); // on the wire: settled by its answer (or request.timeout.ms), not here
    pipeline.close(new Error("closed"));
    await waitFor(() => onWire.text);
  });

  test("a retry WARN the budget held back (a WARN less than 5 s before) is written once it allows, not dropped", async () => {
    const { broker, pipeline, warnings, at } = frozenPipeline(120_000); // no batch expires meanwhile
    // At startup: the new topic's leader not ready yet (NOT_LEADER_OR_FOLLOWER), retried and written: one WARN.
    const warm = pipeline.append("t", 0, batch(0), 1);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": 6 });
    await waitFor(() => warnings.length === 1);
    at(10); // its backoff and the leaders' over
    await broker.deliverUntil(warm);
    expect(warnings).toEqual([expect.stringContaining("retrying (attempt 2)")]);
    // The outage's first retry comes within the 5 s: held back, and the turn after it waits for metadata for good.
    at(4990);
    broker.frozen = true;
    void pipeline.append("t", 0, batch(1), 1).catch(() => undefined);
    await waitFor(() => broker.requests.length === 3);
    broker.requests[2]!.failWith(Object.assign(new Error("Request timed out"), { retriable: true }));
    await waitFor(() => broker.heldAsks > 0);
    expect(warnings.length).toBe(1);
    at(5000);
    await waitFor(() => warnings.length === 2, { timeoutMs: 10_000, what: "the held retry WARN" });
    expect(warnings[1]).toContain("Request timed out; retrying (attempt 2) until delivery.timeout.ms");
    pipeline.close(new Error("closed"));
  });
});
