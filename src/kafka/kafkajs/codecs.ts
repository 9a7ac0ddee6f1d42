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
import { type CompressionType, codecId, compressRecords, decompressRecords } from "../record-codecs.ts";

const TYPES: Record<CompressionType, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/**
 * The most a batch's records may decompress to, for the consumer whose Fetch answer is being decoded
 * (fetch-checks.ts runs each decode in it); record-codecs.ts' default elsewhere.
 */
export const decompressionBound = new AsyncLocalStorage<number>();

for (const type of ["gzip", "snappy", "lz4", "zstd"] as const) {
  const codec = {
    compress: async (encoder: { buffer: Buffer }) => compressRecords({ type }, encoder.buffer),
    decompress: async (buffer: Buffer) => decompressRecords(codecId(type), buffer, decompressionBound.getStore()),
  };
  (CompressionCodecs as Record<number, () => typeof codec>)[TYPES[type]] = () => codec;
}

/** kafkajs' number for `type`. */
export function kafkajsCompression(type: CompressionType): CompressionTypes {
  return TYPES[type];
}
