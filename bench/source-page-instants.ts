/**
 * The HTTP source's TIMESTAMP and CURSOR work on a page, in process: readPage (the JSON parse and the offset
 * fields), PageWarnings.observe and pageRecords, as HttpSourceTask runs them, on 1000-record pages
 * whose offset field is a new timestamp in each record (TIMESTAMP: ISO-8601 without parser keys, a
 * numeric date with the year last, a castorm pattern, ISO-8601 with a timestamp pointer at the field;
 * CURSOR: ISO-8601 with and without a timestamp pointer at the field, integer strings, JSON numbers), the poll starting from an earlier offset, with http.record.key.field. CPU µs per record (the process's CPU time, less disturbed than wall time on a
 * shared machine), each step and all three. Another checkout's sources are measured in the same process
 * with `BEFORE=/path/to/src` (its node_modules beside it): the two run in alternating rounds and each
 * prints its best round.
 * Run: node_modules/.bin/bun bench/source-page-instants.ts
 */
import { resolve } from "node:path";

type Modules = {
  config: typeof import("../src/connectors/http-source/config.ts");
  pagination: typeof import("../src/connectors/http-source/pagination.ts");
  pollRun: typeof import("../src/connectors/http-source/poll-run.ts");
  warnings: typeof import("../src/connectors/http-source/page-warnings.ts");
  clock: typeof import("../src/util/clock.ts");
  limiter: typeof import("../src/util/repeat-limiter.ts");
  logger: typeof import("../src/util/logger.ts");
};
const load = async (src: string): Promise<Modules> => {
  const at = (path: string) => import(`${resolve(src)}/${path}`);
  return {
    config: await at("connectors/http-source/config.ts"),
    pagination: await at("connectors/http-source/pagination.ts"),
    pollRun: await at("connectors/http-source/poll-run.ts"),
    warnings: await at("connectors/http-source/page-warnings.ts"),
    clock: await at("util/clock.ts"),
    limiter: await at("util/repeat-limiter.ts"),
    logger: await at("util/logger.ts"),
  };
};

const sides: [string, Modules][] = [["this checkout", await load(`${import.meta.dir}/../src`)]];
if (process.env.BEFORE) sides.unshift(["BEFORE", await load(process.env.BEFORE)]);

const RECORDS = 1000;
/** Pages of different timestamps: more values than a reader remembers (1024), as a live API's new pages are. */
const PAGES = 20;
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const START = Date.UTC(2024, 0, 1);

const two = (n: number) => String(n).padStart(2, "0");
interface Shape {
  readonly name: string;
  /** http.offset.mode. */
  readonly mode: "TIMESTAMP" | "CURSOR";
  readonly keys: Record<string, string>;
  /** The offset field of the record `i` seconds after START, and the poll's offset (before all). */
  readonly field: (i: number) => string;
  readonly offset: string;
  /** The field is written as is (a JSON number), not as a string. */
  readonly raw?: boolean;
}
const iso = (i: number) => `${new Date(START + i * 1000).toISOString().slice(0, 19)}.123Z`;
const shapes: Shape[] = [
  {
    name: "ISO-8601 (`2024-01-01T00:00:07.123Z`), no parser keys",
    mode: "TIMESTAMP",
    keys: {},
    field: iso,
    offset: "2023-12-31T00:00:00Z",
  },
  {
    name: "year last (`01/01/2024 00:00:07`), no parser keys",
    mode: "TIMESTAMP",
    keys: {},
    field: (i) => {
      const d = new Date(START + i * 1000);
      return `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${d.getUTCFullYear()} ${d.toISOString().slice(11, 19)}`;
    },
    offset: "12/31/2023 00:00:00",
  },
  {
    name: "pattern `dd/MM/yyyy HH:mm:ss`",
    mode: "TIMESTAMP",
    keys: { "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm:ss" },
    field: (i) => {
      const d = new Date(START + i * 1000);
      return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${d.toISOString().slice(11, 19)}`;
    },
    offset: "31/12/2023 00:00:00",
  },
  {
    name: "ISO-8601, timestamp pointer `/ts` (ASC)",
    mode: "TIMESTAMP",
    keys: { "http.response.record.timestamp.pointer": "/ts", "http.response.list.order.direction": "ASC" },
    field: iso,
    offset: "2023-12-31T00:00:00Z",
  },
  { name: "CURSOR, ISO-8601", mode: "CURSOR", keys: {}, field: iso, offset: "2023-12-31T00:00:00Z" },
  { name: "CURSOR, integer strings", mode: "CURSOR", keys: {}, field: (i) => String(1000 + i), offset: "999" },
  { name: "CURSOR, JSON numbers", mode: "CURSOR", keys: {}, field: (i) => String(1000 + i), offset: "999", raw: true },
  {
    name: "CURSOR, ISO-8601, timestamp pointer `/ts` (ASC)",
    mode: "CURSOR",
    keys: { "http.response.record.timestamp.pointer": "/ts", "http.response.list.order.direction": "ASC" },
    field: iso,
    offset: "2023-12-31T00:00:00Z",
  },
];

const bodies = (shape: Shape) =>
  Array.from({ length: PAGES }, (_, p) => {
    const items = Array.from({ length: RECORDS }, (_, r) => {
      const i = p * RECORDS + r;
      const field = shape.field(i);
      return `{"id":${i},"ts":${shape.raw ? field : JSON.stringify(field)},"v":${i * 7}}`;
    });
    return new TextEncoder().encode(`{"data":[${items.join(",")}]}`);
  });

const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

type Steps = { read: number; observe: number; records: number };

/** One round over the shape's pages: CPU µs per record of each step. */
async function round(m: Modules, shape: Shape, pages: Uint8Array[]): Promise<Steps> {
  const c = m.config.httpSourceConfig.parse({
    "http.url": "http://127.0.0.1:1/e",
    "kafka.topic": "t",
    "http.response.records.path": "$.data[*]",
    "http.offset.mode": shape.mode,
    "http.offset.field": "ts",
    "http.record.key.field": "id",
    ...shape.keys,
  });
  const o = m.pollRun.pageRecordsOptions(c, m.clock.systemClock);
  const p = m.pagination.paginationSettings(c);
  const log = new m.logger.LogManager({ sink: () => {} }).get("bench");
  const warnings = new m.warnings.PageWarnings(o, log, m.limiter.taskWarnings(m.clock.systemClock));
  const base = "http://127.0.0.1:1/e";
  const steps: Steps = { read: 0, observe: 0, records: 0 };
  for (const body of pages) {
    const run = m.pollRun.newRun(
      { wall: Date.now(), monotonic: performance.now() },
      base,
      shape.offset,
      [],
      m.pagination.firstPage(p, base),
    );
    let t = cpu();
    const { page, json } = await m.pollRun.readPage({ status: 200, headers: new Headers(), body }, run, o, p);
    steps.read += cpu() - t;
    t = cpu();
    warnings.observe("GET /e", json, page);
    steps.observe += cpu() - t;
    t = cpu();
    const made = await m.pollRun.pageRecords(run, page, o);
    steps.records += cpu() - t;
    if (made.records.length !== RECORDS) throw new Error(`${made.records.length} records made, not ${RECORDS}`);
  }
  const n = PAGES * RECORDS;
  return { read: steps.read / n, observe: steps.observe / n, records: steps.records / n };
}

const total = (s: Steps) => s.read + s.observe + s.records;
const f = (n: number) => n.toFixed(2);
console.log(
  "| offset field | side | readPage µs/record | observe µs/record | pageRecords µs/record | all three µs/record |",
);
console.log("|---|---|---|---|---|---|");
for (const shape of shapes) {
  const pages = bodies(shape);
  const best = new Map<string, Steps>();
  for (let r = 0; r < ROUNDS; r++)
    for (const [name, m] of r % 2 === 0 ? sides : [...sides].reverse()) {
      const s = await round(m, shape, pages);
      const known = best.get(name);
      if (r > 0 && (known === undefined || total(s) < total(known))) best.set(name, s);
    }
  for (const [name] of sides) {
    const s = best.get(name)!;
    console.log(`| ${shape.name} | ${name} | ${f(s.read)} | ${f(s.observe)} | ${f(s.records)} | ${f(total(s))} |`);
  }
}
