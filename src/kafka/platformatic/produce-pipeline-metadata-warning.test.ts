/**
 * ProducePipeline when its metadata ask fails retriably (Kafka not reached, a broker that refuses the connection): the
 * batches waiting for it may not fail for delivery.timeout.ms (120 s by default), and no request is on the wire to
 * warn of: one WARN names the topics and the error, through the retry WARNs' budget, not one per retry.
 */
import { describe, expect, test } from "bun:test";
import { NetworkError } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { batch, FakeBroker, settings } from "./produce-pipeline-test-support.ts";

/** A broker whose metadata fails with `failing` while it is set; counts the asks. */
class FlakyMetadata extends FakeBroker {
  failing: Error | undefined;
  calls = 0;
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    this.calls++;
    if (this.failing) throw this.failing;
    return super.leaders(topics);
  }
}

const refused = () => new NetworkError("Connection to 127.0.0.1:9 failed.", { canRetry: true });

describe("ProducePipeline when a metadata ask fails retriably", () => {
  test("one WARN names the topics and the error, not one per retry, also past the budget's interval; another once metadata was had and fails again", async () => {
    const broker = new FlakyMetadata();
    broker.failing = refused();
    let now = 0;
    const warnings: string[] = [];
    const s = settings({ retryBackoffMs: 10, onRetry: (m) => warnings.push(m) });
    const pipeline = new ProducePipeline(broker, s, () => now);
    const sent = ["t", "u"].map((t) => pipeline.append(t, 0, batch(0), 1));
    await waitFor(() => broker.calls === 1);
    expect(warnings).toEqual([
      "Could not get metadata: Connection to 127.0.0.1:9 failed.; topics t, u asked again until delivery.timeout.ms",
    ]);
    // Asked again after each backoff, also once the budget would allow another WARN: still the one.
    for (const at of [100, 6_000, 12_000]) {
      const calls = broker.calls;
      now = at;
      await waitFor(() => broker.calls > calls, { what: `metadata asked again at ${at}` });
    }
    expect(warnings.length).toBe(1);
    broker.failing = undefined;
    now = 20_000;
    await broker.deliverUntil(Promise.all(sent));
    // Had, then failing again: a new run of failures, its own WARN.
    broker.failing = refused();
    now = 30_000;
    const later = pipeline.append("v", 0, batch(1), 1);
    await waitFor(() => warnings.length === 2, { what: "the second run's WARN" });
    expect(warnings[1]).toBe(
      "Could not get metadata: Connection to 127.0.0.1:9 failed.; topic v asked again until delivery.timeout.ms",
    );
    pipeline.close(new Error("closed"));
    await later.catch(() => undefined);
  });

  test("held back by the budget (a retry WARN just before), it is written once the budget allows while a batch still waits for metadata", async () => {
    const broker = new FlakyMetadata();
    let now = 0;
    const warnings: string[] = [];
    const s = settings({ retryBackoffMs: 10, onRetry: (m) => warnings.push(m) });
    const pipeline = new ProducePipeline(broker, s, () => now);
    const warm = pipeline.append("t", 0, batch(0), 1);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": 6 }); // NOT_LEADER_OR_FOLLOWER: a retry WARN at 0, and every topic asked again
    await waitFor(() => warnings.length === 1);
    broker.failing = refused();
    now = 1_000; // the retry's and the refresh's backoff over: the ask fails within the budget's 5 s
    const waiting = pipeline.append("u", 0, batch(1), 1); // its leader not known: it waits for metadata
    await waitFor(() => broker.calls >= 2);
    expect(warnings.length).toBe(1);
    now = 5_000;
    await waitFor(() => warnings.length === 2, { what: "the held WARN" });
    expect(warnings[1]).toBe(
      "Could not get metadata: Connection to 127.0.0.1:9 failed.; topics t, u asked again until delivery.timeout.ms (retried 4 s ago; held back by the one-WARN-per-interval budget)",
    );
    pipeline.close(new Error("closed"));
    await Promise.all([warm, waiting].map((p) => p.catch(() => undefined)));
  });
});
