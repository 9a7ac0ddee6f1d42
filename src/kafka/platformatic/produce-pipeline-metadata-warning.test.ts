/**
 * ProducePipeline when its metadata ask fails retriably (Kafka not reached, a broker that refuses the connection): the
 * batches waiting for it may not fail for delivery.timeout.ms (120 s by default), and no request is on the wire to
 * warn of: one WARN names the topics and the error, through the retry WARNs' budget, not one per retry.
 */
import { describe, expect, test } from "bun:test";
import { NetworkError, UserError } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { append, batch, FakeBroker, settings } from "./produce-pipeline-test-support.ts";

/** A broker whose metadata fails with `failing` while it is set; counts the asks, records their topics. */
class FlakyMetadata extends FakeBroker {
  failing: Error | undefined;
  calls = 0;
  readonly asks: string[][] = [];
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    this.calls++;
    this.asks.push([...topics]);
    if (this.failing) throw this.failing;
    return super.leaders(topics);
  }
}

/** As FlakyMetadata, with two partitions of each topic: partition 0 led by broker 1, partition 1 by broker 2. */
class TwoLeaders extends FlakyMetadata {
  constructor() {
    super(2);
  }
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    await super.leaders(topics);
    return new Map(topics.map((t) => [t, [1, 2]]));
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
    const sent = ["t", "u"].map((t) => append(pipeline, t, 0, batch(0), 1));
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
    const later = append(pipeline, "v", 0, batch(1), 1);
    await waitFor(() => warnings.length === 2, { what: "the second run's WARN" });
    expect(warnings[1]).toBe(
      "Could not get metadata: Connection to 127.0.0.1:9 failed.; topic v asked again until delivery.timeout.ms",
    );
    pipeline.close(new Error("closed"));
    await later.catch(() => undefined);
  });

  test("requests to the leader failing too: one WARN for as long as no ask answers, not one per turn with only batches on the wire; another once one answered and they fail again", async () => {
    // t-0 is led by broker 1, whose requests fail as a whole; t-1 by broker 2, which answers. The turn that a broker-2
    // answer runs while t-0's batch is on its way to broker 1 has nothing to ask for: no answer to a metadata ask.
    const broker = new TwoLeaders();
    let now = 0;
    const warnings: string[] = [];
    const s = settings({ retryBackoffMs: 10, retryBackoffMaxMs: 10, onRetry: (m) => warnings.push(`${now} ${m}`) });
    const pipeline = new ProducePipeline(broker, s, () => now);
    const metadataWarnings = () => warnings.filter((w) => w.includes("Could not get metadata"));
    const open = (node: number) => broker.requests.filter((r) => r.node === node && !r.delivered);
    const failBroker1 = () => {
      for (const r of open(1)) {
        r.delivered = true;
        r.failWith(new NetworkError("Connection closed", { canRetry: true }));
      }
    };
    // Both partitions written once: their leaders are known.
    await broker.deliverUntil(Promise.all([0, 1].map((p) => append(pipeline, "t", p, batch(p), 1))));
    broker.failing = refused();
    now = 100; // past the refresh backoff of the ask that learnt the leaders
    const stuck = append(pipeline, "t", 0, batch(10), 1);
    let beside = append(pipeline, "t", 1, batch(11), 1);
    /** Runs of the outage until `until`: t-0's batch goes to broker 1 and fails; t-1's are written meanwhile. */
    const outage = async (until: number) => {
      while (now < until) {
        await waitFor(() => open(1).length > 0 && open(2).length > 0, { intervalMs: 1, what: `requests at ${now}` });
        for (const r of open(2)) broker.deliver(broker.requests.indexOf(r));
        await beside;
        const calls = broker.calls;
        now += 50; // broker 1 fails the request 50 ms after it went, past the refresh backoff: the turn after asks
        failBroker1();
        await waitFor(() => broker.calls > calls, { intervalMs: 1, what: `the ask after the failure at ${now}` });
        beside = append(pipeline, "t", 1, batch(11), 1);
        now += 250; // past every backoff: the next turn asks again, and the one within its backoff sends t-0 again
      }
    };
    await outage(16_000);
    // Held back by the budget (the retry's WARN just before), then written once it allowed: the only one in 16 s.
    expect(metadataWarnings()).toEqual([
      "5200 Could not get metadata: Connection to 127.0.0.1:9 failed.; topic t asked again until delivery.timeout.ms (first asked 5 s ago; held back by the one-WARN-per-interval budget)",
    ]);
    // Broker 1 answers again: the batches are written (sent without an ask, within its backoff). The next send asks
    // first (the mark is still set), and the ask answers. Then the outage comes back: a new run, its own WARN.
    broker.failing = undefined;
    await broker.deliverUntil(Promise.all([stuck, beside]));
    now += 250;
    const calls = broker.calls;
    await broker.deliverUntil(append(pipeline, "t", 0, batch(20), 1));
    expect(broker.calls).toBe(calls + 1);
    broker.failing = refused();
    const again = append(pipeline, "t", 0, batch(21), 1);
    beside = append(pipeline, "t", 1, batch(22), 1);
    await outage(21_000);
    expect(metadataWarnings()).toEqual([
      "5200 Could not get metadata: Connection to 127.0.0.1:9 failed.; topic t asked again until delivery.timeout.ms (first asked 5 s ago; held back by the one-WARN-per-interval budget)",
      "20450 Could not get metadata: Connection to 127.0.0.1:9 failed.; topic t asked again until delivery.timeout.ms (first asked 4 s ago; held back by the one-WARN-per-interval budget)",
    ]);
    pipeline.close(new Error("closed"));
    await Promise.all([again, beside].map((p) => p.catch(() => undefined)));
  });

  test("held back, then written after a turn with nothing to ask (which forgets the latest failure): it names the run's failure (review fixrounds P2-1)", async () => {
    const broker = new TwoLeaders();
    let now = 0;
    const warnings: string[] = [];
    const s = settings({ retryBackoffMs: 10, retryBackoffMaxMs: 10, onRetry: (m) => warnings.push(`${now} ${m}`) });
    const pipeline = new ProducePipeline(broker, s, () => now);
    const open = (node: number) => broker.requests.filter((r) => r.node === node && !r.delivered);
    const deliverOpen = (nodes: number[]) => {
      for (const r of nodes.flatMap(open)) broker.deliver(broker.requests.indexOf(r));
    };
    await broker.deliverUntil(Promise.all([0, 1].map((p) => append(pipeline, "t", p, batch(p), 1))));
    broker.failing = refused();
    now = 100;
    const resent = append(pipeline, "t", 0, batch(10), 1);
    let beside = append(pipeline, "t", 1, batch(11), 1);
    await waitFor(() => open(1).length > 0 && open(2).length > 0, { what: "t-0 and t-1 sent" });
    deliverOpen([2]);
    await beside;
    // Broker 1 fails t-0's request as a whole (a retry WARN); the ask after it fails: its WARN held by the budget.
    const calls = broker.calls;
    now += 50;
    for (const r of open(1)) {
      r.delivered = true;
      r.failWith(new NetworkError("Connection closed", { canRetry: true }));
    }
    await waitFor(() => broker.calls > calls, { what: "the ask after the failure" });
    // Within its backoff t-0 goes again and is written, with t-1's next: a turn with nothing to ask, no ask answered.
    now += 250;
    beside = append(pipeline, "t", 1, batch(12), 1);
    await waitFor(() => open(1).length > 0 && open(2).length > 0, { what: "t-0 sent again beside t-1" });
    deliverOpen([2, 1]);
    await Promise.all([beside, resent]);
    // Past the budget's interval the next turn writes the held WARN.
    now += 10_000;
    const later = append(pipeline, "t", 1, batch(13), 1);
    await waitFor(() => warnings.some((w) => w.includes("asked again")), { what: "the held metadata WARN" });
    expect(warnings.filter((w) => w.includes("asked again"))).toEqual([
      `${now} Could not get metadata: Connection to 127.0.0.1:9 failed.; topic t asked again until delivery.timeout.ms (first asked 10 s ago; held back by the one-WARN-per-interval budget)`,
    ]);
    pipeline.close(new Error("closed"));
    await later.catch(() => undefined);
  });

  test("held back by the budget (a retry WARN just before), it is written once the budget allows while a batch still waits for metadata", async () => {
    const broker = new FlakyMetadata();
    let now = 0;
    const warnings: string[] = [];
    const s = settings({ retryBackoffMs: 10, onRetry: (m) => warnings.push(m) });
    const pipeline = new ProducePipeline(broker, s, () => now);
    const warm = append(pipeline, "t", 0, batch(0), 1);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": 6 }); // NOT_LEADER_OR_FOLLOWER: a retry WARN at 0, and every topic asked again
    await waitFor(() => warnings.length === 1);
    broker.failing = refused();
    now = 1_000; // the retry's and the refresh's backoff over: the ask fails within the budget's 5 s
    const waiting = append(pipeline, "u", 0, batch(1), 1); // its leader not known: it waits for metadata
    await waitFor(() => broker.calls >= 2);
    expect(warnings.length).toBe(1);
    now = 5_000;
    await waitFor(() => warnings.length === 2, { what: "the held WARN" });
    expect(warnings[1]).toBe(
      "Could not get metadata: Connection to 127.0.0.1:9 failed.; topics t, u asked again until delivery.timeout.ms (first asked 4 s ago; held back by the one-WARN-per-interval budget)",
    );
    pipeline.close(new Error("closed"));
    await Promise.all([warm, waiting].map((p) => p.catch(() => undefined)));
  });

  test("a run ended by an ask answering that the topic is unknown: the next run of failures gives its own WARN (review markcover 2)", async () => {
    const broker = new FlakyMetadata();
    broker.failing = refused();
    const { pipeline, warnings, at } = clockedPipeline(broker);
    const waiting = append(pipeline, "t", 0, batch(0), 1);
    await waitFor(() => warnings().length === 1);
    // The cluster answers again, that t is unknown (deleted): its batch waits for metadata, t asked alone.
    broker.failing = new UserError("Unknown topic t.");
    const calls = broker.calls;
    at(100);
    await waitFor(() => broker.calls > calls, { what: "the ask answered 'Unknown topic'" });
    await new Promise((resolve) => setImmediate(resolve)); // its answer taken
    broker.failing = refused();
    at(10_000); // past the budget's interval
    await secondRunWarned(warnings, "t");
    pipeline.close(new Error("closed"));
    await waiting.catch(() => undefined);
  });

  test("a run ended by a background ask answering (a connection closed: its broker's topics asked again): the next run of failures gives its own WARN (review markcover 2)", async () => {
    const broker = new FlakyMetadata();
    const { pipeline, warnings, at } = clockedPipeline(broker);
    await broker.deliverUntil(append(pipeline, "t", 0, batch(0), 1)); // t's leader known: broker 1
    broker.failing = refused();
    at(100);
    const taken = pipeline.accumulator.appendBatch("u", 0, batch(1), 1);
    await waitFor(() => warnings().length === 1);
    expect(pipeline.accumulator.withdraw(taken.batch!)).toBe(true); // no batch waits for metadata: no turn asks
    await taken.outcome.catch(() => undefined);
    broker.failing = undefined;
    at(10_000); // past the refresh backoff
    const calls = broker.calls;
    pipeline.disconnected(1); // t asked in the background; it answers
    expect(broker.calls).toBe(calls + 1);
    await new Promise((resolve) => setImmediate(resolve)); // its answer taken
    broker.failing = refused();
    at(20_000); // past the refresh backoff after that answer
    const waiting = append(pipeline, "v", 0, batch(2), 1);
    await secondRunWarned(warnings, "v");
    pipeline.close(new Error("closed"));
    await waiting.catch(() => undefined);
  });
});

describe("ProducePipeline when a metadata ask made with a broker mark fails retriably", () => {
  test("its WARN names the topics whose batches wait, not those asked only because the marked broker leads them", async () => {
    const broker = new FlakyMetadata();
    const { pipeline, warnings, at } = clockedPipeline(broker);
    // t and u led by broker 1, written once.
    await broker.deliverUntil(Promise.all(["t", "u"].map((t) => append(pipeline, t, 0, batch(0), 1))));
    at(100); // past the refresh backoff
    const sent = broker.requests.length;
    const waiting = append(pipeline, "t", 0, batch(1), 1);
    await waitFor(() => broker.requests.length === sent + 1);
    broker.failing = refused();
    const asked = broker.asks.length;
    // Broker 1's request fails as a whole (a mark about broker 1, and a retry WARN): the ask after it, t and u, fails.
    broker.requests[sent]!.failWith(new NetworkError("Connection closed", { canRetry: true }));
    await waitFor(() => broker.asks.length > asked, { what: "the ask after the failure" });
    expect(broker.asks[asked]).toEqual(["t", "u"]);
    at(5_100); // its WARN held back by the budget (the retry's just before), written once it allows
    await waitFor(() => warnings().length === 1, { what: "the metadata WARN" });
    expect(warnings()).toEqual([
      "Could not get metadata: Connection to 127.0.0.1:9 failed.; topic t asked again until delivery.timeout.ms (first asked 5 s ago; held back by the one-WARN-per-interval budget)",
    ]);
    pipeline.close(new Error("closed"));
    await waiting.catch(() => undefined);
  });
});

/** A pipeline over `broker` on a clock the test sets (`at`), retry.backoff.ms 10; `warnings`: its metadata WARNs. */
function clockedPipeline(broker: FlakyMetadata) {
  let now = 0;
  const all: string[] = [];
  const pipeline = new ProducePipeline(
    broker,
    settings({ retryBackoffMs: 10, onRetry: (m) => all.push(m) }),
    () => now,
  );
  const warnings = () => all.filter((w) => w.includes("Could not get metadata"));
  return {
    pipeline,
    warnings,
    at: (ms: number) => {
      now = ms;
    },
  };
}

/** Metadata failing again after the first run ended: a second WARN, for `topic`, once it is written. */
async function secondRunWarned(warnings: () => string[], topic: string): Promise<void> {
  await waitFor(() => warnings().length === 2, { what: "the second run's WARN" });
  expect(warnings()[1]).toBe(
    `Could not get metadata: Connection to 127.0.0.1:9 failed.; topic ${topic} asked again until delivery.timeout.ms`,
  );
}
