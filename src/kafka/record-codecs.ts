/**
 * Kafka's record batch codecs (the batch attribute's low three bits), for both adapters: the
 * @platformatic/kafka producer compresses its own batches with `compressRecords`; kafkajs takes
 * `compressRecords`/`decompressRecords` through its CompressionCodecs registry
 * (kafkajs/codecs.ts). gzip and zstd are the runtime's own (node:zlib in Bun); LZ4 (Kafka's framed
 * LZ4, 64 KiB independent blocks) and Snappy are the WebAssembly codecs @platformatic/kafka
 * bundles (its `bundled` entry: the module inlined, so a compiled binary has it).
 *
 * Snappy as Java's producer writes it is xerial-framed (a magic header, then length-prefixed raw
 * Snappy chunks); librdkafka and @platformatic/kafka write raw Snappy, which Java's consumer reads
 * too. Both are read (by the library's decoders, the ones its consumer uses); raw Snappy is written.
 */
import { constants, gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from "node:zlib";
import { compressionsAlgorithms } from "@platformatic/kafka";
import { lz4Compress, snappyCompress } from "@platformatic/wasm-utils/bundled";
import { messageOf } from "../errors.ts";
import { lz4MaxSize, snappySize } from "./decompressed-size.ts";

export const COMPRESSION_TYPES = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
export type CompressionType = (typeof COMPRESSION_TYPES)[number];

/** A producer's codec and its level (undefined: the codec's default, as Java's). */
export interface Compression {
  readonly type: CompressionType;
  readonly level?: number;
}

export const NO_COMPRESSION: Compression = { type: "none" };

/** The codec's id in a record batch's attributes. */
export function codecId(type: CompressionType): number {
  return COMPRESSION_TYPES.indexOf(type);
}

/** `plain` (the records of a batch) compressed with `compression` (never "none"). */
export function compressRecords(compression: Compression, plain: Buffer): Buffer {
  const { type, level } = compression;
  switch (type) {
    case "gzip":
      return gzipSync(plain, level === undefined ? undefined : { level });
    case "zstd":
      return zstdCompressSync(
        plain,
        level === undefined ? undefined : { params: { [constants.ZSTD_c_compressionLevel]: level } },
      );
    case "lz4":
      return lz4Compress(plain);
    case "snappy":
      return snappyCompress(plain);
    default:
      throw new Error(`Cannot compress with ${type}`);
  }
}

/**
 * The most one batch's records may decompress to unless the consumer allows more
 * (batch-integrity.ts `maxBatchBytes`): 256 MiB.
 */
export const DECOMPRESSED_BATCH_FLOOR = 256 * 1024 * 1024;

/** A batch's records would decompress to more than `decompressRecords` was allowed to give. */
export class DecompressedSizeError extends Error {}

/**
 * The records of a batch whose attributes name codec `id` (1-4), decompressed. Data the codec
 * cannot read is an error naming the codec (the WebAssembly decoders trap: "Unreachable code"), and
 * so is data that would decompress to more than `maxBytes` (a small batch can expand to gigabytes):
 * refused before decompressing (Snappy, LZ4: their framing states the size) or as soon as the
 * output passes it (gzip, zstd), never held whole.
 */
export function decompressRecords(id: number, compressed: Buffer, maxBytes = DECOMPRESSED_BATCH_FLOOR): Buffer {
  if (id < 1 || id >= COMPRESSION_TYPES.length) throw new Error(`Unknown compression codec ${id} in a record batch`);
  const type = COMPRESSION_TYPES[id]!;
  const tooLarge = () =>
    new DecompressedSizeError(
      `the ${type} records of a batch decompress to more than ${maxBytes} bytes, the most this consumer reads of one batch ` +
        "(the larger of fetch.max.bytes and 256 MiB)",
    );
  const size = type === "snappy" ? snappySize(compressed) : type === "lz4" ? lz4MaxSize(compressed) : undefined;
  if (size !== undefined && size > maxBytes) throw tooLarge();
  try {
    if (type === "gzip") return gunzipSync(compressed, { maxOutputLength: maxBytes });
    if (type === "zstd") return zstdDecompressSync(compressed, { maxOutputLength: maxBytes });
    return compressionsAlgorithms[type].decompressSync(compressed);
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge();
    throw new Error(`Corrupt ${type} data in a record batch: ${messageOf(e)}`);
  }
}
