/**
 * CRC-32C (Castagnoli), the checksum of a Kafka record batch (DefaultRecordBatch's crc field): computed
 * where the bytes already are, and continued across pieces, so a consumer checks a fetched batch in
 * the socket chunks it arrived in (batch-integrity.ts) and a producer seals the batch it encoded
 * (platformatic/record-batch.ts) without copying either. Bun has no CRC-32C of its own (Bun.hash.crc32
 * and node:zlib's crc32 are CRC-32/IEEE); @platformatic/kafka's in a compiled gateway is its
 * WebAssembly one, which first copies the bytes into the module's memory. Slicing-by-16 tables in
 * JavaScript read the bytes in place at about the WebAssembly one's speed with its copy, ~1 ns per
 * byte (BENCHMARKS.md, "The sink's fetched batches").
 */

const POLYNOMIAL = 0x82f63b78; // reflected

/** 16 tables of 256: table k gives the CRC of a byte followed by k zero bytes. */
const TABLES = (() => {
  const t = new Int32Array(16 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    t[n] = c;
  }
  for (let k = 1; k < 16; k++)
    for (let n = 0; n < 256; n++) {
      const previous = t[(k - 1) * 256 + n]!;
      t[k * 256 + n] = (previous >>> 8) ^ t[previous & 0xff]!;
    }
  return t;
})();

/**
 * The CRC-32C of `data`, or (with `crc`, the CRC-32C of the bytes before it) of those bytes and
 * `data` together: `crc32c(b, crc32c(a))` is the CRC-32C of a followed by b.
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  const t = TABLES;
  let c = ~crc;
  let i = 0;
  const n = data.length;
  for (const last = n - 16; i <= last; i += 16) {
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    c =
      t[3840 + (c & 0xff)]! ^
      t[3584 + ((c >>> 8) & 0xff)]! ^
      t[3328 + ((c >>> 16) & 0xff)]! ^
      t[3072 + (c >>> 24)]! ^
      t[2816 + data[i + 4]!]! ^
      t[2560 + data[i + 5]!]! ^
      t[2304 + data[i + 6]!]! ^
      t[2048 + data[i + 7]!]! ^
      t[1792 + data[i + 8]!]! ^
      t[1536 + data[i + 9]!]! ^
      t[1280 + data[i + 10]!]! ^
      t[1024 + data[i + 11]!]! ^
      t[768 + data[i + 12]!]! ^
      t[512 + data[i + 13]!]! ^
      t[256 + data[i + 14]!]! ^
      t[data[i + 15]!]!;
  }
  for (; i < n; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
