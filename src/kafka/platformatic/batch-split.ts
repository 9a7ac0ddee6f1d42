/**
 * Batch splitting: what ProducePipeline does when the broker answers MESSAGE_TOO_LARGE for a batch
 * of more than one record, as Java's Sender.completeBatch and RecordAccumulator.splitAndReenqueue
 * do. Its records are cut into smaller batches (pieces, from its own bytes: record-batch-pieces.ts)
 * that take the big batch's place in its partition, with the big batch's sequence range (piece i
 * starts where piece i-1 ends, so the sequences of later batches stay valid) and its delivery
 * timeout; a split is not a retry (attempts start again at 0). The big batch settles once every piece has: with each record's offset, or with
 * the first failure and which records were written all the same (`PartlyWrittenBatch`).
 *
 * Pieces are at most batch.size bytes (Java's rule) and at most half the records' bytes, so each
 * split makes progress even when batch.size is above the topic's max.message.bytes (Java used to
 * split such a batch into itself for ever, KAFKA-8350; since its fix it halves a batch that was
 * split before, one round trip later than here). A single record that is too large cannot be
 * split: it fails with MESSAGE_TOO_LARGE. Used by BatchSettlement.split (splitBatch) and
 * PlatformaticProducer (batchSplitter, which the pipeline calls back).
 */
import type { Compression } from "../record-codecs.ts";
import { NotSentError } from "../send-rejection.ts";
import type { Batch, BatchOutcome, SplitRecords } from "./partition-batches.ts";
import { batchPiece, batchRecords, encodedRecordBytes } from "./record-batch-pieces.ts";

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
 * How the encoded batch `batch` splits: pieces cut from its records (record-batch-pieces.ts),
 * compressed with `compression`, the producer's, which encoded `batch`.
 */
export function batchSplitter(batch: Buffer, compression: Compression): SplitRecords {
  return (targetBytes) => {
    const records = batchRecords(batch);
    return cutRuns(records.map(encodedRecordBytes), targetBytes).map(([start, end]) => {
      const piece = batchPiece(batch, records.slice(start, end), compression);
      const split = end - start > 1 ? { split: batchSplitter(piece, compression) } : {};
      return { records: piece, count: end - start, ...split };
    });
  };
}

/**
 * The pieces of `big`, not yet in its partition's queue (PartitionBatches.replace puts them there
 * and gives them their sequences); `big` settles once they all have.
 */
export function splitBatch(big: Batch, targetBytes: number): Batch[] {
  const pieces = big.split!(targetBytes);
  const settles = pieceSettlers(
    big.settle,
    big.count,
    pieces.map((p) => p.count),
  );
  return pieces.map((piece, i) => {
    const made: Batch = {
      part: big.part,
      records: piece.records,
      count: piece.count,
      deadline: big.deadline,
      // A piece an attempt of which may have been written makes `big` so: its failure is then not "refused unwritten".
      settle: (result) => {
        if (made.uncertain) big.uncertain = true;
        settles[i]!(result);
      },
      state: "done",
      sequence: -1,
      place: -1,
      generation: big.generation,
      retryAt: 0,
      attempts: 0,
      uncertain: big.uncertain,
      // Never read: a piece's outcome goes through the big batch's settle, which reads the big batch's own (true:
      // it was answered MESSAGE_TOO_LARGE before it was split).
      wentOut: big.wentOut,
      settled: false,
      ...(piece.split ? { split: piece.split } : {}),
    };
    return made;
  });
}

/**
 * How each piece (of `counts[i]` records) settles; once all have, `settle` gets the big batch's
 * outcome. Only `settle` and numbers are kept here (a piece's settle also marks the big batch
 * uncertain: splitBatch; the pipeline's settle of a batch holds it anyway).
 */
function pieceSettlers(
  settle: (outcome: BatchOutcome) => void,
  count: number,
  counts: readonly number[],
): ((result: BatchOutcome) => void)[] {
  const offsets: (number | null)[] = new Array(count).fill(null);
  let remaining = counts.length;
  let failure: Error | undefined;
  const settled = () => {
    if (--remaining > 0) return;
    if (failure === undefined) settle(offsets as number[]);
    else settle(offsets.some((o) => o !== null) ? new PartlyWrittenBatch(failure, offsets) : failure);
  };
  let position = 0;
  return counts.map((n) => {
    const start = position;
    position += n;
    return (result: BatchOutcome) => {
      if (typeof result === "number") {
        for (let j = 0; j < n; j++) offsets[start + j] = result < 0 ? -1 : result + j;
      } else if (Array.isArray(result)) {
        for (let j = 0; j < n; j++) offsets[start + j] = result[j]!;
      } else {
        const error = result instanceof PartlyWrittenBatch ? result.cause : (result as Error);
        if (result instanceof PartlyWrittenBatch) for (let j = 0; j < n; j++) offsets[start + j] = result.offsets[j]!;
        // The culprit's error rather than that of a piece only not sent because of it.
        if (failure === undefined || (failure instanceof NotSentError && !(error instanceof NotSentError)))
          failure = error;
      }
      settled();
    };
  });
}
