/**
 * CRC-32C of one record batch: a slicing-by-8 in JavaScript (below, reading the bytes in place)
 * against @platformatic/kafka's `crc32c` (from source: its native addon behind a copy) and the
 * WebAssembly one it falls back to (what the compiled gateway uses: the addon is not in the binary):
 * ns per call and MB/s for batch sizes of a single-record produce request (~20 records of ~260 B)
 * and larger. `node_modules/.bin/bun bench/crc32c.ts`
 */
import { crc32c as libraryCrc32c } from "@platformatic/kafka";
import { crc32c as wasmCrc32c } from "@platformatic/wasm-utils/bundled";

const TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

function crc32c(bytes: Uint8Array, start: number): number {
  const t = TABLES;
  let crc = -1;
  let i = start;
  const end = bytes.length;
  while (i <= end - 8) {
    const a = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
    i += 8;
  }
  while (i < end) crc = t[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

const sizes = [600, 5_000, 64_000, 1_000_000];
function time(label: string, size: number, f: () => number): void {
  const iterations = Math.max(200, Math.floor(200_000_000 / size / 20));
  let sink = 0;
  for (let i = 0; i < iterations / 10; i++) sink ^= f();
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < iterations; i++) sink ^= f();
  const ns = (Bun.nanoseconds() - t0) / iterations;
  console.log(
    `| ${label} | ${size} | ${ns.toFixed(0)} | ${((size / ns) * 1000).toFixed(0)} | ${sink === 0.5 ? "" : ""}`,
  );
}
console.log("| implementation | bytes | ns per call | MB/s |");
console.log("|---|--:|--:|--:|");
for (const size of sizes) {
  const buf = Buffer.allocUnsafe(size + 21);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 131) & 0xff;
  if (crc32c(buf, 21) !== libraryCrc32c(buf.subarray(21)) >>> 0) throw new Error("CRCs differ");
  time("@platformatic/kafka crc32c(subarray)", size, () => libraryCrc32c(buf.subarray(21)));
  time("@platformatic/wasm-utils crc32c (the compiled gateway's)", size, () => wasmCrc32c(buf.subarray(21)));
  time("JS slicing-by-8 (in place)", size, () => crc32c(buf, 21));
}
