/**
 * kafkajs 2.2.4 reads and writes gzip only: a batch in Snappy, LZ4 or zstd (what Java producers
 * write with compression.type snappy, lz4, zstd) failed the consumer ("… compression not
 * implemented") and so the sink task. Its CompressionCodecs registry takes the codecs of
 * record-codecs.ts, the ones the @platformatic/kafka adapter uses, for every codec (gzip too, so
 * both adapters read and write alike). The registry is one per process, so codecs run at their
 * default levels: `compression.<type>.level` is refused with kafka.client=kafkajs (adapter.ts).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { CompressionCodecs, CompressionTypes } from "kafkajs";
import type { DecompressionBudget } from "../decompression-budget.ts";
import {
  type CompressionType,
  codecId,
  compressRecords,
  DecompressedSizeError,
  decompressRecords,
} from "../record-codecs.ts";

const TYPES: Record<CompressionType, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/**
 * What the batches of the Fetch answer being decoded may decompress to (fetch-checks.ts runs each
 * decode in a budget of its own); record-codecs.ts' default bound on one batch elsewhere.
 */
export const decompressionBound = new AsyncLocalStorage<DecompressionBudget>();

/**
 * A batch held back (its answer's budget is spent): kafkajs' decoder stops reading the partition's
 * batches there, as at a batch cut short by the fetch's byte limits, and the consumer fetches it again.
 */
function heldBack(): Error {
  const error = new Error("held back: the Fetch answer's bound on decompressed size is spent");
  error.name = "KafkaJSPartialMessageError";
  return error;
}

/** The compressed records (a view of the Fetch answer) of each batch over the bound on decompressed size. */
const oversized = new WeakMap<object, Buffer>();

/** The compressed records of the batch `error` (DecompressedSizeError) was thrown for, where kafkajs read them. */
export function oversizedRecords(error: unknown): Buffer | undefined {
  return error instanceof DecompressedSizeError ? oversized.get(error) : undefined;
}

for (const type of ["gzip", "snappy", "lz4", "zstd"] as const) {
  const decompress = (buffer: Buffer) => {
    const budget = decompressionBound.getStore();
    if (!budget) return decompressRecords(codecId(type), buffer);
    let records: Buffer | null;
    try {
      records = budget.decompress(codecId(type), buffer);
    } catch (error) {
      if (error instanceof DecompressedSizeError) oversized.set(error, buffer);
      throw error;
    }
    if (records === null) throw heldBack();
    return records;
  };
  const codec = {
    compress: async (encoder: { buffer: Buffer }) => compressRecords({ type }, encoder.buffer),
    decompress: async (buffer: Buffer) => decompress(buffer),
  };
  (CompressionCodecs as Record<number, () => typeof codec>)[TYPES[type]] = () => codec;
}

/** kafkajs' number for `type`. */
export function kafkajsCompression(type: CompressionType): CompressionTypes {
  return TYPES[type];
}
