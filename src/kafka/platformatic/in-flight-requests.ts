/**
 * InFlightRequests: ProducePipeline's Produce requests on the wire, as Java's InFlightRequests with
 * the Sender's completion handler. Counts the requests per broker (max.in.flight) and their bytes
 * over all brokers (buffer.memory), sends each over the ProduceTransport and settles its batches on
 * the answer: each batch's verdict (PartitionBatches.verdict) goes to BatchSettlement; a request
 * that failed as a whole (no answer) has its batches retried after new metadata. Then `answered`
 * (the pipeline's pump) sends what may go next. UnansweredRequests learns when each request went and came back.
 */
import type { BatchSettlement } from "./batch-settlement.ts";
import { type Batch, partitionKey } from "./partition-batches.ts";
import type { PartitionLeaders } from "./partition-leaders.ts";
import { type PartitionAnswer, type ProduceTransport, requestNotWritten } from "./produce-transport.ts";
import type { UnansweredRequests } from "./unanswered-requests.ts";

/** The producer id and epoch the pipeline's batches are stamped with (set by ProducePipeline.start). */
export interface ProducerIdentity {
  producerId: bigint;
  epoch: number;
}

export class InFlightRequests {
  private readonly perNode = new Map<number, number>();
  /** Record bytes of the requests on the wire, over all brokers. */
  wireBytes = 0;
  /** Made once: stamps a split's piece with its sequence, as the pipeline stamps every batch. */
  private readonly stampPiece = (piece: Batch): void => this.stamp(piece, piece.sequence);

  constructor(
    private readonly transport: ProduceTransport,
    private readonly settlement: BatchSettlement,
    private readonly leaders: PartitionLeaders,
    private readonly id: ProducerIdentity,
    /** The pipeline's stamp: writes a batch's producer id, epoch and `sequence` into its records. */
    private readonly stamp: (b: Batch, sequence: number) => void,
    private readonly answered: () => void,
    private readonly unanswered: UnansweredRequests,
    private readonly now: () => number,
  ) {}

  /** Requests on the wire to broker `node`. */
  count(node: number): number {
    return this.perNode.get(node) ?? 0;
  }

  /** Sends one request of `batches` (marked sent, at most one per partition) to broker `node`. */
  send(node: number, batches: Batch[]): void {
    this.perNode.set(node, (this.perNode.get(node) ?? 0) + 1);
    let bytes = 0;
    for (const b of batches) bytes += b.records.length;
    this.wireBytes += bytes;
    const outgoing = batches.map((b) => ({ topic: b.part.topic, partition: b.part.partition, records: b.records }));
    const onWire = this.unanswered.sent(node, this.now());
    let answered: Promise<readonly PartitionAnswer[] | null>;
    try {
      answered = this.transport.produce(node, outgoing);
    } catch (error) {
      // Thrown, not rejected (a library's connection pool, say): the request failed as a whole. A
      // throw here would reject the pipeline's pump, which nothing awaits, and hold these batches
      // on the wire for ever.
      answered = Promise.reject(error);
    }
    answered.then(
      (answers) => {
        this.wireBytes -= bytes;
        this.unanswered.answered(onWire);
        this.onAnswers(node, batches, answers);
      },
      (error) => {
        this.wireBytes -= bytes;
        this.unanswered.answered(onWire);
        this.onRequestFailed(node, batches, error, onWire.since);
      },
    );
  }

  private onAnswers(node: number, batches: Batch[], answers: readonly PartitionAnswer[] | null): void {
    this.perNode.set(node, (this.perNode.get(node) ?? 1) - 1);
    const byKey = new Map<string, PartitionAnswer>();
    for (const a of answers ?? []) byKey.set(partitionKey(a.topic, a.partition), a);
    const { settlement, id } = this;
    for (const b of batches) {
      b.wentOut = true;
      if (b.state !== "inflight") continue; // failed meanwhile with an earlier batch
      if (answers === null) {
        settlement.succeed(b, -1);
        continue;
      }
      const a = byKey.get(partitionKey(b.part.topic, b.part.partition));
      const code = a?.errorCode ?? 13; // no answer for it: as a network error
      const verdict = b.part.verdict(b, code);
      if (verdict === "written") settlement.succeed(b, a!.baseOffset);
      else if (verdict === "split") settlement.split(b, code, a?.errorMessage, this.stampPiece);
      else if (verdict === "not-sent") settlement.notSent(b);
      else if (verdict === "reset") settlement.restart(b, code, a?.errorMessage, id.epoch);
      else if (verdict === "refused") settlement.refuse(b, code, a?.errorMessage, id.epoch);
      else if (verdict === "fatal") settlement.reject(b, code, a?.errorMessage);
      else {
        // Its leader moved (as far as this answer says): only this partition waits for new metadata.
        const { topic, partition } = b.part;
        if (verdict === "retry-after-metadata") this.leaders.markStale({ topic, partition });
        settlement.retry(b, code, a?.errorMessage);
      }
    }
    this.answered();
  }

  /** `sentAt`: when the request went; its batches' run of retries counts from it (UnansweredRequests reported it until now). */
  private onRequestFailed(node: number, batches: Batch[], error: unknown, sentAt: number): void {
    this.perNode.set(node, (this.perNode.get(node) ?? 1) - 1);
    this.leaders.markStale({ node });
    const wentOut = !requestNotWritten(error);
    for (const b of batches) {
      b.wentOut ||= wentOut;
      if (b.state === "inflight") this.settlement.retry(b, -1, null, error, undefined, sentAt);
    }
    this.answered();
  }
}
