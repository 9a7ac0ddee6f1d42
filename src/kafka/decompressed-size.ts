/**
 * The most a record batch's compressed records can decompress to, read from the codec's own framing
 * before decompressing (record-codecs.ts `decompressRecords` refuses a batch over the consumer's
 * bound with it): Snappy states its uncompressed length up front (raw Snappy, and each chunk of
 * xerial's framing, as Java writes it); an LZ4 frame (Kafka's framing: independent blocks of a
 * declared maximum size) holds no more than its blocks' maximum sizes. gzip and zstd are bounded
 * while they decompress (node:zlib's maxOutputLength). Framing these scans cannot read gives
 * undefined: the codec itself then refuses the data as corrupt.
 */

const XERIAL_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const LZ4_MAGIC = 0x184d2204;
/** An LZ4 frame's block maximum sizes by their id (4-7) in the BD byte. */
const LZ4_BLOCK_MAX = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

/** The unsigned varint at `pos` (a raw Snappy stream's uncompressed length). */
function snappyLength(data: Uint8Array, pos: number, end: number): number | undefined {
  let value = 0;
  let scale = 1;
  for (let i = pos; i < end && i < pos + 5; i++) {
    const b = data[i]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 128;
  }
  return undefined;
}

/** Raw Snappy, or Snappy in xerial's framing (a header, then int32-length-prefixed raw chunks). */
export function snappySize(data: Buffer): number | undefined {
  if (data.length < 16 || !data.subarray(0, 8).equals(XERIAL_HEADER)) return snappyLength(data, 0, data.length);
  let total = 0;
  for (let pos = 16; pos < data.length; ) {
    if (pos + 4 > data.length) return undefined;
    const chunk = data.readUInt32BE(pos);
    const size = snappyLength(data, pos + 4, Math.min(data.length, pos + 4 + chunk));
    if (size === undefined) return undefined;
    total += size;
    pos += 4 + chunk;
  }
  return total;
}

/** The sum of the maximum sizes of the blocks of the LZ4 frames in `data`. */
export function lz4MaxSize(data: Buffer): number | undefined {
  let total = 0;
  let pos = 0;
  while (pos < data.length) {
    if (pos + 7 > data.length || data.readUInt32LE(pos) !== LZ4_MAGIC) return undefined;
    const flags = data[pos + 4]!;
    const blockMax = LZ4_BLOCK_MAX[(data[pos + 5]! >> 4) & 0x07]!;
    if (blockMax === 0) return undefined;
    pos += 7 + (flags & 0x08 ? 8 : 0) + (flags & 0x01 ? 4 : 0);
    const blockChecksum = flags & 0x10 ? 4 : 0;
    for (;;) {
      if (pos + 4 > data.length) return undefined;
      const word = data.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      // An uncompressed block (high bit) holds its own size; a compressed one at most the frame's block size.
      total += word & 0x80000000 ? size : blockMax;
      pos += size + blockChecksum;
    }
    if (flags & 0x04) pos += 4; // the content checksum
  }
  return total;
}
