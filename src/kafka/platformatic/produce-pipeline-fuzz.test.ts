/**
 * ProducePipeline (idempotent, 5 requests in flight) against a model broker (ModelBroker) whose
 * connections break, for about a thousand seeded random runs: answers lost (a connection cut right
 * after a request was written; the broker may still handle requests of a cut connection, later,
 * after requests of the next one), answers of one read handled out of order (as PlatformaticTransport
 * delivered them until 0115b83), requests failing before they are written, metadata failing, NOT_LEADER_OR_FOLLOWER,
 * a second connection answering beside the first, answers delayed, and batches the broker refuses for
 * good (INVALID_RECORD, as keyless records on a compacted topic). Whatever the order: the pipeline
 * never fails for good (every fault is retriable) and no live answer is INVALID_PRODUCER_EPOCH; each
 * refused batch fails alone with INVALID_RECORD; every other batch is acknowledged at its offset, and
 * in the log exactly once, each partition's in append order (also once the requests of cut
 * connections that were still due are handled); after every step each partition's count of bytes not on the wire (the
 * partitioner's) is that of its queue. Runs whose clock jumps past delivery.timeout.ms (the pipeline then fails with
 * the first batch expired) check that no batch failed as never sent or not sent (NeverSentBatch, NotSentError) is in the log, that no record is
 * in it twice, and that the acknowledged ones are there. Runs that take batches back (RecordAccumulator.withdraw, of a
 * pending batch picked at random) check that each one taken back failed as never sent and is in no log. Runs over three
 * topics led by two brokers, whose metadata is held until the driver releases it and whose leaders move on
 * NOT_LEADER_OR_FOLLOWER (metadata telling of it late), check besides that no broker ever had more than max.in.flight
 * requests unanswered and that no request sent during a metadata ask carries a partition answered
 * NOT_LEADER_OR_FOLLOWER before it (its stale mark holds it back), and count the requests sent beside a held ask. A
 * directed test pins the case the runs found: a batch that may be in the log must still be among the broker's last 5
 * when it goes again.
 *
 * Each run is deterministic: the pipeline's clock stands still but for those jumps (retry.backoff.ms 0), its work
 * runs in microtasks, and the model broker's choices come from the seed. A failing run names its seed and
 * tells the first one's story.
 */
import { describe, expect, test } from "bun:test";
import { prng } from "../../../test/support/prng.ts";
import { type Faults, ModelBroker, type Topology } from "../../../test/support/produce-pipeline-model-broker.ts";
import { kafkaErrorOf, NotSentError } from "../send-rejection.ts";
import { NeverSentBatch } from "./batch-failures.ts";
import type { Batch, BatchOutcome, PartitionBatches } from "./partition-batches.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { append, batch, settings } from "./produce-pipeline-test-support.ts";

/** Appends outstanding at once (as a caller with a few sends in flight). */
const OUTSTANDING = 8;
const MAX_STEPS = 20_000;

interface Append {
  readonly topic: string;
  readonly partition: number;
  readonly labels: number[];
  readonly invalid: boolean;
  /** Absent when the pipeline refused it at once (failed). */
  batch?: Batch;
  /** Taken back (RecordAccumulator.withdraw). */
  withdrawn?: boolean;
  outcome?: BatchOutcome | Error;
}

/** Lets the pipeline's microtasks run out (it never waits for a timer here but after a metadata failure). */
async function settle(): Promise<void> {
  for (let i = 0; i < 12; i++) await null;
}

/**
 * Whether a partition's count of bytes or records not on the wire (kept as batches come and go, for the partitioner)
 * differs from those of its queue's batches not on the wire, read from the queue (the pipeline's accumulator's partitions through a cast).
 */
function queuedBytesDrift(
  pipeline: ProducePipeline,
  topics: readonly string[],
  partitions: number,
): string | undefined {
  const { byTopic } = (pipeline as unknown as { accumulator: { byTopic: Map<string, PartitionBatches[]> } })
    .accumulator;
  for (const topic of topics)
    for (let p = 0; p < partitions; p++) {
      const part = byTopic.get(topic)?.[p];
      let bytes = 0;
      let records = 0;
      for (const b of part?.queue ?? [])
        if (b.state !== "inflight") {
          bytes += b.records.length;
          records += b.count;
        }
      if ((part?.queuedBytes ?? 0) !== bytes)
        return `${topic}-${p}: ${part?.queuedBytes} bytes counted not on the wire, ${bytes} in its queue`;
      if ((part?.queuedRecords ?? 0) !== records)
        return `${topic}-${p}: ${part?.queuedRecords} records counted not on the wire, ${records} in its queue`;
    }
  return undefined;
}

/**
 * The driver's faults beside the broker's: `expiry`, per step, the chance that the pipeline's clock jumps past
 * delivery.timeout.ms (the batches not acknowledged by then expire, and the pipeline fails with the first); `withdraw`,
 * the chance that the caller asks to take back a pending batch (RecordAccumulator.withdraw).
 */
type RunFaults = Faults & { readonly expiry?: number; readonly withdraw?: number; readonly topology?: Topology };

/** What the runs met, so that a test can tell its invariants were exercised. */
interface Seen {
  /** Runs whose pipeline failed on an expired batch. */
  expired: number;
  /** Batches failed as never sent (NeverSentBatch). */
  neverSent: number;
  /** Batches taken back. */
  withdrawn: number;
  /** Requests written while a metadata request was held. */
  sentWhileHeld: number;
  /** Leaders moved (Topology.moves). */
  moved: number;
}

/** One seeded run; what went wrong, or undefined. `trace` is told its story. */
async function run(
  seed: number,
  faults: RunFaults,
  trace?: (line: string) => void,
  seen?: Seen,
): Promise<string | undefined> {
  const { random } = prng(seed);
  const partitions = 1 + Math.floor(random() * 3);
  const total = 10 + Math.floor(random() * 50);
  const { topics } = faults.topology ?? { topics: ["t"] };
  const broker = new ModelBroker(partitions, random, faults, trace, faults.topology);
  let now = 0;
  const s = settings({ retryBackoffMs: 0 });
  const pipeline = new ProducePipeline(broker, s, () => now);
  const appends: Append[] = [];
  let label = 0;
  let steps = 0;
  let idle = 0;
  try {
    for (;;) {
      const pending = appends.filter((a) => a.outcome === undefined).length;
      if (appends.length === total && pending === 0 && broker.pending === 0) break;
      if (++steps > MAX_STEPS) return `no end after ${MAX_STEPS} steps`;
      let acted = true;
      const roll = random();
      if (broker.cutDue) broker.cut(broker.cutDue);
      else if (broker.heldMetadata > 0 && (broker.pending === 0 || random() < 0.05)) acted = broker.releaseMetadata();
      else if (faults.expiry && random() < faults.expiry) {
        now += s.deliveryTimeoutMs;
        trace?.(`the clock jumps to ${now}`);
      } else if (faults.withdraw && random() < faults.withdraw) {
        const open = appends.filter((a) => a.outcome === undefined && a.batch);
        const a = open[Math.floor(random() * open.length)];
        acted = a !== undefined && pipeline.accumulator.withdraw(a.batch!);
        if (acted) a!.withdrawn = true;
        trace?.(`withdraw ${a ? appends.indexOf(a) : "none"}: ${acted ? "taken back" : "not taken back"}`);
      } else if (appends.length < total && pending < OUTSTANDING && roll < 0.35) {
        const labels = Array.from({ length: 1 + Math.floor(random() * 3) }, () => label++);
        const topic = topics.length > 1 ? topics[Math.floor(random() * topics.length)]! : "t";
        const a: Append = { topic, partition: Math.floor(random() * partitions), labels, invalid: random() < 0.12 };
        if (a.invalid) broker.invalid.add(labels[0]!);
        appends.push(a);
        trace?.(
          `append ${appends.length - 1} to ${topic}-${a.partition}: ${labels.join()}${a.invalid ? " (refused)" : ""}`,
        );
        const outcome = (o: BatchOutcome | Error) => {
          a.outcome = o;
        };
        const appended = pipeline.accumulator.appendBatch(topic, a.partition, batch(...labels), labels.length);
        if (appended.batch) a.batch = appended.batch;
        appended.outcome.then(outcome, outcome);
      } else if (roll < 0.45) acted = broker.processNext();
      else if (roll < 0.5) acted = broker.processStale();
      else if (roll < 0.53) acted = random() < faults.notLeader && broker.notLeader();
      else if (roll < 0.56) acted = broker.pending > 0 && broker.cut();
      else if (roll < 0.58) acted = random() < faults.reconnect && broker.reconnect();
      else acted = broker.answerNext() || broker.processStale();
      await settle();
      const failure = pipeline.failure?.message;
      if (failure && (now === 0 || !failure.includes("delivery.timeout.ms elapsed")))
        return `the pipeline failed: ${failure}`;
      const drift = queuedBytesDrift(pipeline, topics, partitions);
      if (drift) return `step ${steps}: ${drift}`;
      if (acted || broker.pending > 0 || (appends.length < total && pending < OUTSTANDING)) idle = 0;
      else if (++idle > 30) return "stuck: batches pending, nothing on the wire";
      // A metadata failure is retried on the pipeline's timer (due at once: its clock stands still).
      else await new Promise((resolve) => setTimeout(resolve, 0));
    }
    while (broker.processStale()) {}
    // Every batch settled: the partitioner's counts of queued bytes (kept as batches come and go) are back at 0.
    // Object.is: a count gone below 0 by less than batch.size reads -0.
    for (const topic of topics)
      for (let p = 0; p < partitions; p++)
        if (!Object.is(pipeline.accumulator.queuedBatches(topic, p), 0))
          return `${topic}-${p}: ${pipeline.accumulator.queuedBatches(topic, p)} queued`;
    if (broker.mostOpen > s.maxInFlight) return `${broker.mostOpen} requests on the wire to one broker at once`;
    if (broker.sentMarkedDuringAsk > 0)
      return `${broker.sentMarkedDuringAsk} requests sent during a metadata ask carried a partition answered NOT_LEADER_OR_FOLLOWER before it`;
    if (seen) seen.moved += broker.moved;
    if (seen) seen.sentWhileHeld += broker.sentWhileHeld;
    if (seen) seen.neverSent += appends.filter((a) => a.outcome instanceof NeverSentBatch).length;
    if (seen) seen.withdrawn += appends.filter((a) => a.withdrawn).length;
    if (!pipeline.failure) return check(appends, broker);
    if (seen) seen.expired++;
    return checkAfterExpiry(appends, broker);
  } finally {
    pipeline.close(new Error("closed"));
  }
}

/** The invariants once every batch settled. */
function check(appends: readonly Append[], broker: ModelBroker): string | undefined {
  if (broker.answered.includes(47)) return "INVALID_PRODUCER_EPOCH answered";
  for (const [i, a] of appends.entries()) {
    const log = broker.logs[broker.slot(a.topic, a.partition)]!;
    const at = log.indexOf(a.labels[0]!);
    if (a.withdrawn) {
      if (!(a.outcome instanceof NeverSentBatch)) return `append ${i} (taken back) settled with ${String(a.outcome)}`;
      if (at >= 0) return `append ${i} (taken back) is in the log`;
      continue;
    }
    if (a.invalid) {
      if (!(a.outcome instanceof Error) || kafkaErrorOf(a.outcome) !== "INVALID_RECORD")
        return `append ${i} (refused by the broker) settled with ${String(a.outcome)}`;
      if (at >= 0) return `append ${i} (refused) is in the log`;
      continue;
    }
    if (a.outcome instanceof Error) return `append ${i} failed: ${a.outcome.message}`;
    if (a.outcome !== at) return `append ${i} acknowledged at ${String(a.outcome)}, in the log at ${at}`;
    if (log.slice(at, at + a.labels.length).join() !== a.labels.join()) return `append ${i} is not whole in the log`;
  }
  for (let slot = 0; slot < broker.logs.length; slot++) {
    const log = broker.logs[slot]!;
    const expected = appends
      .filter((a) => broker.slot(a.topic, a.partition) === slot && !a.invalid && !a.withdrawn)
      .flatMap((a) => a.labels);
    if (log.join() !== expected.join()) return `log ${slot}: ${log.join()}, expected ${expected.join()}`;
  }
  return undefined;
}

/**
 * The invariants once every batch settled after the pipeline failed on an expired batch: each acknowledged batch is
 * whole in the log at its offset, none of a batch failed as never sent or not sent (NeverSentBatch, NotSentError: the
 * port's "not written") is in it, and no record is in it twice. (Of a batch that failed otherwise, an attempt may have written it.)
 */
function checkAfterExpiry(appends: readonly Append[], broker: ModelBroker): string | undefined {
  const written = new Set<number>();
  for (const log of broker.logs)
    for (const label of log) {
      if (written.has(label)) return `record ${label} is in the log twice`;
      written.add(label);
    }
  for (const [i, a] of appends.entries()) {
    if (a.outcome instanceof NeverSentBatch || a.outcome instanceof NotSentError) {
      if (a.labels.some((l) => written.has(l))) return `append ${i} failed as ${a.outcome.name} but is in the log`;
    } else if (a.withdrawn) return `append ${i} (taken back) settled with ${String(a.outcome)}`;
    else if (!(a.outcome instanceof Error)) {
      const log = broker.logs[broker.slot(a.topic, a.partition)]!;
      const at = log.indexOf(a.labels[0]!);
      if (a.outcome !== at) return `append ${i} acknowledged at ${String(a.outcome)}, in the log at ${at}`;
      if (log.slice(at, at + a.labels.length).join() !== a.labels.join()) return `append ${i} is not whole in the log`;
    }
  }
  return undefined;
}

/** The seeds among the first `seeds` whose run went wrong, the first one's story last. */
async function fuzz(seeds: number, faults: RunFaults, seen?: Seen): Promise<string[]> {
  const failures: string[] = [];
  for (let seed = 1; seed <= seeds && failures.length < 5; seed++) {
    const failure = await run(seed, faults, undefined, seen);
    if (failure) failures.push(`seed ${seed}: ${failure}`);
  }
  if (failures.length > 0) {
    const story: string[] = [];
    await run(Number(failures[0]!.split(/[ :]/)[1]), faults, (line) => story.push(line));
    failures.push(`story of the first (its last 60 lines):\n${story.slice(-60).join("\n")}`);
  }
  return failures;
}

describe("ProducePipeline: a batch that may be in the log goes again while the broker still knows it", () => {
  test("its retries fail unwritten while the batches beside them are written: no new batch goes past the broker's last 5, so it is not written twice", async () => {
    const broker = new ModelBroker(1, () => 0, {
      failBeforeWrite: 0,
      cutAfterWrite: 0,
      metadataFailure: 0,
      reconnect: 0,
      notLeader: 1,
      answersOutOfOrder: 0,
    });
    const pipeline = new ProducePipeline(broker, settings({ retryBackoffMs: 0 }), () => 0);
    const outcomes: (BatchOutcome | Error)[] = [];
    const appendLabel = (label: number) => {
      const outcome = (o: BatchOutcome | Error) => {
        outcomes[label] = o;
      };
      return append(pipeline, "t", 0, batch(label), 1).then(outcome, outcome);
    };
    try {
      const first = appendLabel(0);
      await settle();
      broker.answerNext();
      await first; // written: the broker has the producer's state, 5 batches go on the wire at once
      for (let label = 1; label <= 12; label++) void appendLabel(label);
      await settle();
      broker.processNext(); // 1 is written; its answer is lost, with those of 2..5 (not written)
      broker.cut();
      await settle();
      // 1 goes again, with what else may go; answered NOT_LEADER_OR_FOLLOWER (not written) while
      // the others are written, round after round.
      for (let round = 0; round < 3; round++) {
        broker.notLeader();
        await settle();
        for (let i = 0; i < 4; i++) {
          broker.answerNext();
          await settle();
        }
      }
      while (broker.answerNext()) await settle();
      await pipeline.accumulator.drained();
      expect(broker.logs[0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(outcomes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(pipeline.failure).toBeUndefined();
    } finally {
      pipeline.close(new Error("closed"));
    }
  });
});

/** Every kind of broker fault at once, some of each. */
const MIXED_FAULTS: Faults = {
  failBeforeWrite: 0.1,
  cutAfterWrite: 0.1,
  metadataFailure: 0.05,
  reconnect: 0.3,
  notLeader: 0.5,
  answersOutOfOrder: 0.3,
};

describe("ProducePipeline against a broker whose connections break (seeded random runs)", () => {
  // About a millisecond of CPU a run; the budgets are for a loaded machine.
  test("lost answers and refused batches, answers handled out of order: never fails, each batch written once in order or refused alone", async () => {
    const faults = {
      failBeforeWrite: 0,
      cutAfterWrite: 0.14,
      metadataFailure: 0,
      reconnect: 0,
      notLeader: 0,
      answersOutOfOrder: 0.3,
    };
    expect(await fuzz(300, faults)).toEqual([]);
  }, 30_000);

  test("also NOT_LEADER_OR_FOLLOWER, requests failing before they are written and metadata failing", async () => {
    const faults = {
      failBeforeWrite: 0.1,
      cutAfterWrite: 0.1,
      metadataFailure: 0.1,
      reconnect: 0,
      notLeader: 1,
      answersOutOfOrder: 0,
    };
    expect(await fuzz(300, faults)).toEqual([]);
  }, 30_000);

  // neversent: a batch failed as never sent or not sent (the port's neverSent and notSent: the runtime may answer its
  // records "not written") must be in no log, whatever its requests met: refused connections, cuts, answers lost, its
  // partition's earlier batch expiring.
  test("also delivery.timeout.ms running out: no batch failed as never sent or not sent is in the log, none is written twice", async () => {
    const faults = {
      failBeforeWrite: 0.2,
      cutAfterWrite: 0.1,
      metadataFailure: 0,
      reconnect: 0.5,
      notLeader: 0.5,
      answersOutOfOrder: 0.3,
      expiry: 0.004,
    };
    const seen: Seen = { expired: 0, neverSent: 0, withdrawn: 0, sentWhileHeld: 0, moved: 0 };
    expect(await fuzz(300, faults, seen)).toEqual([]);
    expect(seen.expired).toBeGreaterThan(30);
    expect(seen.neverSent).toBeGreaterThan(30);
  }, 30_000);

  // withdraw2: a caller takes back batches queued, never stamped (an ingest request that timed out during an outage);
  // one taken back is never written, and the partition's later batches still land once each, in order.
  test("also batches taken back while queued: none of them is in the log, the others are, once each in order", async () => {
    const faults = { ...MIXED_FAULTS, withdraw: 0.1 };
    const seen: Seen = { expired: 0, neverSent: 0, withdrawn: 0, sentWhileHeld: 0, moved: 0 };
    expect(await fuzz(300, faults, seen)).toEqual([]);
    expect(seen.withdrawn).toBeGreaterThan(100);
  }, 30_000);

  // stalemark: three topics led by two brokers, metadata held (a broker that does not answer it, or tells of a moved
  // leader late) while leaders move (NOT_LEADER_OR_FOLLOWER) and connections break: the partitions no stale mark is
  // about go meanwhile, none answered NOT_LEADER_OR_FOLLOWER before the ask; each batch is still written once, in
  // order, with at most max.in.flight requests to a broker.
  test("also three topics on two brokers with metadata held while leaders move: batches go beside the held ask, not those whose leader moved, each written once in order", async () => {
    const topology = { topics: ["t", "u", "v"], nodes: 2, moves: true };
    const faults = { ...MIXED_FAULTS, holdMetadata: 0.5, topology };
    const seen: Seen = { expired: 0, neverSent: 0, withdrawn: 0, sentWhileHeld: 0, moved: 0 };
    expect(await fuzz(300, faults, seen)).toEqual([]);
    expect(seen.sentWhileHeld).toBeGreaterThan(300);
    expect(seen.moved).toBeGreaterThan(200);
  }, 30_000);

  test("also a new connection while an older one still answers", async () => {
    const faults = {
      failBeforeWrite: 0,
      cutAfterWrite: 0.1,
      metadataFailure: 0,
      reconnect: 1,
      notLeader: 0,
      answersOutOfOrder: 0.3,
    };
    expect(await fuzz(300, faults)).toEqual([]);
  }, 30_000);
});
