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

/** A batch whose records decompress past the bound on one batch: the error, and its compressed records. */
export interface RefusedBatch {
  readonly error: DecompressedSizeError;
  /** A view of the Fetch answer, where kafkajs read them. */
  readonly records: Buffer;
}

/** The decode of one Fetch answer: what its batches may decompress to, and the batches refused. */
export interface AnswerDecoding {
  readonly budget: DecompressionBudget;
  readonly refused: RefusedBatch[];
  /**
   * Whether the records `compressed` (a view of the answer) decompressed to may be read: false holds
   * the batch back as one over the budget (fetch-checks.ts: a v0/v1 wrapper's messages' CRC-32s).
   */
  readonly readable?: (compressed: Buffer, records: Buffer) => boolean;
}

/**
 * The decode of the Fetch answer being decoded (fetch-checks.ts runs each decode in one of its own);
 * record-codecs.ts' default bound on one batch elsewhere.
 */
export const decompressionBound = new AsyncLocalStorage<AnswerDecoding>();

/**
 * A batch held back (its answer's budget is spent) or refused (over the bound on one batch):
 * kafkajs' decoder stops reading the partition's batches there, as at a batch cut short by the
 * fetch's byte limits, so the batches before it are delivered and the consumer fetches it again
 * (fetch-checks.ts fails the consumer at a refused batch that is its partition's first).
 */
function heldBack(): Error {
  const error = new Error("held back: the Fetch answer's bound on decompressed size is spent");
  error.name = "KafkaJSPartialMessageError";
  return error;
}

for (const type of ["gzip", "snappy", "lz4", "zstd"] as const) {
  const decompress = (buffer: Buffer) => {
    const decoding = decompressionBound.getStore();
    if (!decoding) return decompressRecords(codecId(type), buffer);
    let records: Buffer | null;
    try {
      records = decoding.budget.decompress(codecId(type), buffer);
    } catch (error) {
      if (!(error instanceof DecompressedSizeError)) throw error;
      decoding.refused.push({ error, records: buffer });
      records = null;
    }
    if (records === null || decoding.readable?.(buffer, records) === false) throw heldBack();
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
