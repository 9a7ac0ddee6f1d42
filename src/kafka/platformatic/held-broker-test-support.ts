/** Test support: a fake Kafka broker for produce tests that answers requests when the test says. */
import { ProtocolError } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { OutgoingBatch, PartitionAnswer, ProduceTransport } from "./produce-transport.ts";
import { stampRecordBatch } from "./record-batch.ts";
import { batchRecords } from "./record-batch-pieces.ts";

/** The values of a batch's records (upper-case words; keys are lower-case). */
const valuesOf = (b: Buffer) => batchRecords(b).map((r) => /[A-Z]+/.exec(r.rest.toString("latin1"))![0]);

/**
 * One broker for every partition, checking sequences as Kafka does (a new epoch starts at 0);
 * two partitions per topic; refuses a batch holding "BAD" (INVALID_RECORD), and the metadata of the
 * `refusedTopics` (topic → Kafka's error name, e.g. INVALID_TOPIC_EXCEPTION); answers requests when
 * the test says.
 */
export class HeldBroker implements ProduceTransport {
  readonly pending: { batches: readonly OutgoingBatch[]; resolve: (a: PartitionAnswer[]) => void }[] = [];
  /** Values written per `topic-partition`, in log order. */
  readonly logs = new Map<string, string[]>();
  private readonly state = new Map<string, { epoch: number; next: number }>();
  constructor(private readonly refusedTopics: Readonly<Record<string, string>> = {}) {}
  async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    const refused = topics.find((t) => t in this.refusedTopics);
    if (refused !== undefined) throw new ProtocolError(this.refusedTopics[refused]!);
    return new Map(topics.map((t) => [t, [1, 1]]));
  }
  async initProducerId() {
    return { producerId: 7n, producerEpoch: 0 };
  }
  stamp(records: Buffer, producerId: bigint, epoch: number, sequence: number): void {
    stampRecordBatch(records, producerId, epoch, sequence);
  }
  connected(): boolean {
    return true;
  }
  produce(_node: number, batches: readonly OutgoingBatch[]): Promise<PartitionAnswer[]> {
    const { promise, resolve } = Promise.withResolvers<PartitionAnswer[]>();
    this.pending.push({ batches: batches.map((b) => ({ ...b, records: Buffer.from(b.records) })), resolve });
    return promise;
  }
  /** Answers the oldest request; `codes`: an error code per `topic-partition` instead of handling it. */
  answerNext(codes: Readonly<Record<string, number>> = {}): void {
    const { batches, resolve } = this.pending.shift()!;
    resolve(
      batches.map((b) => {
        const code = codes[`${b.topic}-${b.partition}`];
        return code === undefined
          ? this.append(b)
          : { topic: b.topic, partition: b.partition, errorCode: code, baseOffset: -1 };
      }),
    );
  }
  /** Answers every request, as they come, until `done` settles. */
  async answerUntil(done: Promise<unknown>): Promise<void> {
    let settled = false;
    void done.finally(() => {
      settled = true;
    });
    while (!settled) {
      await waitFor(() => settled || this.pending.length > 0);
      if (this.pending.length > 0) this.answerNext();
    }
  }
  private append(b: OutgoingBatch): PartitionAnswer {
    const key = `${b.topic}-${b.partition}`;
    const values = valuesOf(b.records);
    const answer = (errorCode: number, baseOffset = -1) => ({
      topic: b.topic,
      partition: b.partition,
      errorCode,
      baseOffset,
    });
    if (values.includes("BAD")) return answer(87);
    const epoch = b.records.readInt16BE(51);
    const sequence = b.records.readInt32BE(53);
    const known = this.state.get(key);
    if (known && epoch < known.epoch) return answer(47);
    if (known && (epoch > known.epoch ? sequence !== 0 : sequence !== known.next)) return answer(45);
    this.state.set(key, { epoch, next: sequence + values.length });
    const log = this.logs.get(key) ?? [];
    this.logs.set(key, log);
    log.push(...values);
    return answer(0, log.length - values.length);
  }
}
