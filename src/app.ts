/**
 * The composition root: opens the store, picks the Kafka adapter, builds the plugin registry,
 * Worker and Herder, and starts the REST listeners. No logic lives here; only this module knows
 * the concrete adapters.
 */
import type { Database } from "bun:sqlite";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import type { Config } from "./api/connector.ts";
import { appStopSteps } from "./app-stop.ts";
import { clientProperties } from "./client-properties.ts";
import type { ConfigProvider } from "./config-providers/config-provider.ts";
import { restProxyOwners } from "./connectors/http-ingest/rest-proxy-owners.ts";
import { BodyBudget } from "./ingest/body-budget.ts";
import { clearTextIngestListeners } from "./ingest/clear-text-listeners.ts";
import { StoredIdempotencyGuard } from "./ingest/idempotency.ts";
import { ingestApp } from "./ingest/ingest-handler.ts";
import { IngestMetrics } from "./ingest/ingest-metrics.ts";
import { IngestSecurity } from "./ingest/ingest-security.ts";
import { IngestServer } from "./ingest/ingest-server.ts";
import { openApiDocument } from "./ingest/openapi.ts";
import { partitionCounts } from "./ingest/partition-counts.ts";
import type { IngestStagesFactory } from "./ingest/request-context.ts";
import { restProxyGateFamilies } from "./ingest/rest-proxy-gate.ts";
import { IngestRouteTable, type RouteTarget } from "./ingest/route-table.ts";
import { SpoolMetrics } from "./ingest/spool/spool-metrics.ts";
import { warnUnclaimedSpool } from "./ingest/spool/spool-unclaimed.ts";
import type { ClientIdentitySource } from "./ingest/tls/ingest-tls-config.ts";
import { clusterIdAt } from "./kafka/cluster-id-at.ts";
import type { KafkaPort } from "./kafka/kafka-port.ts";
import { type KafkaClientName, kafkaPorts } from "./kafka/kafka-ports.ts";
import type { PluginRegistry } from "./plugin/registry.ts";
import { builtInRegistry } from "./plugins.ts";
import { type RestServers, startRestServers } from "./rest/server.ts";
import { ActiveTopicRegistry } from "./runtime/active-topics.ts";
import { Herder } from "./runtime/herder.ts";
import { KafkaReachability } from "./runtime/kafka-reachability.ts";
import type { ResolveConfig } from "./runtime/resolved-values.ts";
import { connectorCreatesTopics } from "./runtime/topic-creation.ts";
import { Worker } from "./runtime/worker.ts";
import { WorkerSinkTask } from "./runtime/worker-sink-task.ts";
import { WorkerSourceTask } from "./runtime/worker-source-task.ts";
import { stopSteps } from "./stop-steps.ts";
import { ConfigStore } from "./store/config-store.ts";
import { ConsumerMemberStore } from "./store/consumer-member-store.ts";
import { DataFileWatch, setAsideFiles } from "./store/data-file-watch.ts";
import { DATABASE_FILE, openDatabase } from "./store/database.ts";
import { IdempotencyStore } from "./store/idempotency-store.ts";
import { OffsetStore } from "./store/offset-store.ts";
import { SpoolStore } from "./store/spool-store.ts";
import { StatusStore } from "./store/status-store.ts";
import { type Clock, systemClock } from "./util/clock.ts";
import { type LogManager, logManager } from "./util/logger.ts";
import { clockTimer, unrefTimer } from "./util/timer.ts";
import type { WorkerConfig } from "./worker-config.ts";
import { checkWorkerConverters } from "./worker-converters.ts";

export interface AppOptions {
  readonly config: WorkerConfig;
  readonly kafka?: KafkaPort;
  readonly registry?: PluginRegistry;
  readonly logs?: LogManager;
  readonly clock?: Clock;
  /**
   * Resolves `${provider:path:key}` references (config providers) just before use; `secret` tells a
   * resolved value from what is no secret: a `connector.class` given by reference that names a plugin
   * (only for that key: a value resolved for any other key stays a secret whatever it is).
   */
  readonly resolveConfig?: (secret: (value: string, configKeys: readonly string[]) => boolean) => ResolveConfig;
  /** Closed when the app stops. */
  readonly configProviders?: ReadonlyMap<string, ConfigProvider>;
  /** Builds each ingest route's authenticate/authorize/limit stages (default: device security from the connector's config). */
  readonly ingestStages?: IngestStagesFactory;
  /**
   * The broker refused the worker before the cluster was first reached (KafkaReachability): its
   * credentials or access, or the TLS handshake (a broker certificate the worker does not trust).
   */
  readonly onKafkaRefused?: (error: unknown) => void;
  /** gateway.db's or spool.db's path no longer names the open file (deleted or replaced: data-file-watch.ts); already logged. */
  readonly onDataFileLost?: () => void;
  /** How long a listener's close may take past its drain (default: app-stop.ts's LISTENER_CLOSE_LIMIT_MS). */
  readonly listenerCloseLimitMs?: number;
}

export interface App {
  readonly herder: Herder;
  readonly worker: Worker;
  readonly db: Database;
  readonly rest: RestServers;
  readonly ingest: IngestServer;
  /** The URL other workers are told to reach this one at (rest.advertised.*), as Connect logs it. */
  readonly advertisedUrl: string;
  /**
   * Stops the listeners, connectors and tasks (committing what Kafka acknowledged) and the store.
   * A listener that does not close within its limit is given up on (logged) and the stop goes on.
   */
  stop(): Promise<void>;
  /** What the stop is waiting for now (a step's name), or undefined when no stop is in progress. */
  stopping(): string | undefined;
}

const CLUSTER_ID_TIMEOUT_MS = 5000;

/** Connect's advertised URL, and its `<advertised host>:<advertised port>` (the worker_id). */
function advertised(config: WorkerConfig, urls: readonly string[]): { url: string; workerId: string } {
  const wanted = config["rest.advertised.listener"]?.toLowerCase();
  const index = Math.max(0, wanted ? config.restListeners.findIndex((l) => l.protocol === wanted) : 0);
  const listener = config.restListeners[index]!;
  const bound = new URL(urls[index]!);
  const any = listener.host === "" || listener.host === "0.0.0.0" || listener.host === "::";
  // An empty name is no name, as Connect's RestServer takes it (a template's CONNECT_REST_ADVERTISED_HOST_NAME=).
  const named = config["rest.advertised.host.name"] || (any ? hostname() : listener.host);
  // An IPv6 literal in brackets, in the URL and in the worker_id (Java's URI.getHost() keeps them).
  const host = named.includes(":") && !named.startsWith("[") ? `[${named}]` : named;
  const port = config["rest.advertised.port"] ?? Number(bound.port);
  return { url: `${bound.protocol}//${host}:${port}/`, workerId: `${host}:${port}` };
}

export function startApp(options: AppOptions): App {
  const { config } = options;
  const logs = options.logs ?? logManager;
  const clock = options.clock ?? systemClock;
  // A route stays (503) while its connector exists and is not STOPPED, or the store cannot be read: a restart or
  // config change replaces the instance without a 404 in between. One read serves the lookup and the 503's message.
  // A connector whose config names a class serving no route (changed while PAUSED) is no ingest connector: its
  // route goes once no task is attached (UNROUTED). One narrow query per request to a suspended route.
  const ingestRoutes: IngestRouteTable = new IngestRouteTable((connector): RouteTarget | undefined => {
    const stored = configs.targetAndClass(connector);
    if (!stored) return undefined;
    return registry.classServesRequests(stored.connectorClass) ? stored.targetState : "UNROUTED";
  });
  const ingestSecurity = new IngestSecurity({
    mtlsIdentity: config["ingest.listeners.https.ssl.client.identity"] as ClientIdentitySource,
    clientCertificates:
      (config["ingest.listeners"] ?? []).some((l) => /^\s*https:/i.test(l)) &&
      config["ingest.listeners.https.ssl.client.auth"] !== "none",
    clearTextListeners: clearTextIngestListeners(config.ingestListeners),
    clock,
    global: config.originals,
  });
  const ingestMetrics = new IngestMetrics();
  ingestMetrics.follow(ingestRoutes);
  // The spool (its file, in a worker thread) is opened when the first ingest.ack.mode=spool task
  // starts; opened again by the next one after its worker died or it failed to open. Calls chain,
  // so that tasks starting together share one.
  let spool: Promise<SpoolStore> | undefined;
  const spoolStore = (): Promise<SpoolStore> => {
    const previous = spool;
    spool = (async () => {
      const current = await previous?.catch(() => undefined);
      if (current && !current.failure) return current;
      const opened = await SpoolStore.open(config["data.dir"], {
        now: () => clock.now(),
        totalMaxBytes: config["ingest.spool.total.max.bytes"],
        memoryMaxBytes: config["ingest.spool.memory.max.bytes"],
        pageSize: config["ingest.spool.page.size"],
        onFileLost: () => options.onDataFileLost?.(),
      });
      // A spool task starts from the herder, which has every stored connector by then.
      warnUnclaimedSpool(opened, (name) => configs.get(name)?.config, logs.get("io.edgegateway.ingest.Spool"));
      return opened;
    })();
    return spool;
  };
  const spoolMetrics = new SpoolMetrics(
    () => clock.now(),
    (connector) => configs.get(connector) !== undefined,
  );
  ingestMetrics.recordsInFlight = () => {
    let n = 0;
    for (const route of ingestRoutes.routes()) for (const w of route.writers) n += w.pending;
    return n;
  };
  const registry =
    options.registry ??
    builtInRegistry({
      routes: ingestRoutes,
      stages: options.ingestStages ?? ingestSecurity.stagesFactory,
      metrics: ingestMetrics,
      spool: spoolStore,
      spoolMetrics,
      workerProducerAcks: clientProperties(config, "producer").acks,
      workerConverters: { key: config["key.converter"], value: config["value.converter"] },
    });
  checkWorkerConverters(config, registry);
  const kafka = options.kafka ?? kafkaPorts[config["kafka.client"] as KafkaClientName](logs);
  const databaseLog = logs.get("io.edgegateway.store.Database");
  const db = openDatabase(config["data.dir"], {
    warn: (message) => databaseLog.warn(message),
    info: (message) => databaseLog.info(message),
  });
  const dataFile = new DataFileWatch({
    db,
    path: join(resolve(config["data.dir"]), DATABASE_FILE),
    name: "data file",
    holds: "connector configs, offsets, statuses",
    log: databaseLog,
    setTimer: options.clock ? clockTimer(clock) : unrefTimer,
    onLost: (message) => {
      databaseLog.error(message);
      options.onDataFileLost?.();
    },
  });
  dataFile.start();
  const setAside = setAsideFiles(resolve(config["data.dir"]));
  if (setAside.length > 0) {
    databaseLog.warn(
      `${resolve(config["data.dir"])} holds ${setAside.join(", ")}: what the open gateway.db or spool.db held when another file replaced it while the gateway ran, set aside; no start reads it (README: Operating, State)`,
    );
  }
  const configs = new ConfigStore(db);
  // A REST Proxy topic a stored connector names is its alone, also while it has no route.
  ingestRoutes.owners = restProxyOwners(
    configs,
    (c) => registry.fullName(c),
    (c) => ingestRoutes.routes().find((route) => route.connector === c)?.settings.restProxyNamed,
  );
  const statuses = new StatusStore(db);
  const offsets = new OffsetStore(db);
  const consumerMembers = new ConsumerMemberStore(db);
  const idempotencyKeys = new IdempotencyStore(db, {
    maxBytes: config["ingest.idempotency.max.bytes"],
    connectorExists: (c) => configs.has(c),
  });
  // Keys of connectors deleted before their keys went with them (earlier releases) go too.
  const orphans = idempotencyKeys.removeOrphans((c) => configs.has(c));
  if (orphans.length > 0)
    logs
      .get("io.edgegateway.store.IdempotencyStore")
      .info(`Deleting the Idempotency-Keys of ${orphans.length} connector(s) that no longer exist`);
  // Prunes expired keys also when keyed traffic stops (explore5 E5); on a test's clock when given.
  idempotencyKeys.startPruning(() => clock.now(), options.clock ? clockTimer(clock) : unrefTimer);
  ingestMetrics.idempotencyUsage = () => ({ ...idempotencyKeys.usage(), maxBytes: idempotencyKeys.maxBytes });
  let herderRef: Herder | undefined;
  const activeTopics = new ActiveTopicRegistry(
    (connector, topic) => herderRef?.recordActiveTopic(connector, topic) ?? false,
  );
  const resolveConfig: ResolveConfig =
    options.resolveConfig?.(
      (value, keys) =>
        keys.some((key) => key !== "connector.class") || registry.find(["source", "sink"], value) === undefined,
    ) ?? (async (c: Config) => c);
  const sourceTask = (connector: string, task: number): WorkerSourceTask | undefined => {
    const running = worker.task({ connector, task });
    return running instanceof WorkerSourceTask ? running : undefined;
  };
  const worker = new Worker({
    config,
    registry,
    kafka,
    offsets,
    consumerMembers,
    clock,
    logs,
    resolveConfig,
    activeTopics,
  });
  let id = "";
  const herder = new Herder({
    worker,
    configs,
    statuses,
    offsets,
    idempotencyKeys,
    ingestState: ingestSecurity,
    ingestRoutes,
    consumerMembers,
    registry,
    workerId: () => id,
    logs,
    resolveConfig,
    converterDefaults: {
      "key.converter": config["key.converter"],
      "value.converter": config["value.converter"],
      "header.converter": config["header.converter"],
    },
    activeTopics,
    topicTracking: { enabled: config["topic.tracking.enable"], allowReset: config["topic.tracking.allow.reset"] },
    // The spool's (a send being retried names its cause), else the task's own (kafka-mode ingest, a sink's endpoint).
    degradedTrace: (connector, task) => {
      const running = worker.task({ connector, task });
      if (running instanceof WorkerSinkTask) return running.degradedTrace;
      const source = sourceTask(connector, task);
      return spoolMetrics.degradedTrace(connector, source?.sendRetry?.failure) ?? source?.degradedTrace ?? null;
    },
    clock,
  });
  herderRef = herder;
  const reachability = new KafkaReachability({
    lookup: () => worker.admin().then((a) => a.clusterId()),
    lookupAt: (broker, signal) =>
      clusterIdAt(kafka, worker.clientProperties("admin"), broker, CLUSTER_ID_TIMEOUT_MS, signal),
    bootstrap: config["bootstrap.servers"],
    log: logs.get("io.edgegateway.Gateway"),
    lookupTimeoutMs: CLUSTER_ID_TIMEOUT_MS,
    ...(options.onKafkaRefused ? { onRefused: options.onKafkaRefused } : {}),
  });
  const rest = startRestServers({
    config,
    herder,
    logs,
    extraMetrics: () => [
      ...ingestMetrics.families(),
      ...ingestSecurity.families(),
      ...spoolMetrics.families(),
      ...ingest.families(),
      ...restProxyGateFamilies(ingestRoutes),
    ],
    root: {
      clusterId: () => reachability.clusterId(),
      kafkaReachable: () => reachability.isReachable,
      bootstrap: config["bootstrap.servers"].join(","),
    },
  });
  reachability.start();
  const { url: advertisedUrl, workerId } = advertised(config, rest.urls);
  id = workerId;
  // A graceful stop answers the ingest requests in flight (their tasks still run), as Connect's REST
  // server finishes its own; the stop bounds the ingest listeners' close by the same drain.
  const drainMs = config["task.shutdown.graceful.timeout.ms"];
  const ingest = new IngestServer({
    listeners: config["ingest.listeners"],
    originals: config.originals,
    routes: ingestRoutes,
    log: logs.get("io.edgegateway.ingest.IngestServer"),
    drainMs,
    clock,
    app: ingestApp({
      routes: ingestRoutes,
      metrics: ingestMetrics,
      clock,
      log: logs.get("io.edgegateway.ingest.IngestHandler"),
      redact: (text, connector) =>
        connector === undefined ? logs.redact(text) : herder.hideForClient(connector, text),
      partitions: partitionCounts(() => worker.admin(), clock),
      createsTopics: (connector) => connectorCreatesTopics(config, configs.get(connector)?.config ?? {}),
      bodies: new BodyBudget(config["ingest.request.bodies.max.bytes"], () => ingestRoutes.openCount()),
      idempotency: new StoredIdempotencyGuard(
        idempotencyKeys,
        clock,
        logs.get("io.edgegateway.ingest.Idempotency"),
        ingestMetrics,
      ),
      openApi: config["ingest.openapi.enabled"] ? () => openApiDocument(ingestRoutes.routes()) : undefined,
    }),
  });
  ingest.start();
  const stop = stopSteps(
    appStopSteps({
      rest,
      reachability,
      ingest,
      herder,
      worker,
      ...(options.configProviders ? { configProviders: options.configProviders } : {}),
      spool: () => spool?.catch(() => undefined),
      // The pruning of expired Idempotency-Keys stops before the file closes.
      db: {
        close: () => {
          idempotencyKeys.close();
          dataFile.stop();
          dataFile.writeBack();
          db.close();
        },
      },
      drainMs,
      ...(options.listenerCloseLimitMs !== undefined ? { closeLimitMs: options.listenerCloseLimitMs } : {}),
    }),
    logs.get("io.edgegateway.Gateway"),
    clock,
  );
  return {
    herder,
    worker,
    db,
    rest,
    ingest,
    advertisedUrl,
    stop: () => stop.run(),
    stopping: () => stop.current(),
  };
}
