/**
 * ProducePipeline while a pump turn awaits metadata that does not come (kafka-outage, ci91/ci100/ci110: a frozen broker
 * accepts connections and never answers; the library client's metadata call waits on it): what falls due meanwhile (a
 * batch's delivery.timeout.ms, an unanswered request's WARN, a retry WARN the budget held back) is done when due, not
 * when the call ends.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { append, batch, FakeBroker, settings } from "./produce-pipeline-test-support.ts";

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
    const warm = append(pipeline, "t", 0, batch(0), 1);
    await broker.deliverUntil(warm);
    at(10); // past the backoff after the warm-up's leaders: the next turn asks again
    broker.frozen = true;
    const sent = outcome(append(pipeline, "t", 0, batch(1), 1));
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
    const onWire = outcome(append(pipeline, "t", 0, batch(0), 1));
    await waitFor(() => broker.requests.length === 1);
    at(10);
    broker.frozen = true;
    const waiting = outcome(append(pipeline, "u", 0, batch(1), 1));
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
    const warm = append(pipeline, "t", 0, batch(0), 1);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": 6 });
    await waitFor(() => warnings.length === 1);
    at(10); // its backoff and the leaders' over
    await broker.deliverUntil(warm);
    expect(warnings).toEqual([expect.stringContaining("retrying (attempt 2)")]);
    // The outage's first retry comes within the 5 s: held back, and the turn after it waits for metadata for good.
    at(4990);
    broker.frozen = true;
    void append(pipeline, "t", 0, batch(1), 1).catch(() => undefined);
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

/**
 * A broker whose metadata for topic `held` (when set) answers only once `release` is called, refusing it then if it is
 * `unknown` (deleted, never created); counts those asks. Every partition of a topic is led by broker 1 unless
 * `ledBy` says otherwise.
 */
class HeldTopicBroker extends FakeBroker {
  held: string | undefined;
  readonly ledBy = new Map<string, number>();
  unknown = false;
  refusedAsks = 0;
  heldAsks = 0;
  /** The topics of each metadata ask. */
  readonly asks: string[][] = [];
  private readonly answer = Promise.withResolvers<void>();
  release(): void {
    this.answer.resolve();
  }
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    this.asks.push([...topics]);
    if (this.held !== undefined && (this.held === "*" || topics.includes(this.held))) {
      this.heldAsks++;
      await this.answer.promise;
      if (this.unknown) {
        this.refusedAsks++;
        throw Object.assign(new Error(`Unknown topic ${this.held}.`), { code: "PLT_KFK_USER" });
      }
    }
    const known = await super.leaders(topics);
    return new Map([...known].map(([t, leaders]) => [t, leaders.map((l) => this.ledBy.get(t) ?? l)]));
  }
}

/**
 * A pipeline on a HeldTopicBroker (topics of `partitions`, led by the brokers `ledBy` says, else 1) that wrote one batch
 * to partition 0 of each of `warm` (their leaders known), its clock moved past the backoff after.
 */
async function heldTopicPipeline(
  partitions: number,
  warm: readonly string[],
  s = settings(),
  ledBy: Record<string, number> = {},
) {
  const broker = new HeldTopicBroker(partitions);
  for (const [topic, node] of Object.entries(ledBy)) broker.ledBy.set(topic, node);
  let clock = 0;
  const pipeline = new ProducePipeline(broker, s, () => clock);
  await broker.deliverUntil(Promise.all(warm.map((t) => append(pipeline, t, 0, batch(0), 1))));
  clock = 10; // past the backoff after the warm-up's leaders: the next turn may ask again
  const topicsOf = (from: number) => broker.requests.slice(from).map((r) => r.batches.map((b) => b.topic));
  return { broker, pipeline, topicsOf, at: (ms: number) => (clock = ms) };
}

describe("ProducePipeline while a turn awaits one topic's metadata (as Java's Sender, which never waits for it)", () => {
  test("a known topic's batches are sent meanwhile, those ready at the turn's start and those appended after, in order; the awaited topic's once its metadata answers", async () => {
    const { broker, pipeline, topicsOf } = await heldTopicPipeline(1, ["t"]);
    broker.held = "u"; // a topic being created, or its metadata asked of a broker that does not answer
    const awaited = append(pipeline, "u", 0, batch(10), 1);
    const first = append(pipeline, "t", 0, batch(1), 1);
    await waitFor(() => broker.heldAsks === 1);
    expect(topicsOf(1)).toEqual([["t"]]);
    const second = append(pipeline, "t", 0, batch(2), 1); // appended while the turn is held
    await waitFor(() => broker.requests.length === 3, { what: "the batch appended meanwhile to be sent" });
    expect(broker.requests.map((r) => r.sent)).toEqual([[[0, 0]], [[1, 1]], [[2, 2]]]);
    broker.deliver(1);
    broker.deliver(2);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    broker.release();
    await broker.deliverUntil(awaited);
    expect(await awaited).toBe(0);
    expect(topicsOf(3)).toEqual([["u"]]);
    expect(Object.fromEntries(broker.logs)).toEqual({ "t-0": [0, 1, 2], "u-0": [10] });
    pipeline.close(new Error("closed"));
  });

  test("after a leader moved (NOT_LEADER_OR_FOLLOWER: every topic asked again) only the moved partition waits for metadata; the others go meanwhile", async () => {
    const { broker, pipeline, topicsOf, at } = await heldTopicPipeline(1, ["t", "u", "v"]);
    broker.held = "*";
    const retried = append(pipeline, "t", 0, batch(1), 1);
    await waitFor(() => broker.requests.length === 2);
    broker.deliver(1, { "t-0": 6 }); // stale: the next turn asks every topic with batches to send
    const other = append(pipeline, "u", 0, batch(11), 1);
    await waitFor(() => broker.heldAsks === 1);
    at(20); // t-0's retry's backoff over: its batch is held back by the mark alone
    expect(broker.asks.at(-1)!.sort()).toEqual(["t", "u"]);
    expect(topicsOf(2)).toEqual([["u"]]); // sent before the ask: its partition and leader not marked
    // Appended while the turn is held, to a topic with its leader known and not asked for (no batch at the turn's start).
    const third = append(pipeline, "v", 0, batch(12), 1);
    await waitFor(() => broker.requests.length === 4);
    expect(topicsOf(3)).toEqual([["v"]]);
    broker.deliver(2);
    broker.deliver(3);
    expect(await Promise.all([other, third])).toEqual([1, 1]);
    expect(broker.requests.length).toBe(4); // t-0 waits for the ask's answer, however long it is held
    broker.release();
    await broker.deliverUntil(retried);
    expect(await retried).toBe(1);
    expect(topicsOf(4)).toEqual([["t"]]);
    expect(Object.fromEntries(broker.logs)).toEqual({ "t-0": [0, 1], "u-0": [0, 11], "v-0": [0, 12] });
    pipeline.close(new Error("closed"));
  });

  test("a leader moving meanwhile (NOT_LEADER_OR_FOLLOWER answered to a batch sent meanwhile) stops that partition's sends meanwhile, not its neighbours'; its topic is asked again at the next turn", async () => {
    const { broker, pipeline, topicsOf, at } = await heldTopicPipeline(2, ["t"]);
    broker.held = "u";
    const awaited = append(pipeline, "u", 0, batch(10), 1);
    const moved = append(pipeline, "t", 0, batch(1), 1);
    await waitFor(() => broker.heldAsks === 1);
    expect(topicsOf(1)).toEqual([["t"]]);
    broker.deliver(1, { "t-0": 6 });
    const later = append(pipeline, "t", 1, batch(2), 1); // another partition, its leader not marked: sent meanwhile
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(2);
    expect(await later).toBe(0);
    at(20); // t-0's retry's backoff over: its batch is held back by the mark alone
    const next = append(pipeline, "t", 1, batch(3), 1);
    await waitFor(() => broker.requests.length === 4);
    const partitionsOf = (i: number) => broker.requests[i]!.batches.map((b) => `${b.topic}-${b.partition}`);
    expect([partitionsOf(2), partitionsOf(3)]).toEqual([["t-1"], ["t-1"]]);
    const asked = broker.asks.length;
    broker.release();
    await waitFor(() => broker.requests.length === 5);
    // The held turn's last pass sends to the leaders known, as a turn within the refresh backoff does.
    expect(partitionsOf(4)).toEqual(["t-0", "u-0"]);
    await broker.deliverUntil(Promise.all([awaited, moved, next]));
    expect(await Promise.all([awaited, moved, next])).toEqual([0, 1, 1]);
    expect(broker.asks.length).toBe(asked); // the mark outlived the ask held: the next turn asks
    at(40); // the refresh backoff over
    const after = append(pipeline, "t", 1, batch(4), 1);
    await broker.deliverUntil(after);
    expect(broker.asks.slice(asked)).toEqual([["t"]]);
    expect(Object.fromEntries(broker.logs)).toEqual({ "t-0": [0, 1], "t-1": [2, 3, 4], "u-0": [10] });
    pipeline.close(new Error("closed"));
  });

  test("a request to broker 2 failing as a whole meanwhile (its connection lost) stops the sends of the partitions it leads, not those of broker 1", async () => {
    const { broker, pipeline, topicsOf, at } = await heldTopicPipeline(1, ["b", "c"], settings(), { b: 2 });
    broker.held = "a"; // a topic being created
    const awaited = append(pipeline, "a", 0, batch(10), 1);
    const lost = append(pipeline, "b", 0, batch(1), 1);
    await waitFor(() => broker.heldAsks === 1);
    expect(broker.requests.slice(2).map((r) => [r.node, r.batches.map((b) => b.topic)])).toEqual([[2, ["b"]]]);
    broker.requests[2]!.failWith(Object.assign(new Error("Connection closed"), { retriable: true }));
    const behind = append(pipeline, "b", 0, batch(2), 1);
    const healthy = append(pipeline, "c", 0, batch(3), 1);
    await waitFor(() => broker.requests.length === 4, { what: "c's batch sent while a's metadata is held" });
    expect([broker.requests[3]!.node, topicsOf(3)]).toEqual([1, [["c"]]]);
    broker.deliver(3);
    expect(await healthy).toBe(1);
    at(20); // b-0's retry's backoff over: its batches are held back by the mark alone
    const more = append(pipeline, "c", 0, batch(4), 1);
    await waitFor(() => broker.requests.length === 5);
    expect(topicsOf(4)).toEqual([["c"]]);
    broker.deliver(4);
    expect(await more).toBe(2);
    broker.release();
    await broker.deliverUntil(Promise.all([awaited, lost, behind]));
    expect(await Promise.all([awaited, lost, behind])).toEqual([0, 1, 2]);
    expect(Object.fromEntries(broker.logs)).toEqual({ "a-0": [10], "b-0": [0, 1, 2], "c-0": [0, 3, 4] });
    pipeline.close(new Error("closed"));
  });

  test("a leader moving meanwhile, then the awaited topic refused as unknown: the moved leader's topic is asked again at the next turn", async () => {
    const { broker, pipeline, at } = await heldTopicPipeline(1, ["t"]);
    broker.held = "u";
    broker.unknown = true;
    const refused = append(pipeline, "u", 0, batch(10), 1);
    refused.catch(() => {}); // waits for metadata until the pipeline closes
    const moved = append(pipeline, "t", 0, batch(1), 1);
    await waitFor(() => broker.heldAsks === 1);
    broker.deliver(1, { "t-0": 6 }); // NOT_LEADER_OR_FOLLOWER for t, sent meanwhile
    const asked = broker.asks.length;
    broker.release();
    // Seen after a timer: the turn has handled the refusal (microtasks) by then, and waits out the refresh backoff.
    await waitFor(() => broker.refusedAsks === 1, { what: "u's refusal" });
    at(20); // the retry's and the refresh's backoff over
    await broker.deliverUntil(moved);
    expect(await moved).toBe(1);
    expect(broker.asks.slice(asked).some((topics) => topics.includes("t"))).toBe(true);
    pipeline.close(new Error("closed"));
  });

  test("a broker that took a request at the held turn's last pass is available again (noted at the time after the ask, not the turn's start)", async () => {
    const { broker, pipeline, at } = await heldTopicPipeline(1, ["t"], settings({ availabilityTimeoutMs: 1000 }));
    broker.held = "u";
    const awaited = append(pipeline, "u", 0, batch(10), 1);
    await waitFor(() => broker.heldAsks === 1);
    broker.unreachable.add(1); // its connection lost
    at(1500);
    const meanwhile = append(pipeline, "t", 0, batch(1), 1);
    await waitFor(() => broker.requests.length === 2);
    expect(pipeline.accumulator.leaderUnavailable(1)).toBe(true); // noted meanwhile: ready, not drained since 0
    broker.unreachable.delete(1); // the connection up again
    broker.release();
    await waitFor(() => broker.requests.length === 3, { what: "the awaited topic's batch sent at the last pass" });
    expect(pipeline.accumulator.leaderUnavailable(1)).toBe(false);
    await broker.deliverUntil(Promise.all([awaited, meanwhile]));
    pipeline.close(new Error("closed"));
  });
});
