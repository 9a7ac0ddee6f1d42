/**
 * Test support for the HTTP source's unit tests: a clock that fast-forwards through every sleep
 * (recording it), an in-memory offset reader, a task wired to them, a recording API server, the
 * ids of records read from JSON objects, and the config of pages read without a task.
 */
import { materialized } from "../../api/data/json-text.ts";
import type { SourceRecord } from "../../api/record.ts";
import { PluginMetrics } from "../../metrics/plugin-metrics.ts";
import type { Clock } from "../../util/clock.ts";
import { LogManager } from "../../util/logger.ts";
import { httpSourceConfig } from "./config.ts";
import { HttpSourceTask } from "./task.ts";

/**
 * Time moves only by sleeping: each sleep returns at once and advances both readings by its length.
 * `wallStep` steps the wall clock (`now`) alone, as NTP does; the monotonic reading is `current`.
 */
export class FastForwardClock implements Clock {
  readonly sleeps: number[] = [];
  wallStep = 0;
  constructor(public current = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current + this.wallStep;
  }
  monotonic(): number {
    return this.current;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || ms <= 0) return;
    this.sleeps.push(ms);
    this.current += ms;
  }
}

export interface TaskHarness {
  readonly task: HttpSourceTask;
  readonly clock: FastForwardClock;
  readonly logs: string[];
  readonly metrics: PluginMetrics;
  /** Offsets "committed": set this before start to simulate a restart. */
  readonly offsets: Map<string, Record<string, unknown>>;
  /** Polls until `n` records arrived or `maxPolls` polls returned nothing. */
  collect(n: number, maxPolls?: number): Promise<SourceRecord[]>;
}

export async function startTask(
  config: Record<string, string>,
  o: {
    clock?: FastForwardClock;
    offsets?: Map<string, Record<string, unknown>>;
    /** The keys whose raw value held a reference a config provider resolved (PluginContext.providedKeys). */
    providedKeys?: ReadonlySet<string>;
  } = {},
): Promise<TaskHarness> {
  const clock = o.clock ?? new FastForwardClock();
  const logs: string[] = [];
  const manager = new LogManager({ sink: (line) => logs.push(line), rootLevel: "DEBUG" });
  const metrics = new PluginMetrics();
  const offsets = o.offsets ?? new Map<string, Record<string, unknown>>();
  const task = new HttpSourceTask();
  const full = { name: "test-source", "kafka.topic": "events", ...config };
  task.initialize({
    config: full,
    offsetStorageReader: { offset: async (partition) => offsets.get(JSON.stringify(partition)) ?? null },
    logger: manager.get("io.confluent.connect.http.HttpSourceTask").withContext("[test-source|task-0]"),
    clock,
    connectorName: full.name,
    pluginMetrics: metrics,
    ...(o.providedKeys ? { providedKeys: o.providedKeys } : {}),
  });
  await task.start(full);
  const signal = new AbortController().signal;
  return {
    task,
    clock,
    logs,
    metrics,
    offsets,
    async collect(n, maxPolls = 5) {
      const out: SourceRecord[] = [];
      let empty = 0;
      while (out.length < n && empty < maxPolls) {
        const records = await task.poll(signal);
        if (records && records.length > 0) for (const record of records) out.push(record);
        else empty++;
      }
      return out;
    },
  };
}

/** The committed offset the last of `records` carries, keyed as the harness stores it. */
export function commit(harness: TaskHarness, records: readonly SourceRecord[]): void {
  const last = records.at(-1);
  if (last?.sourcePartition && last.sourceOffset)
    harness.offsets.set(JSON.stringify(last.sourcePartition), { ...last.sourceOffset });
}

export interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Headers;
  body: string;
}

/** A real HTTP server on 127.0.0.1, port 0, recording every request it answers. */
export function api(handler: (req: Request, url: URL, n: number) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (req) => {
      const url = new URL(req.url);
      seen.push({
        method: req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: await req.text(),
      });
      return handler(req, url, seen.length);
    },
  });
  return Object.assign(server, { seen, base: `http://127.0.0.1:${server.port}` });
}

/** A newest-first API paged by Link headers from `${base}/e?since=${offset}`, with TIMESTAMP offsets on `ts`, polled once a minute. */
export const linkPagedSince = (base: string): Record<string, string> => ({
  "http.url": `${base}/e?since=\${offset}`,
  "http.response.records.path": "$[*]",
  "http.pagination.type": "LINK_HEADER",
  "http.offset.mode": "TIMESTAMP",
  "http.offset.field": "ts",
  "http.initial.offset": "2023-12-31T00:00:00Z",
  "http.timer.interval.ms": "60000",
});

/** The `id` of each record's value (a JSON object): a number, unless told (`recordIds<string>`). */
export const recordIds = <Id = number>(records: readonly SourceRecord[]) =>
  records.map((r) => (materialized(r.value) as { id: Id }).id);

/** The URL of pages read without a task (readPage, pageRecords): nothing listens there. */
export const PAGE_URL = "http://127.0.0.1:1/e";

/** The config of pages read without a task: records at `$.data[*]`, with `keys`. */
export const pageConfig = (keys: Record<string, string>) =>
  httpSourceConfig.parse({
    "http.url": PAGE_URL,
    "kafka.topic": "t",
    "http.response.records.path": "$.data[*]",
    ...keys,
  });
