/**
 * Test support (src/kafka/platformatic/produce-pipeline-fuzz.test.ts): a model of one Kafka broker as an idempotent producer meets it over connections
 * that break (ProducePipeline's randomized test). Per partition, as Kafka's ProducerStateManager
 * (since KIP-360): records are validated before the producer's sequence (a batch holding a label
 * of `invalid`, a keyless record on a compacted topic, is INVALID_RECORD); a producer without state
 * is written at any sequence; an older epoch is INVALID_PRODUCER_EPOCH; a newer one is written from
 * sequence 0 only; a duplicate of one of the last 5 batches answers that batch's offset; any other
 * gap is OUT_OF_ORDER_SEQUENCE_NUMBER.
 *
 * Connections: requests go on the newest connection; on each, the broker handles them in order
 * (`processNext`) and answers them in order (`answerNext`, or NOT_LEADER_OR_FOLLOWER unhandled);
 * connections interleave in any order. A `cut` loses every answer due on a connection (the pipeline
 * gets "Connection closed"); of its requests not handled yet, a first few may still be handled later
 * (`processStale`, in their order, answers lost: the broker reads what reached its socket), the rest
 * never. A `reconnect` opens a new connection while the older ones still answer what they carry (a
 * client whose pool replaced a connection it still reads). A request may fail before it is written
 * (`produce` rejects at once, marked requestNotWritten as PlatformaticTransport marks a refused connection), and
 * metadata may fail (retriably) or be held until the driver releases it (`releaseMetadata`: a broker that does not
 * answer it, a topic being created).
 *
 * Topics (`t` by default; the Topology can name more) have as many partitions each, led by brokers 1 to `nodes` in turn;
 * every broker's requests go over the same connections (a cut fails those of every broker on it), and the model counts
 * each broker's requests not answered yet (`mostOpen`: the most there ever were at once). With `moves`, leaders move: a
 * request answered NOT_LEADER_OR_FOLLOWER (`notLeader`) moves its partitions' leader to the next broker, metadata
 * tells of a move only per chance (a lagging cluster), and a broker answers NOT_LEADER_OR_FOLLOWER for a partition it
 * does not lead; the model counts the requests written during a metadata ask that carry a partition answered
 * NOT_LEADER_OR_FOLLOWER since the last ask begun after such an answer (`sentMarkedDuringAsk`: the pipeline's stale
 * mark about it holds them back until then).
 */
import { NetworkError } from "@platformatic/kafka";
import {
  markRequestNotWritten,
  type OutgoingBatch,
  type PartitionAnswer,
  type ProduceTransport,
} from "../../src/kafka/platformatic/produce-transport.ts";
import { stampRecordBatch } from "../../src/kafka/platformatic/record-batch.ts";
import type { Prng } from "./prng.ts";

const INVALID_RECORD = 87;
const INVALID_PRODUCER_EPOCH = 47;
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const NOT_LEADER_OR_FOLLOWER = 6;
/** Batches per producer and partition whose duplicates the broker recognises (Kafka's NUM_BATCHES_TO_RETAIN). */
const CACHED_BATCHES = 5;

/** How often each fault happens (probabilities per chance). */
export interface Faults {
  /** A request fails before it is written (not handled). */
  readonly failBeforeWrite: number;
  /** The connection is cut right after a request is written (every answer due on it lost). */
  readonly cutAfterWrite: number;
  /** A metadata request fails (retriably). */
  readonly metadataFailure: number;
  /** A new connection is opened, the older ones still live (per chance). */
  readonly reconnect: number;
  /** A request is answered NOT_LEADER_OR_FOLLOWER, unhandled (per chance). */
  readonly notLeader: number;
  /**
   * The answers of one read reach the pipeline through promise chains of different lengths (per
   * chance a step answers several requests of a connection at once, each a random 0 to 2 microtasks
   * late): a later request's answer may be handled first, as PlatformaticTransport's requests that
   * had waited for their connection reached the pipeline a microtask after those sent on it directly
   * (until 0115b83; the pipeline must not depend on it).
   */
  readonly answersOutOfOrder: number;
  /** A metadata request is held until the driver releases it (per chance). */
  readonly holdMetadata?: number;
}

/** The topics and brokers of the model (one topic `t`, one broker, by default). */
export interface Topology {
  readonly topics: readonly string[];
  readonly nodes: number;
  /** Leaders move on NOT_LEADER_OR_FOLLOWER (see the header). */
  readonly moves?: boolean;
}

/** One batch of a request, as the broker read it. */
interface WireBatch {
  readonly topic: string;
  readonly partition: number;
  readonly labels: readonly number[];
  readonly epoch: number;
  readonly sequence: number;
}

export interface ModelRequest {
  readonly node: number;
  readonly batches: readonly WireBatch[];
  /** The broker's answers once it handled the request. */
  handled: PartitionAnswer[] | undefined;
  readonly resolve: (answers: readonly PartitionAnswer[]) => void;
  readonly reject: (error: unknown) => void;
}

interface ProducerState {
  epoch: number;
  lastSequence: number;
  readonly cached: { first: number; last: number; offset: number }[];
}

/** A fake record batch of one record per label, as produce-pipeline-test-support's `batch`. */
function labelsOf(records: Buffer): number[] {
  return Array.from({ length: records.readInt32BE(57) }, (_, i) => records.readInt32BE(61 + 4 * i));
}

export class ModelBroker implements ProduceTransport {
  /** Per partition (`slot`): the labels written, in log order. */
  readonly logs: number[][];
  /** Labels of records the broker refuses (INVALID_RECORD, with their batch). */
  readonly invalid = new Set<number>();
  /** Per live connection (the newest last), its requests not answered yet, in the order written. */
  readonly live: ModelRequest[][] = [[]];
  /** Per cut connection, the requests the broker will still handle (answers lost), in order. */
  readonly stale: ModelRequest[][] = [];
  /** Every error code answered on a live connection. */
  readonly answered: number[] = [];
  /** The connection of the request just written breaks (at the driver's next step). */
  cutDue: ModelRequest[] | undefined;
  /** Per broker: its requests written and not answered (nor failed) yet. */
  private readonly open = new Map<number, number>();
  /** The most requests a broker had not answered at once. */
  mostOpen = 0;
  /** Requests written while a metadata request was held. */
  sentWhileHeld = 0;
  /** The metadata requests held (`holdMetadata`), each answered by calling it. */
  private readonly heldAsks: (() => void)[] = [];
  /** Per partition (`slot`): its leader now, and the one metadata answers (`moves`: lagging). */
  private readonly leaderOf: number[];
  private readonly published: number[];
  /** Metadata asks begun so far, and those not answered (nor failed) yet. */
  private asksBegun = 0;
  private asking = 0;
  /** Partitions (`slot`) answered NOT_LEADER_OR_FOLLOWER, with `asksBegun` then, until an ask begun after answers. */
  private readonly answeredNotLeader = new Map<number, number>();
  /** Requests sent (written or failing before) during an ask carrying a partition of `answeredNotLeader`. */
  sentMarkedDuringAsk = 0;
  /** Leaders moved (`moves`). */
  moved = 0;
  private readonly states: (ProducerState | undefined)[];

  constructor(
    private readonly partitions: number,
    private readonly random: Prng["random"],
    private readonly faults: Faults,
    /** Told what happens (a failing seed's story). */
    private readonly trace?: (line: string) => void,
    private readonly topology: Topology = { topics: ["t"], nodes: 1 },
  ) {
    const slots = partitions * topology.topics.length;
    this.logs = Array.from({ length: slots }, () => []);
    this.states = Array.from({ length: slots }, () => undefined);
    this.leaderOf = Array.from({ length: slots }, (_, slot) => 1 + (slot % topology.nodes));
    this.published = [...this.leaderOf];
  }

  /** Where a partition's log and producer state are kept (`logs`). */
  slot(topic: string, partition: number): number {
    return this.topology.topics.indexOf(topic) * this.partitions + partition;
  }

  /** Metadata requests held, not answered yet. */
  get heldMetadata(): number {
    return this.heldAsks.length;
  }

  /** The held metadata requests answer. */
  releaseMetadata(): boolean {
    this.trace?.(`${this.heldAsks.length} metadata requests answer`);
    for (const answer of this.heldAsks.splice(0)) answer();
    return true;
  }

  /** Requests written and not answered yet, on every live connection. */
  get pending(): number {
    let n = 0;
    for (const c of this.live) n += c.length;
    return n;
  }

  async leaders(topics: readonly string[], refresh: boolean): Promise<Map<string, readonly number[]>> {
    const begun = ++this.asksBegun;
    this.asking++;
    try {
      if (refresh && this.random() < this.faults.metadataFailure) {
        this.trace?.("metadata fails");
        throw new NetworkError("Connection closed");
      }
      if (this.faults.holdMetadata && this.random() < this.faults.holdMetadata) {
        this.trace?.(`metadata for ${topics.join()} held`);
        await new Promise<void>((resolve) => this.heldAsks.push(resolve));
      }
      if (this.topology.moves)
        for (let slot = 0; slot < this.leaderOf.length; slot++)
          if (this.random() < 0.6) this.published[slot] = this.leaderOf[slot]!;
      // As the pipeline's refresh clears every stale mark set before it began (whatever topics it asked).
      for (const [slot, asks] of this.answeredNotLeader) if (asks < begun) this.answeredNotLeader.delete(slot);
      const leaders = (t: string) =>
        Array.from({ length: this.partitions }, (_, p) => this.published[this.slot(t, p)]!);
      return new Map(topics.map((t) => [t, leaders(t)]));
    } finally {
      this.asking--;
    }
  }

  async initProducerId(): Promise<{ producerId: bigint; producerEpoch: number }> {
    return { producerId: 1000n, producerEpoch: 0 };
  }

  stamp(records: Buffer, producerId: bigint, epoch: number, sequence: number): void {
    stampRecordBatch(records, producerId, epoch, sequence);
  }

  connected(): boolean {
    return true;
  }

  produce(node: number, batches: readonly OutgoingBatch[]): Promise<readonly PartitionAnswer[] | null> {
    // What the broker reads is the bytes as written now (a later stamp must not change them).
    const read = batches.map((b) => ({
      topic: b.topic,
      partition: b.partition,
      labels: labelsOf(b.records),
      epoch: b.records.readInt16BE(51),
      sequence: b.records.readInt32BE(53),
    }));
    if (this.asking > 0 && read.some((b) => this.answeredNotLeader.has(this.slot(b.topic, b.partition)))) {
      this.trace?.("  sent during an ask, carrying a partition answered NOT_LEADER_OR_FOLLOWER before it");
      this.sentMarkedDuringAsk++;
    }
    if (this.random() < this.faults.failBeforeWrite) {
      this.trace?.(`fails before it is written: ${JSON.stringify(read)}`);
      return Promise.reject(markRequestNotWritten(new NetworkError("Connection refused")));
    }
    const { promise, resolve, reject } = Promise.withResolvers<readonly PartitionAnswer[]>();
    const connection = this.live.length - 1;
    this.trace?.(`written on connection ${connection} to ${node}: ${JSON.stringify(read)}`);
    const open = (this.open.get(node) ?? 0) + 1;
    this.open.set(node, open);
    this.mostOpen = Math.max(this.mostOpen, open);
    if (this.heldAsks.length > 0) this.sentWhileHeld++;
    const closed = () => this.open.set(node, this.open.get(node)! - 1);
    this.live[connection]!.push({
      node,
      batches: read,
      handled: undefined,
      resolve: (answers) => {
        closed();
        resolve(answers);
      },
      reject: (error) => {
        closed();
        reject(error);
      },
    });
    if (this.random() < this.faults.cutAfterWrite) this.cutDue = this.live[connection];
    return promise;
  }

  /** A live connection with requests (the newest more often), or undefined. */
  private busy(): ModelRequest[] | undefined {
    const busy = this.live.filter((c) => c.length > 0);
    if (busy.length === 0) return undefined;
    return this.random() < 0.5 ? busy.at(-1) : busy[Math.floor(this.random() * busy.length)];
  }

  /** The broker handles the next request of a connection not handled yet. */
  processNext(): boolean {
    const next = this.busy()?.find((r) => !r.handled);
    if (!next) return false;
    this.handle(next);
    return true;
  }

  /**
   * The oldest request of a connection is answered (handled first when it was not yet); per chance
   * (`answersOutOfOrder`) the next ones too, in one read, each reaching the pipeline 0 to 2 microtasks late.
   */
  answerNext(): boolean {
    const connection = this.busy();
    if (!connection || connection.length === 0) return false;
    const burst = this.random() < this.faults.answersOutOfOrder ? 1 + Math.floor(this.random() * 3) : 1;
    for (const head of connection.splice(0, burst)) {
      if (!head.handled) this.handle(head);
      const answers = head.handled!;
      for (const a of answers) this.answered.push(a.errorCode);
      this.trace?.(`answered: ${JSON.stringify(answers.map((a) => [a.partition, a.errorCode, a.baseOffset]))}`);
      let late = burst > 1 ? Math.floor(this.random() * 3) : 0;
      const deliver = () => (late-- > 0 ? queueMicrotask(deliver) : this.deliver(head, answers));
      deliver();
    }
    return true;
  }

  /** The oldest request of a connection, not handled yet, is answered NOT_LEADER_OR_FOLLOWER. */
  notLeader(): boolean {
    const connection = this.busy();
    const head = connection?.[0];
    if (!head || head.handled) return false;
    connection!.shift();
    this.trace?.(`answered NOT_LEADER_OR_FOLLOWER: ${JSON.stringify(head.batches)}`);
    for (const b of head.batches) {
      const slot = this.slot(b.topic, b.partition);
      if (!this.topology.moves || this.leaderOf[slot] !== head.node) continue;
      this.leaderOf[slot] = 1 + (head.node % this.topology.nodes);
      this.moved++;
      this.trace?.(`  ${b.topic}-${b.partition}'s leader moves to ${this.leaderOf[slot]}`);
    }
    this.deliver(
      head,
      head.batches.map((b) => this.answer(b, NOT_LEADER_OR_FOLLOWER, -1)),
    );
    return true;
  }

  /** `r`'s answers reach the pipeline (a NOT_LEADER_OR_FOLLOWER among them is noted: `sentMarkedDuringAsk`). */
  private deliver(r: ModelRequest, answers: PartitionAnswer[]): void {
    for (const a of answers)
      if (a.errorCode === NOT_LEADER_OR_FOLLOWER)
        this.answeredNotLeader.set(this.slot(a.topic, a.partition), this.asksBegun);
    r.resolve(answers);
  }

  /** New requests go on a new connection; the older ones go on answering theirs. */
  reconnect(): true {
    this.trace?.("reconnect");
    this.live.push([]);
    return true;
  }

  /** `connection` (the newest by default) breaks: its answers are lost; a first few requests not handled yet still will be. */
  cut(connection: ModelRequest[] | undefined = this.live.at(-1)): true {
    if (this.cutDue === connection) this.cutDue = undefined;
    const at = this.live.indexOf(connection!);
    if (at < 0) return true;
    const lost = connection!.splice(0);
    if (at === this.live.length - 1) this.live.push([]);
    this.live.splice(at, 1);
    const unhandled = lost.filter((r) => !r.handled);
    const reaching = Math.floor(this.random() * (unhandled.length + 1));
    if (reaching > 0) this.stale.push(unhandled.slice(0, reaching));
    this.trace?.(`cut: ${lost.length} answers lost, ${reaching} requests still to be handled`);
    for (const r of lost) r.reject(new NetworkError("Connection closed"));
    return true;
  }

  /** A request of a cut connection is handled now (its answer lost). */
  processStale(): boolean {
    if (this.stale.length === 0) return false;
    const at = Math.floor(this.random() * this.stale.length);
    const queue = this.stale[at]!;
    const r = queue.shift()!;
    if (queue.length === 0) this.stale.splice(at, 1);
    this.trace?.("a request of a cut connection is handled");
    this.handle(r);
    return true;
  }

  private handle(r: ModelRequest): void {
    r.handled = r.batches.map((b) => {
      const leads = !this.topology.moves || this.leaderOf[this.slot(b.topic, b.partition)] === r.node;
      const a = leads ? this.append(b) : this.answer(b, NOT_LEADER_OR_FOLLOWER, -1);
      const log = this.logs[this.slot(b.topic, b.partition)]!;
      this.trace?.(`  ${JSON.stringify(b)} -> ${a.errorCode} ${a.baseOffset}; log ${log.join()}`);
      return a;
    });
  }

  private answer(b: WireBatch, errorCode: number, baseOffset: number): PartitionAnswer {
    return { topic: b.topic, partition: b.partition, errorCode, baseOffset };
  }

  private append(b: WireBatch): PartitionAnswer {
    if (b.labels.some((l) => this.invalid.has(l))) return this.answer(b, INVALID_RECORD, -1);
    const slot = this.slot(b.topic, b.partition);
    const log = this.logs[slot]!;
    const last = b.sequence + b.labels.length - 1;
    const write = (state: ProducerState) => {
      const offset = log.length;
      log.push(...b.labels);
      state.epoch = b.epoch;
      state.lastSequence = last;
      state.cached.push({ first: b.sequence, last, offset });
      if (state.cached.length > CACHED_BATCHES) state.cached.shift();
      return this.answer(b, 0, offset);
    };
    const state = this.states[slot];
    if (!state) {
      const fresh: ProducerState = { epoch: b.epoch, lastSequence: last, cached: [] };
      this.states[slot] = fresh;
      return write(fresh);
    }
    if (b.epoch < state.epoch) return this.answer(b, INVALID_PRODUCER_EPOCH, -1);
    if (b.epoch > state.epoch) {
      if (b.sequence !== 0) return this.answer(b, OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
      state.cached.splice(0);
      return write(state);
    }
    const duplicate = state.cached.find((c) => c.first === b.sequence && c.last === last);
    if (duplicate) return this.answer(b, 0, duplicate.offset);
    if (b.sequence !== state.lastSequence + 1) return this.answer(b, OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
    return write(state);
  }
}
