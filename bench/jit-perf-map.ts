/**
 * Names JavaScript frames in `perf` profiles of the gateway: turns the jitdump file that JSC writes
 * when the gateway runs with `BUN_JSC_useJITDump=1` (`/tmp/jit-<tid>-<pid>-<suffix>`, a name
 * `perf inject --jit` does not look for) into `/tmp/perf-<pid>.map`, which `perf report` and
 * `perf script` read for `[JIT]` addresses. JSC reuses the memory of code it throws away, so where
 * two loads overlap only the later one is kept (otherwise a hot function can show under the name of
 * code that once lived at its address).
 *
 *   BUN_JSC_useJITDump=1 dist/gateway worker.properties &        # then load it
 *   perf record -k 1 -F 2999 -g -p <pid> -o gw.data -- sleep 6
 *   node_modules/.bin/bun bench/jit-perf-map.ts /tmp/jit-<tid>-<pid>-<suffix>
 *   perf report -i gw.data --no-children --sort sym
 */
import { readFileSync, writeFileSync } from "node:fs";

interface CodeLoad {
  readonly start: bigint;
  readonly size: bigint;
  readonly name: string;
}

const JIT_CODE_LOAD = 0;
const HEADER_PID_OFFSET = 20;

/** The code loads of a jitdump file, in the order JSC wrote them, and the process id it names. */
function readJitDump(bytes: Buffer): { pid: number; loads: CodeLoad[] } {
  if (bytes.readUInt32LE(0) !== 0x4a695444) throw new Error("not a jitdump file (no JiTD magic)");
  const headerSize = bytes.readUInt32LE(8);
  const pid = bytes.readUInt32LE(HEADER_PID_OFFSET);
  const loads: CodeLoad[] = [];
  let at = headerSize;
  while (at + 16 <= bytes.length) {
    const id = bytes.readUInt32LE(at);
    const total = bytes.readUInt32LE(at + 4);
    if (total === 0 || at + total > bytes.length) break;
    if (id === JIT_CODE_LOAD) {
      // record header (16) + pid, tid (8) + vma, code address, code size, code index (32), then the name
      const start = bytes.readBigUInt64LE(at + 32);
      const size = bytes.readBigUInt64LE(at + 40);
      const nameStart = at + 56;
      const nameEnd = bytes.indexOf(0, nameStart);
      loads.push({ start, size, name: bytes.toString("utf8", nameStart, nameEnd).replaceAll("\n", " ") });
    }
    at += total;
  }
  return { pid, loads };
}

/** The loads no later load overlaps, in address order. */
function latestLoads(loads: readonly CodeLoad[]): CodeLoad[] {
  // Latest first; `kept` stays sorted by start and free of overlaps, so only the neighbours of a
  // load's place can overlap it.
  const kept: CodeLoad[] = [];
  for (let i = loads.length - 1; i >= 0; i--) {
    const l = loads[i]!;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid]!.start < l.start) lo = mid + 1;
      else hi = mid;
    }
    const before = kept[lo - 1];
    const after = kept[lo];
    if (before && before.start + before.size > l.start) continue;
    if (after && after.start < l.start + l.size && after.start + after.size > l.start) continue;
    kept.splice(lo, 0, l);
  }
  return kept;
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: bun bench/jit-perf-map.ts <jitdump file>");
  const { pid, loads } = readJitDump(readFileSync(file));
  const kept = latestLoads(loads);
  const out = `/tmp/perf-${pid}.map`;
  writeFileSync(out, kept.map((l) => `${l.start.toString(16)} ${l.size.toString(16)} ${l.name}\n`).join(""));
  console.log(`${out}: ${kept.length} of ${loads.length} code loads`);
}
