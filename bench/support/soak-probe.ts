/**
 * What bench/soak.ts samples of the gateway process between cycles, from outside: RSS, open fds,
 * TCP sockets (to the broker and all, by peer port), rows per table of its SQLite file (read from a
 * copy: the gateway holds the file with an exclusive lock), series on /metrics, and with the heap
 * probe (bench/support/heap-probe-entry.ts) the JS heap and object counts by type. Also the report,
 * and `until` for the soaks' waits.
 */
import { Database } from "bun:sqlite";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { readProcMemory } from "./proc-stats.ts";

export interface SoakSample {
  readonly phase: string;
  readonly cycle: number;
  readonly rssMiB: number;
  readonly threads: number;
  readonly fds: number;
  readonly brokerSockets: number;
  readonly tcpSockets: number;
  readonly metricSeries: number;
  readonly rows: Record<string, number>;
  /** KiB on disk of the data dir's SQLite files (gateway.db, spool.db and their -wal files). */
  readonly fileKiB: Record<string, number>;
  /** KiB the gateway has logged so far (its stdout and stderr file); undefined without one. */
  readonly logKiB?: number;
  readonly heapMiB?: number;
  /** Memory outside the JS heap that JSC knows of (array buffers, strings' external storage). */
  readonly extraMiB?: number;
  readonly objects?: Record<string, number>;
}

interface HeapStats {
  readonly heapSize: number;
  readonly extraMemorySize: number;
  readonly objectTypeCounts: Record<string, number>;
}

export interface SoakTarget {
  readonly pid: number;
  /** The gateway's directory: data/ holds its SQLite file. */
  readonly dir: string;
  readonly bootstrap: string;
  /** The REST listener's base URL. */
  readonly rest: string;
  /** Where the heap probe writes on SIGUSR2; undefined without the probe. */
  readonly heapFile: string | undefined;
  /** The file the gateway's stdout and stderr go to, if any. */
  readonly log?: string;
}

/** Checks every 100 ms, `limit` times at most, until `check` holds (a check that throws does not). */
export async function until(what: string, check: () => boolean | Promise<boolean>, limit = 600): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return;
    await Bun.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function heap(t: SoakTarget): Promise<HeapStats | undefined> {
  if (t.heapFile === undefined) return undefined;
  const file = t.heapFile;
  rmSync(file, { force: true });
  process.kill(t.pid, "SIGUSR2");
  await until("the heap probe", () => existsSync(file), 300);
  return JSON.parse(readFileSync(file, "utf8")) as HeapStats;
}

/** The gateway's TCP connections on its own `port` (accepted by that listener). */
export function acceptedOn(t: SoakTarget, port: number): number {
  const out = spawnSync("ss", ["-tnpH"], { encoding: "utf8" }).stdout ?? "";
  return out.split("\n").filter((l) => l.includes(`pid=${t.pid},`) && l.split(/\s+/)[3]?.endsWith(`:${port}`)).length;
}

function sockets(t: SoakTarget): { broker: number; all: number; peers: Record<string, number> } {
  const out = spawnSync("ss", ["-tnpH"], { encoding: "utf8" }).stdout ?? "";
  const mine = out.split("\n").filter((l) => l.includes(`pid=${t.pid},`));
  const peers: Record<string, number> = {};
  for (const l of mine) {
    const [state, , , local, peer] = l.split(/\s+/);
    const key = `${state} ${local?.split(":").pop()}->${peer?.split(":").pop()}`;
    peers[key] = (peers[key] ?? 0) + 1;
  }
  const brokerPorts = t.bootstrap.split(",").map((b) => `:${b.split(":").pop()}`);
  return {
    broker: mine.filter((l) => brokerPorts.some((p) => l.split(/\s+/)[4]?.endsWith(p))).length,
    all: mine.length,
    peers,
  };
}

/** Rows per table of the data dir's `file` (read from a copy), keys prefixed with `prefix`; with `free`, its free pages too. */
function tableRows(t: SoakTarget, file: string, prefix: string, free: boolean): Record<string, number> {
  const copy = join(t.dir, "rows-copy.db");
  if (!existsSync(join(t.dir, "data", file))) return {};
  for (const suffix of ["", "-wal"]) {
    const from = join(t.dir, "data", `${file}${suffix}`);
    if (existsSync(from)) copyFileSync(from, `${copy}${suffix}`);
    else rmSync(`${copy}${suffix}`, { force: true });
  }
  const db = new Database(copy);
  try {
    const tables = db
      .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all();
    const out = Object.fromEntries(
      tables.map((x) => [
        `${prefix}${x.name}`,
        db.query<{ n: number }, []>(`SELECT count(*) AS n FROM "${x.name}"`).get()!.n,
      ]),
    );
    if (free)
      out[`${prefix}free pages`] = db
        .query<{ n: number }, []>("SELECT freelist_count AS n FROM pragma_freelist_count")
        .get()!.n;
    return out;
  } finally {
    db.close();
  }
}

function rows(t: SoakTarget): Record<string, number> {
  return { ...tableRows(t, "gateway.db", "", false), ...tableRows(t, "spool.db", "spool.db/", true) };
}

const KiB = (path: string) => (existsSync(path) ? Math.round(statSync(path).size / 1024) : 0);

function fileSizes(t: SoakTarget): Record<string, number> {
  const out: Record<string, number> = {};
  for (const db of ["gateway.db", "spool.db"])
    for (const suffix of ["", "-wal"]) out[`${db}${suffix}`] = KiB(join(t.dir, "data", `${db}${suffix}`));
  return out;
}

/** One sample after the phase's `cycle`-th cycle; a settle pause first (timers of stopped tasks fire). */
export async function sample(t: SoakTarget, phase: string, cycle: number): Promise<SoakSample> {
  await Bun.sleep(1500);
  const metrics = await (await fetch(`${t.rest}/metrics`)).text();
  const s = sockets(t);
  const h = await heap(t);
  const memory = readProcMemory(t.pid);
  const out: SoakSample = {
    phase,
    cycle,
    rssMiB: Math.round(memory.rssKiB / 102.4) / 10,
    threads: memory.threads,
    fds: readdirSync(`/proc/${t.pid}/fd`).length,
    brokerSockets: s.broker,
    tcpSockets: s.all,
    metricSeries: metrics.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length,
    rows: rows(t),
    fileKiB: fileSizes(t),
    ...(t.log !== undefined && { logKiB: KiB(t.log) }),
    ...(h && {
      heapMiB: Math.round(h.heapSize / 104857.6) / 10,
      extraMiB: Math.round(h.extraMemorySize / 104857.6) / 10,
      objects: h.objectTypeCounts,
    }),
  };
  console.error(JSON.stringify({ ...out, objects: undefined, peers: s.peers }));
  return out;
}

/** The samples as a markdown table, and with heap samples the object types that grew most per phase. */
export function report(all: readonly SoakSample[]): string {
  const tables = [...new Set(all.flatMap((s) => Object.keys(s.rows)))].sort();
  const files = [...new Set(all.flatMap((s) => Object.keys(s.fileKiB)))];
  const heap = (s: SoakSample) =>
    s.heapMiB === undefined ? "-" : `${s.heapMiB} (+${s.extraMiB}), ${s.objects?.Timeout ?? 0} timers`;
  const lines = [
    `| phase | cycles | RSS MiB | heap (+extra) MiB | threads | fds | broker sockets | TCP sockets | /metrics series | log KiB | ${tables.join(" | ")} | ${files.map((f) => `${f} KiB`).join(" | ")} |`,
    `|---|---|---|---|---|---|---|---|---|---|${[...tables, ...files].map(() => "---").join("|")}|`,
    ...all.map(
      (s) =>
        `| ${s.phase} | ${s.cycle} | ${s.rssMiB} | ${heap(s)} | ${s.threads} | ${s.fds} | ${s.brokerSockets} | ${s.tcpSockets} | ${s.metricSeries} | ${s.logKiB ?? "-"} | ${tables.map((t) => s.rows[t] ?? 0).join(" | ")} | ${files.map((f) => s.fileKiB[f] ?? 0).join(" | ")} |`,
    ),
  ];
  if (all.some((s) => s.objects)) {
    lines.push("", "Object types that grew most between the second and the last sample of each phase:");
    for (const phase of new Set(all.map((s) => s.phase))) {
      const of = all.filter((s) => s.phase === phase);
      const from = of[1]?.objects ?? {};
      const to = of.at(-1)?.objects ?? {};
      const grown = Object.entries(to)
        .map(([type, n]) => [type, n - (from[type] ?? 0)] as const)
        .filter(([, d]) => d > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12);
      lines.push(
        `- ${phase} (cycles ${of[1]?.cycle}→${of.at(-1)?.cycle}, heap ${of[1]?.heapMiB}→${of.at(-1)?.heapMiB} MiB): ${grown.map(([t, d]) => `${t} +${d}`).join(", ")}`,
      );
    }
  }
  return lines.join("\n");
}
