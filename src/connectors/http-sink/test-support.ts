/**
 * Building blocks for the HTTP sink's unit tests: a real endpoint on a loopback port that records
 * what it receives and answers as the test says, a SinkTaskContext with the runtime's real
 * converters and an errant record reporter that records (tolerance all) or fails (tolerance none),
 * SinkRecords, the lines an HttpSinkConnector logs at start, the errors config/validate reports for an
 * HTTP sink config, and a yield to the event loop. Tests only.
 */
import type { ErrantRecordReporter, SinkTaskContext, TaskConverters } from "../../api/connector.ts";
import { Headers } from "../../api/data/headers.ts";
import { Schemas } from "../../api/data/schema.ts";
import type { SinkRecord, TopicPartition } from "../../api/record.ts";
import { JsonConverter } from "../../converters/json-converter.ts";
import { SimpleHeaderConverter } from "../../converters/simple-header-converter.ts";
import { StringConverter } from "../../converters/string-converter.ts";
import { PluginMetrics } from "../../metrics/plugin-metrics.ts";
import { builtInRegistry } from "../../plugins.ts";
import { validateConnectorConfig } from "../../runtime/validate-connector-config.ts";
import { type Clock, systemClock } from "../../util/clock.ts";
import { LogManager } from "../../util/logger.ts";
import { HttpSinkConnector } from "./connector.ts";
import { HttpSinkTask } from "./task.ts";

export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Resolves after the microtasks queued by then have run (one turn of the event loop): anything the
 * task does without waiting for I/O or a timer is done by then.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type Answer = (req: Received, n: number) => Response | Promise<Response>;

/** A loopback endpoint recording every request; `answer` decides the response (200 by default). */
export function endpoint(tls?: Bun.TLSOptions) {
  const received: Received[] = [];
  const state = { answer: (() => new Response("ok")) as Answer };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    ...(tls ? { tls } : {}),
    async fetch(req) {
      const url = new URL(req.url);
      const r: Received = {
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: Object.fromEntries(req.headers.entries()),
        body: await req.text(),
      };
      received.push(r);
      return state.answer(r, received.length);
    },
  });
  return {
    received,
    url: (path = "/ingest") => `${tls ? "https" : "http"}://127.0.0.1:${server.port}${path}`,
    answer(fn: Answer) {
      state.answer = fn;
    },
    /** Parsed JSON bodies, flattened when they are arrays. */
    values(): unknown[] {
      return received.flatMap((r) => {
        const parsed = JSON.parse(r.body);
        return Array.isArray(parsed) ? parsed : [parsed];
      });
    },
    async [Symbol.asyncDispose]() {
      await server.stop(true);
    },
  };
}

/**
 * A token endpoint issuing `t1`, `t2`, … (after `prefix`) valid for an hour; each answer waits for
 * `hold` when given.
 */
export function tokenEndpoint(prefix = "", hold?: Promise<void>) {
  const state = { calls: 0 };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async () => {
      const call = ++state.calls;
      if (hold) await hold;
      return Response.json({ access_token: `${prefix}t${call}`, expires_in: 3600 });
    },
  });
  return {
    state,
    url: `http://127.0.0.1:${server.port}/token`,
    async [Symbol.asyncDispose]() {
      await server.stop(true);
    },
  };
}

export function jsonConverters(): TaskConverters {
  const key = new JsonConverter();
  key.configure({ "schemas.enable": "false" }, true);
  const value = new JsonConverter();
  value.configure({ "schemas.enable": "false" }, false);
  const header = new SimpleHeaderConverter();
  header.configure({});
  return {
    key,
    keyClass: "org.apache.kafka.connect.json.JsonConverter",
    value,
    valueClass: "org.apache.kafka.connect.json.JsonConverter",
    header,
    headerClass: "org.apache.kafka.connect.storage.SimpleHeaderConverter",
  };
}

export function stringConverters(): TaskConverters {
  const s = new StringConverter();
  s.configure({}, false);
  const header = new SimpleHeaderConverter();
  header.configure({});
  return {
    key: s,
    keyClass: "org.apache.kafka.connect.storage.StringConverter",
    value: s,
    valueClass: "org.apache.kafka.connect.storage.StringConverter",
    header,
    headerClass: "org.apache.kafka.connect.storage.SimpleHeaderConverter",
  };
}

export function record(
  partition: number,
  offset: number,
  value: unknown,
  o: { topic?: string; key?: unknown; headers?: [string, string][]; timestamp?: number } = {},
): SinkRecord {
  const topic = o.topic ?? "orders";
  return {
    topic,
    kafkaPartition: partition,
    keySchema: null,
    key: o.key ?? null,
    valueSchema: null,
    value,
    timestamp: o.timestamp ?? 1_700_000_000_000,
    headers: new Headers((o.headers ?? []).map(([key, v]) => ({ key, value: v, schema: Schemas.STRING }))),
    kafkaOffset: offset,
    timestampType: "CreateTime",
    originalTopic: topic,
    originalKafkaPartition: partition,
    originalKafkaOffset: offset,
  };
}

export interface HarnessOptions {
  readonly tolerance?: "all" | "none";
  /** No errantRecordReporter, as Connect gives none without a DLQ topic or errors.log.enable. */
  readonly noReporter?: boolean;
  readonly converters?: TaskConverters;
  readonly clock?: Clock;
  readonly assignment?: TopicPartition[];
  readonly rootLevel?: "DEBUG" | "TRACE" | "INFO";
  /** The runtime's side of the context, instead of the recording one. */
  readonly context?: Partial<Pick<SinkTaskContext, "assignment" | "pause" | "resume" | "providedKeys">>;
}

/** An HttpSinkTask started with `config` in a recording context. */
export function harness(config: Record<string, string>, o: HarnessOptions = {}) {
  const errant: { record: SinkRecord; error: Error }[] = [];
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line), rootLevel: o.rootLevel ?? "DEBUG" });
  const events: string[] = [];
  /** What the task raised to the runtime (the error it fails with). */
  const raised: Error[] = [];
  const metrics = new PluginMetrics();
  let commits = 0;
  const reporter: ErrantRecordReporter = {
    async report(r, error) {
      if (o.tolerance === "none") throw new Error("Tolerance exceeded in error handler", { cause: error });
      errant.push({ record: r, error: error as Error });
    },
  };
  const assignment = o.assignment ?? [{ topic: "orders", partition: 0 }];
  const context: SinkTaskContext = {
    config,
    logger: logs.get("io.edgegateway.connect.http.HttpSinkTask").withContext("[sink|task-0]"),
    connectorName: "sink",
    clock: o.clock ?? systemClock,
    offset: () => {},
    timeout: () => {},
    assignment: () => assignment,
    pause: (tps) => void events.push(`pause ${tps.length}`),
    resume: (tps) => void events.push(`resume ${tps.length}`),
    requestCommit: () => {
      commits++;
    },
    ...(o.noReporter ? {} : { errantRecordReporter: reporter }),
    converters: o.converters ?? jsonConverters(),
    pluginMetrics: metrics,
    raiseError: (error) => {
      raised.push(error);
      events.push(`raiseError ${error.message}`);
    },
    ...o.context,
  };
  const task = new HttpSinkTask();
  task.initialize(context);
  task.start(config);
  return {
    task,
    errant,
    lines,
    events,
    raised,
    metrics,
    commits: () => commits,
    logs,
    async [Symbol.asyncDispose]() {
      await task.stop();
    },
  };
}

/** The lines an HttpSinkConnector logs when it starts with `config`. */
export function connectorStartLines(config: Record<string, string>): string[] {
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line), rootLevel: "INFO" });
  const connector = new HttpSinkConnector();
  connector.initialize({
    logger: logs.get("io.edgegateway.connect.http.HttpSinkConnector"),
    clock: systemClock,
    connectorName: "sink",
    requestTaskReconfiguration: () => undefined,
    raiseError: () => undefined,
  });
  connector.start(config);
  return lines;
}

/**
 * The keys config/validate finds at fault in an HttpSink config (`url` and the connector's own keys
 * given; `config` adds or replaces), each with its messages, in ConfigInfos order.
 */
export function validationErrors(config: Record<string, string>): [string | undefined, string[] | undefined][] {
  return validateConnectorConfig(builtInRegistry(), {
    "connector.class": "HttpSink",
    name: "s",
    topics: "t",
    url: "http://127.0.0.1/in",
    ...config,
  })
    .infos.configs.filter((c) => (c.value?.errors.length ?? 0) > 0)
    .map((c) => [c.value?.name, c.value?.errors]);
}
