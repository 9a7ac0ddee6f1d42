/**
 * Batch splitting: what ProducePipeline does when the broker answers MESSAGE_TOO_LARGE for a batch
 * of more than one record, as Java's Sender.completeBatch and RecordAccumulator.splitAndReenqueue
 * do. The records are encoded again as smaller batches (pieces) that take the big batch's place in
 * its partition, with the big batch's sequence range (piece i starts where piece i-1 ends, so the
 * sequences of later batches stay valid) and its delivery timeout; a split is not a retry (attempts
 * start again at 0). The big batch settles once every piece has: with each record's offset, or with
 * the first failure and which records were written all the same (`PartlyWrittenBatch`).
 *
 * Pieces are at most batch.size bytes (Java's rule) and at most half the records' bytes, so each
 * split makes progress even when batch.size is above the topic's max.message.bytes (Java used to
 * split such a batch into itself for ever, KAFKA-8350; since its fix it halves a batch that was
 * split before, one round trip later than here). A single record that is too large cannot be
 * split: it fails with MESSAGE_TOO_LARGE. Used by BatchSettlement.split (splitBatch) and
 * PlatformaticProducer (recordSplitter, which the pipeline calls back).
 */
import { NotSentError, type ProducerRecord } from "../kafka-port.ts";
import type { Batch, BatchOutcome, SplitRecords } from "./partition-batches.ts";
import { encodeRecordBatch } from "./record-batch.ts";

/** A split batch failed: `offsets[i]` is record i's offset when its piece was written, else null. */
export class PartlyWrittenBatch extends Error {
  override name = "PartlyWrittenBatch";

  constructor(
    override readonly cause: Error,
    readonly offsets: readonly (number | null)[],
  ) {
    super(cause.message, { cause });
  }
}

/** Record sizes in a batch, about (Kafka's per-record overhead is at most a few varints). */
function recordBytes(r: ProducerRecord): number {
  let n = 16 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) n += 8 + h.key.length + (h.value?.length ?? 0);
  return n;
}

/**
 * Cuts `sizes` (in order) into runs of at most `targetBytes` (a larger record alone), never fewer
 * than two runs for two or more records: each run is [start, end).
 */
export function cutRuns(sizes: readonly number[], targetBytes: number): [number, number][] {
  let total = 0;
  for (const s of sizes) total += s;
  const limit = Math.max(1, Math.min(targetBytes, Math.ceil(total / 2)));
  const runs: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < sizes.length; i++) {
    if (i > start && bytes + sizes[i]! > limit) {
      runs.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += sizes[i]!;
  }
  if (sizes.length > 0) runs.push([start, sizes.length]);
  return runs;
}

/**
 * How the records `records[indexes[i]]` of one batch are encoded again in pieces (`now`: the
 * timestamp the batch gave records without one, so a split keeps it).
 */
export function recordSplitter(
  records: readonly ProducerRecord[],
  indexes: readonly number[],
  now: number,
  gzip: boolean,
): SplitRecords {
  return (targetBytes) =>
    cutRuns(
      indexes.map((i) => recordBytes(records[i]!)),
      targetBytes,
    ).map(([start, end]) => {
      const sub = indexes.slice(start, end);
      const encoded = encodeRecordBatch(records, sub, now, gzip);
      return {
        records: encoded.buffer,
        count: encoded.count,
        ...(sub.length > 1 ? { split: recordSplitter(records, sub, now, gzip) } : {}),
      };
    });
}

/**
 * The pieces of `big`, not yet in its partition's queue (PartitionBatches.replace puts them there
 * and gives them their sequences); `big` settles once they all have.
 */
export function splitBatch(big: Batch, targetBytes: number): Batch[] {
  const pieces = big.split!(targetBytes);
  const offsets: (number | null)[] = new Array(big.count).fill(null);
  let remaining = pieces.length;
  let failure: Error | undefined;
  const settled = () => {
    if (--remaining > 0) return;
    if (failure === undefined) big.settle(offsets as number[]);
    else big.settle(offsets.some((o) => o !== null) ? new PartlyWrittenBatch(failure, offsets) : failure);
  };
  let position = 0;
  return pieces.map((piece) => {
    const start = position;
    position += piece.count;
    const settle = (result: BatchOutcome) => {
      if (typeof result === "number") {
        for (let j = 0; j < piece.count; j++) offsets[start + j] = result < 0 ? -1 : result + j;
      } else if (Array.isArray(result)) {
        for (let j = 0; j < piece.count; j++) offsets[start + j] = result[j]!;
      } else {
        const error = result instanceof PartlyWrittenBatch ? result.cause : (result as Error);
        if (result instanceof PartlyWrittenBatch)
          for (let j = 0; j < piece.count; j++) offsets[start + j] = result.offsets[j]!;
        // The culprit's error rather than that of a piece only not sent because of it.
        if (failure === undefined || (failure instanceof NotSentError && !(error instanceof NotSentError)))
          failure = error;
      }
      settled();
    };
    return {
      part: big.part,
      records: piece.records,
      count: piece.count,
      deadline: big.deadline,
      settle,
      state: "waiting",
      sequence: -1,
      generation: big.generation,
      retryAt: 0,
      attempts: 0,
      ...(piece.split ? { split: piece.split } : {}),
    } satisfies Batch;
  });
}
