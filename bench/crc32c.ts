/**
 * CRC-32C of one record batch: the gateway's slicing-by-16 in JavaScript (src/kafka/crc32c.ts, reading the bytes in place)
 * against @platformatic/kafka's `crc32c` (from source: its native addon behind a copy) and the
 * WebAssembly one it falls back to (what the compiled gateway uses: the addon is not in the binary):
 * ns per call and MB/s for batch sizes of a single-record produce request (~20 records of ~260 B)
 * and larger. `node_modules/.bin/bun bench/crc32c.ts`
 */
import { crc32c as libraryCrc32c } from "@platformatic/kafka";
import { crc32c as wasmCrc32c } from "@platformatic/wasm-utils/bundled";
import { crc32c } from "../src/kafka/crc32c.ts";

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
  if (crc32c(buf.subarray(21)) !== libraryCrc32c(buf.subarray(21)) >>> 0) throw new Error("CRCs differ");
  time("@platformatic/kafka crc32c(subarray)", size, () => libraryCrc32c(buf.subarray(21)));
  time("@platformatic/wasm-utils crc32c (the compiled gateway's)", size, () => wasmCrc32c(buf.subarray(21)));
  time("src/kafka/crc32c.ts slicing-by-16 (in place)", size, () => crc32c(buf.subarray(21)));
}
