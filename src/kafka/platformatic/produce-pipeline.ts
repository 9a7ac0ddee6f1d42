/**
 * ProducePipeline: the @platformatic/kafka adapter's producer pipeline, as Java's Sender. It makes the
 * RecordAccumulator (`accumulator`, record-accumulator.ts) the producer appends one encoded RecordBatch per
 * partition and send to, and takes batches back from, as Java's KafkaProducer holds its accumulator; ready
 * batches are grouped by leader into Produce requests (one batch per partition, within
 * max.request.size), up to `maxInFlight` per broker and buffer.memory bytes on the wire, via a
 * ProduceTransport (a fake in tests); InFlightRequests counts them and settles their batches on the
 * answers. Deadlines and backoffs run on `now` (monotonic by default). Each turn notes the brokers that
 * had batches ready and took them in the accumulator's NodeAvailability, as Java's Sender updates its
 * accumulator's NodeLatencyStats; the sticky partitioner reads its load from the accumulator (PartitionLoad)
 * and the partitions' leaders from here.
 *
 * Idempotence (acks=all, the default): per partition, batches keep their first sequence number
 * through every retry and go out in append order; after a retriable error nothing of the partition
 * goes again until the batches on the wire came back (PartitionBatches has the rules), so records
 * land in append order, each once. OUT_OF_ORDER_SEQUENCE_NUMBER (or UNKNOWN_PRODUCER_ID) for the
 * oldest pending batch of a partition means the broker lost this producer's state: as Java's, the
 * partition takes its next epoch and sequences from 0 (PartitionBatches.restartSequences).
 *
 * A batch the broker refuses for good (INVALID_RECORD, INVALID_TIMESTAMP, one record too large, …)
 * fails alone and the producer goes on, as Java's: the partition takes its next epoch and sequences
 * from 0 (BatchSettlement.refuse; behind a batch not settled yet, once that one is written). So do
 * a topic's batches not on the wire when metadata refuses it (TOPIC_AUTHORIZATION_FAILED: an ACL
 * removed while running; BatchSettlement.cannotSend): the other topics go on. Those of a topic metadata
 * does not know (deleted, or routed to while auto-creation is off) wait for it, asked again after a backoff growing
 * from retry.backoff.ms to retry.backoff.max.ms, until delivery.timeout.ms, as Java's; meanwhile the other topics'
 * batches are sent. A batch fails for good, and the pipeline with it, on an error fatal to the producer
 * (CLUSTER_AUTHORIZATION_FAILED, …), after `retries` or past delivery.timeout.ms: the later
 * batches of its partition not on the wire fail with it (NotSentError; a retriable error saying it
 * may have been written for one an earlier attempt of which got no answer), those on the wire settle on
 * their answer; the pipeline takes no new batches (`failure`), the caller replaces the producer.
 * A batch of several records answered MESSAGE_TOO_LARGE is split in its place (batch-split.ts).
 * Without idempotence batches carry no sequence; order holds with maxInFlight 1 (as in Java).
 * A batch that fails before any request carrying it went out (never in one, or the connection of each never came up:
 * the transport's requestNotWritten) rejects with a NeverSentBatch (the port's neverSent), one the
 * broker refused unwritten (an authorization refusal, no earlier attempt of it maybe written) with a RefusedBatch.
 * A batch queued since its append, never stamped nor in a request, can be taken back (RecordAccumulator.withdraw: an
 * ingest request that timed out): it fails as never sent and the partition goes on as if it had never been appended.
 * `close` fails every pending batch at once (the producer's forceClose): as never sent unless it is on the wire, an
 * earlier attempt of it got no answer (those may still be written) or a piece of it split was written
 * (PartlyWrittenBatch).
 * A turn's metadata step (the topics it asks, the ready batches it sends while the ask is awaited, what a refusal
 * fails) is TurnMetadata's (turn-metadata.ts).
 * A request a broker has not answered for RETRY_GRACE_MS is `retryFailure` too, and one WARN (unanswered-requests.ts).
 * Those WARNs, a retry WARN the budget held back (RetryWarnings.writeHeld) and the expiry of batches not on the
 * wire are done when the wake timer fires, also while a pump turn awaits metadata or a producer id from a broker that
 * does not answer: a send is never silent past delivery.timeout.ms behind such a turn.
 */
import { kafkaClientBackoff } from "../../util/backoff.ts";
import { BatchSettlement } from "./batch-settlement.ts";
import { InFlightRequests, type ProducerIdentity } from "./in-flight-requests.ts";
import type { Batch, PartitionBatches } from "./partition-batches.ts";
import { PartitionLeaders } from "./partition-leaders.ts";
import type { PipelineSettings } from "./pipeline-settings.ts";
import { nextRequest, partitionsByLeader } from "./produce-requests.ts";
import type { ProduceTransport } from "./produce-transport.ts";
import { RecordAccumulator } from "./record-accumulator.ts";
import { TurnMetadata } from "./turn-metadata.ts";
import { UnansweredRequests } from "./unanswered-requests.ts";
import { WakeTimer } from "./wake-timer.ts";

export class ProducePipeline {
  /**
   * The batches this pipeline sends: the producer appends to it and takes them back from it (record-accumulator.ts).
   */
  readonly accumulator: RecordAccumulator;
  private readonly leaders: PartitionLeaders;
  private readonly requests: InFlightRequests;
  private readonly id: ProducerIdentity = { producerId: -1n, epoch: -1 };
  private pumping = false;
  private again = false;
  private scheduled = false;
  private readonly timer: WakeTimer;
  private readonly settlement: BatchSettlement;
  private readonly unanswered: UnansweredRequests;
  private readonly metadata: TurnMetadata;
  /**
   * Made once, not per request: writes `b`'s producer id, epoch (the producer's plus its partition's bumps),
   * sequence.
   */
  private readonly stamp = (b: Batch, sequence: number): void =>
    this.transport.stamp(b.records, this.id.producerId, this.id.epoch + b.part.epochBump, sequence);
  private readonly wakeAt = (at: number): void => this.timer.wakeAt(at);

  constructor(
    private readonly transport: ProduceTransport,
    private readonly s: PipelineSettings,
    private readonly now: () => number = () => performance.now(),
  ) {
    const error = (m: string) => s.error(m, true);
    const maxMs = s.retryBackoffMaxMs ?? 1000;
    const random = s.random ?? Math.random;
    const backoff = (n: number) => kafkaClientBackoff(s.retryBackoffMs, maxMs, n, random);
    const maxAgeMs = s.metadataMaxAgeMs ?? 300_000;
    // Any metadata answer ends the run of failed asks (its one WARN): the next failure gives another.
    const answered = () => this.settlement.metadataAnswered();
    // A topic with a batch in its partitions' queues (waiting, or on the wire) is never forgotten as idle.
    const inUse = (topic: string) => this.accumulator.inUse(topic);
    const idleness = { maxIdleMs: s.metadataMaxIdleMs ?? 300_000, inUse };
    this.leaders = new PartitionLeaders(transport, s.retryBackoffMs, error, maxAgeMs, now, backoff, answered, idleness);
    this.settlement = new BatchSettlement(s, now, this.wakeAt, backoff);
    this.accumulator = new RecordAccumulator(s, this.settlement, now, () => this.scheduleTurn());
    this.timer = new WakeTimer(now, () => this.woken());
    this.unanswered = new UnansweredRequests({
      requestTimeoutMs: s.requestTimeoutMs ?? 30_000,
      address: (node) => transport.address?.(node),
      warnings: this.settlement.retryWarnings,
      wakeAt: this.wakeAt,
      error: s.error,
    });
    this.requests = new InFlightRequests(
      transport,
      this.settlement,
      this.leaders,
      this.id,
      this.stamp,
      () => void this.pump(),
      this.unanswered,
      now,
    );
    const send = (parts: Iterable<PartitionBatches>, at: number) => this.send(parts, at);
    this.metadata = new TurnMetadata(
      this.accumulator.partitions,
      this.leaders,
      this.settlement,
      this.id,
      this.wakeAt,
      send,
    );
  }

  /** Set once a batch failed for good: no new batch is taken. */
  get failure(): Error | undefined {
    return this.settlement.failure;
  }

  /**
   * While batches are retried here (not failed yet) for RETRY_GRACE_MS: the last failure
   * (BatchSettlement.retryFailure); else while a request has gone unanswered that long, that
   * (UnansweredRequests.failure).
   */
  get retryFailure(): Error | undefined {
    return this.settlement.retryFailure(this.accumulator.pending > 0) ?? this.unanswered.failure(this.now());
  }

  /** Batches refused alone so far (`append`'s `since`). */
  get refusals(): number {
    return this.settlement.refusals;
  }

  /** Gets the producer id unless it has one (idempotent); at connect, reports an unreachable cluster. */
  async start(): Promise<void> {
    if (!this.s.idempotent || this.id.producerId >= 0n) return;
    ({ producerId: this.id.producerId, producerEpoch: this.id.epoch } = await this.transport.initProducerId());
  }

  /** The connection to broker `node` closed: the leaders of its topics are asked again (PartitionLeaders.lost). */
  disconnected(node: number): void {
    if (!this.accumulator.closed) this.leaders.lost(node, this.now());
  }

  /** The partition count of `topic`, from metadata when not known yet (PartitionLeaders.count). */
  partitionCount(topic: string): Promise<number> {
    return this.leaders.count(topic);
  }

  /** Asks the cluster again how many partitions `topic` has (some were added since it was known). */
  recountPartitions(topic: string): Promise<void> {
    return this.leaders.recount(topic);
  }

  /** Forgets the topics idle past metadata.max.idle.ms when a sweep is due (PartitionLeaders.sweep: one comparison). */
  forgetIdleTopics(): void {
    this.leaders.sweep(this.now());
  }

  /** Keeps `topics` known while a send naming them waits to be admitted (PartitionLeaders.hold). */
  holdTopics(topics: Iterable<string>): () => void {
    return this.leaders.hold(topics);
  }

  /** Knows `topic` already (its partitions can be chosen without a metadata call). */
  knownPartitionCount(topic: string): number | undefined {
    return this.leaders.known(topic);
  }

  /** Each partition's leader of `topic` as last known (-1: none), when known: where keyless records may go. */
  partitionLeaders(topic: string): readonly number[] | undefined {
    return this.leaders.of(topic);
  }

  /** Later in this tick: the batches of one send (one per partition) go out in one request. */
  private scheduleTurn(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.pump();
    });
  }

  /**
   * Fails whatever is still pending, at once, and sends nothing more (an answer that comes later is ignored). A batch
   * on the wire now, or an earlier attempt of which got no answer, may still be written: it fails as such; the others
   * as never sent (NeverSentBatch).
   */
  close(reason: Error): void {
    this.timer.stop();
    this.unanswered.close();
    this.accumulator.close(reason);
  }

  /**
   * The wake timer fired: a delivery timeout, a retry's backoff or an unanswered request's grace is due. A pump turn
   * awaiting metadata or a producer id (a broker that accepts connections but never answers: its client's retries)
   * would hold them until it ends: the WARNs due and the expiry of the batches not on the wire (`settleDue`) are done
   * now, so that no send waits silently past delivery.timeout.ms behind it; the rest at the turn after it.
   */
  private woken(): void {
    if (this.pumping && !this.accumulator.closed) this.settleDue(this.now());
    void this.pump();
  }

  /**
   * What is due at `now` whatever else a turn does: the unanswered requests' WARN, a retry WARN the budget held back,
   * the batches past their deadline.
   */
  private settleDue(now: number): void {
    this.unanswered.check(now);
    this.settlement.retryWarnings.writeHeld(now);
    this.settlement.expire(this.accumulator.partitions.values(), now);
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      if (this.metadata.held && !this.accumulator.closed) this.metadata.sendBeside(this.now());
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        await this.pumpOnce();
      } while (this.again && !this.accumulator.closed);
    } finally {
      this.pumping = false;
    }
  }

  private async pumpOnce(): Promise<void> {
    if (this.accumulator.closed) return;
    const now = this.now();
    this.settleDue(now);
    if (this.s.idempotent && this.id.producerId < 0n)
      try {
        await this.start(); // only without an id: a running producer's pump does not wait a turn
      } catch (error) {
        return this.settlement.cannotSend(
          this.accumulator.partitions.values(),
          error,
          now,
          "Could not get a producer id",
        );
      }
    const asking = this.metadata.refresh(now);
    if (asking && !(await asking)) return;
    // A partition without a leader has its own topic asked again (TurnMetadata.refresh), not every topic (stale: a
    // forgotten topic's neighbours would otherwise be asked with it, then each alone), at the turn the refresh backoff
    // allows: the pipeline wakes then, not every retry.backoff.ms once the backoff has grown.
    // At the time after the ask (the turn may have awaited it for long): a node noted then, taking requests, is
    // available again (NodeAvailability.noted moves no time back).
    const sentAt = this.now();
    if (this.send(this.accumulator.partitions.values(), sentAt))
      this.wakeAt(this.leaders.refreshDeferredUntil(sentAt) ?? sentAt + this.s.retryBackoffMs);
  }

  /**
   * Sends the ready batches of `partitions` whose leader is known, as requests to each leader; true when some has no
   * leader known. A turn that awaits metadata calls it before, meanwhile (TurnMetadata.sendBeside) and after: a node is
   * noted at each, as by each of Java's Sender's polls, at the time of each.
   */
  private send(partitions: Iterable<PartitionBatches>, now: number): boolean {
    const { byNode, leaderless } = partitionsByLeader(partitions, this.leaders);
    const maxWireBytes = this.s.maxInFlightBytes ?? Number.POSITIVE_INFINITY;
    for (const [node, parts] of byNode) {
      // As Java's Sender: a node is noted only when a batch of it is ready, not one only waiting out its retry's
      // backoff (growing to retry.backoff.max.ms), and counts as drained when it takes requests: one went to it this
      // turn, or one was held back only by buffer.memory (shared by every broker: Java's client.ready ignores it), over
      // a connection that is up (client.ready: connected, a slot free). A slot free is not enough: until a partition's
      // first batch is written only that one is on the wire, so a broker that never answers, or never lets the
      // connection come up, keeps free slots.
      // Read before the requests go: as Java's ready, then drain.
      const ready = parts.some((part) => !part.backingOff(now));
      let sent = false;
      let heldByWire = false;
      while (this.requests.count(node) < this.s.maxInFlight) {
        const limits = { maxRequestBytes: this.s.maxRequestBytes, maxWireBytes, wireBytes: this.requests.wireBytes };
        const { batches, heldByWireBudget } = nextRequest(parts, now, limits, this.wakeAt, this.stamp);
        heldByWire ||= heldByWireBudget;
        if (batches.length === 0) break;
        this.requests.send(node, batches);
        sent = true;
      }
      if (ready) this.accumulator.noteReady(node, now, (sent || heldByWire) && this.transport.connected(node));
    }
    return leaderless;
  }
}
