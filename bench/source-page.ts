/**
 * How long one large HTTP source page blocks the event loop: parses and reads a page of N small
 * JSON objects (readPage, pageRecords and finishPage, as the task does) while a 1 ms interval notes the longest
 * gap between its ticks. Usage: bun bench/source-page.ts [records=800000] [records path=$.data[*]]
 * [offset=TIMESTAMP:ts]: http.offset.mode and field, `CURSOR:ts` (ISO-8601), `CURSOR:id` (JSON
 * numbers) or `CURSOR:sid` (integer strings, `"1007"`: a field only this one adds to the records).
 */

import { httpSourceConfig } from "../src/connectors/http-source/config.ts";
import { firstPage, paginationSettings } from "../src/connectors/http-source/pagination.ts";
import {
  finishPage,
  newRun,
  pageRecords,
  pageRecordsOptions,
  readPage,
} from "../src/connectors/http-source/poll-run.ts";
import { systemClock } from "../src/util/clock.ts";

const n = Number(process.argv[2] ?? 800_000);
const [mode = "TIMESTAMP", field = "ts"] = (process.argv[4] ?? "TIMESTAMP:ts").split(":");
const sid = (i: number) => (field === "sid" ? `,"sid":"${1000 + i}"` : "");
const items = Array.from(
  { length: n },
  (_, i) => `{"id":${i},"ts":"2024-01-01T00:00:${String(i % 60).padStart(2, "0")}Z","v":${i * 7}${sid(i)}}`,
);
const body = new TextEncoder().encode(`{"data":[${items.join(",")}]}`);
const c = httpSourceConfig.parse({
  "http.url": "http://127.0.0.1:1/e",
  "kafka.topic": "t",
  "http.response.records.path": process.argv[3] ?? "$.data[*]",
  "http.offset.mode": mode,
  "http.offset.field": field,
});
const o = pageRecordsOptions(c, systemClock);
const p = paginationSettings(c);
const base = "http://127.0.0.1:1/e";
const run = newRun({ wall: Date.now(), monotonic: performance.now() }, base, null, null, firstPage(p, base));
let last = performance.now();
let maxGap = 0;
/** The longest gap after the first one of the page (its JSON.parse, not sliced, and what runs with it). */
let maxPastParse = 0;
let gaps = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  maxGap = Math.max(maxGap, now - last);
  if (gaps++ > 0) maxPastParse = Math.max(maxPastParse, now - last);
  last = now;
}, 1);
await new Promise((r) => setTimeout(r, 20));
last = performance.now();
gaps = 0;
const t0 = performance.now();
const { page } = await readPage({ status: 200, headers: new Headers(), body }, run, o, p);
const records = finishPage(run, await pageRecords(run, page, o), true);
const total = performance.now() - t0;
await new Promise((r) => setTimeout(r, 5));
clearInterval(ticker);
const rss = process.memoryUsage().rss;
console.log(
  `${mode}:${field} records=${records.length} bytes=${body.length} total=${total.toFixed(0)}ms maxStall=${maxGap.toFixed(0)}ms pastParse=${maxPastParse.toFixed(0)}ms rss=${(rss / 2 ** 20).toFixed(0)}MiB`,
);
