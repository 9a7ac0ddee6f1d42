/**
 * What the batches of one Fetch answer may decompress to in total, on both Kafka clients (the
 * platformatic adapter's batch-decoding.ts, the kafkajs adapter's codecs.ts): the consumer's bound
 * on one batch (batch-integrity.ts `maxBatchBytes`: the larger of `fetch.max.bytes` and 256 MiB).
 * Without it one answer of small batches that each expand to the bound (gzip bombs: ~50 in a
 * 1 MiB answer) would be held decompressed at once, ~50 × 256 MiB.
 *
 * The first compressed batch of an answer may take the whole bound (over it, the batch is invalid:
 * record-codecs.ts `DecompressedSizeError`). A later one that would take the answer past the bound
 * is not decompressed: it and what follows it in its partition are dropped from the answer and
 * fetched again once the records before them are taken, as Java's fetch buffer holds back the rest
 * of a fetch until the records already read are consumed. So a legitimate large fetch is read
 * whole, over several fetches, and an answer never holds more than the bound decompressed.
 */
import { DecompressedSizeError, decompressRecords } from "./record-codecs.ts";

export class DecompressionBudget {
  private used = 0;
  private full = false;

  constructor(private readonly max: number) {}

  /**
   * The records of a batch whose attributes name codec `id`, decompressed; null when they are held
   * back (the answer's bound is spent): the batch is fetched again. Throws as `decompressRecords`.
   */
  decompress(id: number, compressed: Buffer): Buffer | null {
    const first = this.used === 0;
    if (!first && this.used >= this.max) this.full = true;
    if (this.full) return null;
    try {
      const records = decompressRecords(id, compressed, this.max - this.used);
      this.used += records.length;
      return records;
    } catch (e) {
      if (first || !(e instanceof DecompressedSizeError)) throw e;
      this.full = true;
      return null;
    }
  }
}
