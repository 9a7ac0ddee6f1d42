/**
 * In-process worker for unit tests of the Herder and the REST routes: a real Worker and Herder on
 * MemoryKafka and a `:memory:` SQLite database, the REST route tables on hono called in-process
 * (`rest(method, path, body)`), with the scripted connectors of `scripted-connectors.ts` (whose
 * every plugin call a test can steer; re-exported here), and a connector status listener that
 * records (`recording`). Tests only; whole-gateway tests in `test/` use the real broker.
 */
import { Database } from "bun:sqlite";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Config } from "../api/connector.ts";
import type { KafkaPort } from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import type { PluginDescriptor } from "../plugin/descriptor.ts";
import { PluginRegistry } from "../plugin/registry.ts";
import { builtInPlugins } from "../plugins.ts";
import { connectorPluginRoutes } from "../rest/routes/connector-plugins.ts";
import { connectorRoutes } from "../rest/routes/connectors.ts";
import { restApp } from "../rest/server.ts";
import { ConfigStore } from "../store/config-store.ts";
import { ConsumerMemberStore } from "../store/consumer-member-store.ts";
import { migrate } from "../store/database.ts";
import { OffsetStore } from "../store/offset-store.ts";
import { StatusStore } from "../store/status-store.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { LogManager } from "../util/logger.ts";
import type { SetTimer } from "../util/timer.ts";
import { loadWorkerConfig } from "../worker-config.ts";
import type { HerderDeps } from "./abstract-herder.ts";
import { ActiveTopicRegistry } from "./active-topics.ts";
import { Herder } from "./herder.ts";
import type { ResolveConfig } from "./resolved-values.ts";
import { type Script, Scripted, scriptedPlugins } from "./scripted-connectors.ts";
import { Worker } from "./worker.ts";
import type { ConnectorStatusListener } from "./worker-connector.ts";

export { SCRIPTED_SINK, SCRIPTED_SOURCE, type Script, Scripted, scriptedPlugins } from "./scripted-connectors.ts";

export interface InProcessWorker extends AsyncDisposable {
  readonly herder: Herder;
  readonly worker: Worker;
  readonly kafka: MemoryKafka;
  readonly scripted: Scripted;
  /** The worker's `:memory:` SQLite database (a test can make it full with max_page_count). */
  readonly db: Database;
  readonly configs: ConfigStore;
  readonly offsets: OffsetStore;
  readonly logLines: string[];
  readonly logs: LogManager;
  /** One REST call, answered in-process by the route tables; `body` is the parsed JSON (or null). */
  // biome-ignore lint/suspicious/noExplicitAny: REST bodies of every shape, asserted with toEqual.
  rest(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function inProcessWorker(
  options: {
    clock?: Clock;
    worker?: Record<string, string>;
    plugins?: readonly PluginDescriptor[];
    /** Config-provider resolution; default: none (references stay as written). */
    resolveConfig?: ResolveConfig;
    /** The timer retrying statuses that could not be stored (`clockTimer(manualClock)`); default real. */
    statusRetryTimer?: SetTimer;
    /** The database of an earlier worker, as after a restart of the gateway (left open at stop); default a new `:memory:` one. */
    db?: Database;
    /** What the scripted connectors do from the start (the herder starts stored connectors at once). */
    script?: Script;
    /** The Kafka the worker's clients use (a real broker's adapter); default the returned MemoryKafka. */
    kafka?: KafkaPort;
    /** The ingest Idempotency-Keys the herder deletes and hides (a store on `db`); default none. */
    idempotencyKeys?: HerderDeps["idempotencyKeys"];
    /** What keeps a connector's ingest state across its instances (app.ts: IngestSecurity); default none. */
    ingestState?: HerderDeps["ingestState"];
    /** The ingest routes a delete suspends (app.ts: the route table); default none. */
    ingestRoutes?: HerderDeps["ingestRoutes"];
    /** Why a RUNNING task does not get its records into Kafka (app.ts: the spool's or the task's); default none. */
    degradedTrace?: HerderDeps["degradedTrace"];
  } = {},
): Promise<InProcessWorker> {
  const config = loadWorkerConfig({
    "offset.flush.interval.ms": "60000",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    ...options.worker,
  });
  const db = options.db ?? new Database(":memory:");
  if (!options.db) migrate(db, ":memory:");
  const kafka = new MemoryKafka();
  const logLines: string[] = [];
  const logs = new LogManager({ sink: (line) => logLines.push(line) });
  const scripted = new Scripted();
  if (options.script) scripted.script = options.script;
  // A plugin of the options replaces the built-in of its class (an ingest connector bound to a route table).
  const replaced = new Set(options.plugins?.map((p) => p.className));
  const builtIns = builtInPlugins.filter((p) => !replaced.has(p.className));
  const registry = new PluginRegistry([...builtIns, ...scriptedPlugins(scripted), ...(options.plugins ?? [])]);
  const configs = new ConfigStore(db);
  const statuses = new StatusStore(db);
  const offsets = new OffsetStore(db);
  const resolveConfig: ResolveConfig = options.resolveConfig ?? (async (c: Config) => c);
  let herderRef: Herder | undefined;
  const activeTopics = new ActiveTopicRegistry(
    (connector, topic) => herderRef?.recordActiveTopic(connector, topic) ?? false,
  );
  const consumerMembers = new ConsumerMemberStore(db);
  const worker = new Worker({
    config,
    registry,
    kafka: options.kafka ?? kafka,
    offsets,
    consumerMembers,
    clock: options.clock ?? systemClock,
    logs,
    resolveConfig,
    activeTopics,
  });
  const herder = new Herder({
    worker,
    configs,
    statuses,
    offsets,
    consumerMembers,
    registry,
    workerId: () => "127.0.0.1:8083",
    logs,
    resolveConfig,
    activeTopics,
    topicTracking: { enabled: true, allowReset: true },
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.statusRetryTimer ? { statusRetryTimer: options.statusRetryTimer } : {}),
    ...(options.idempotencyKeys ? { idempotencyKeys: options.idempotencyKeys } : {}),
    ...(options.ingestState ? { ingestState: options.ingestState } : {}),
    ...(options.ingestRoutes ? { ingestRoutes: options.ingestRoutes } : {}),
    ...(options.degradedTrace ? { degradedTrace: options.degradedTrace } : {}),
  });
  herderRef = herder;
  await herder.start();
  const app = restApp([...connectorRoutes(), ...connectorPluginRoutes()], { herder, logs });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await herder.stop();
    if (!options.db) db.close();
  };
  return {
    herder,
    worker,
    kafka,
    scripted,
    db,
    logs,
    configs,
    offsets,
    logLines,
    rest: async (method, path, body) => {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers = { "Content-Type": "application/json" };
      }
      const response = await app.request(`http://127.0.0.1:8083${path}`, init);
      const text = await response.text();
      return { status: response.status, body: text === "" ? null : JSON.parse(text) };
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** A ConnectorStatusListener that records the connectors started and the errors they failed with. */
export function recording(): { listener: ConnectorStatusListener; failed: unknown[]; started: string[] } {
  const failed: unknown[] = [];
  const started: string[] = [];
  const listener: ConnectorStatusListener = {
    onStartup: (n) => void started.push(n),
    onPause: () => undefined,
    onResume: () => undefined,
    onStop: () => undefined,
    onFailure: (_, error) => void failed.push(error),
  };
  return { listener, failed, started };
}

/** Waits until the connector and its tasks are in these states (true), or fails with what it saw. */
export async function awaitStates(
  w: InProcessWorker,
  name: string,
  connector: string,
  tasks: string[],
): Promise<boolean> {
  const want = JSON.stringify([connector, tasks]);
  let seen = "";
  await waitFor(
    async () => {
      const { body } = await w.rest("GET", `/connectors/${name}/status`);
      seen = JSON.stringify([body?.connector?.state, (body?.tasks ?? []).map((t: { state: string }) => t.state)]);
      return seen === want;
    },
    { what: `${name} to be ${want}` },
  ).catch(() => {
    throw new Error(`${name} is ${seen}, not ${want}`);
  });
  return true;
}
