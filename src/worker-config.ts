/**
 * The worker's own settings (connect-standalone's worker.properties), declared once with the
 * config DSL: validation, defaults and docs/worker-config.md all come from `workerConfigDef`.
 * Kafka client settings (`security.protocol`, `sasl.*`, `ssl.*`, …) pass through to every client;
 * `producer.*`, `consumer.*` and `admin.*` override them per client type, as in Connect
 * (client-properties.ts); the listener URIs are parsed in listener.ts.
 * Every key may also come from the environment as `CONNECT_<KEY>` (see util/properties.ts); the
 * environment wins over the file.
 */
import { configProvidersWorkerConfig } from "./config-providers/config-transformer.ts";
import {
  type ConnectorClientConfigOverridePolicy,
  overridePolicyName,
  overridePolicyOf,
  unknownOverridePolicy,
} from "./connector-client-config-override-policy.ts";
import { ingestBodyBudgetConfigDef } from "./ingest/body-budget.ts";
import { ingestGlobalQuotaConfigDef } from "./ingest/quota/ingest-quotas.ts";
import { ingestSpoolWorkerConfigDef } from "./ingest/spool/spool-config.ts";
import { ingestTlsConfigDef } from "./ingest/tls/ingest-tls-config.ts";
import { type Listener, workerListeners } from "./listener.ts";
import { ConfigDef, check, defineConfig, key, type RawConfig } from "./plugin/config-def.ts";
import { restAuthenticationConfigDef } from "./rest/auth/auth-config.ts";
import { checkResponseHttpHeaders } from "./rest/response-http-headers.ts";
import { restTlsConfigDef } from "./rest/rest-tls-config.ts";
import { configFromEnvironment } from "./util/properties.ts";

const REST = "REST";
const RUNTIME = "Runtime";

const ownWorkerConfig = defineConfig({
  "bootstrap.servers": key.list({
    doc: "Kafka brokers to connect to, as host:port pairs separated by commas.",
    default: ["localhost:9092"],
    importance: "HIGH",
    group: "Kafka",
    displayName: "Bootstrap servers",
  }),
  listeners: key.list({
    doc: "REST API listeners, comma-separated protocol://host:port URIs (http or https). An empty host binds every interface; port 0 picks a free port. Unset and without rest.authentication, the default binds 127.0.0.1 only (http://127.0.0.1:8083), so an unauthenticated API is not exposed by accident. An https listener takes its TLS settings from the listeners.https.ssl.* keys when any listeners.https. key is set (all or nothing: an unset one is at its default), else from the top-level ssl.* keys, as Connect's RestServer. Two entries on one port are refused at start, naming the repeated one (as for ingest.listeners).",
    default: ["http://:8083"],
    importance: "LOW",
    group: REST,
    displayName: "Listeners",
  }),
  "admin.listeners": key.list({
    doc: "Listeners for the admin endpoints (/admin/loggers and /metrics). Unset: served on the regular listeners. Empty: admin endpoints disabled. Otherwise served only on these listeners. An https admin listener takes its TLS settings from the admin.listeners.https.ssl.* keys when any admin.listeners.https. key is set, else from the top-level ssl.* keys (never from listeners.https.*). One on the port of a REST listener, or two on one port, are refused at start, naming the repeated one (as for ingest.listeners).",
    default: null,
    importance: "LOW",
    group: REST,
    displayName: "Admin listeners",
  }),
  "ingest.listeners": key.list({
    doc: "Ingest listeners (devices POST records here; the REST API is never served on them), comma-separated protocol://host:port URIs (http or https; https takes its key store from ingest.listeners.https.ssl.*). Unset: http://:8080, opened when the first HttpIngestSource connector starts (a connector whose start cannot open it, its port taken, is FAILED saying why). Empty: no ingest listener (an ingest connector then starts with a WARN that devices cannot reach its ingest.path). Two entries on the same port are refused at start, naming the repeated one, as is one on the port of a REST or admin listener: the same URI twice, the same host (localhost is 127.0.0.1, [::ffff:127.0.0.1] too), one of them on [::] (every interface, IPv4 ones included), or one on 0.0.0.0 or an empty host (every IPv4 interface) and the other on an IPv4 address or a host name; 0.0.0.0 and an IPv6 address such as [::1] do not clash.",
    default: null,
    importance: "HIGH",
    group: "Ingest",
    displayName: "Ingest listeners",
  }),
  "ingest.openapi.enabled": key.boolean({
    doc: "Serve GET /openapi.json on the ingest listeners: the OpenAPI 3.1 description of every open ingest route (each connector's ingest.path and topics) and the REST Proxy routes. It is served without authentication; set false where route paths and topic names must not be visible to clients that are not let in (the path then answers 404).",
    default: true,
    importance: "LOW",
    group: "Ingest",
    displayName: "Ingest OpenAPI description",
  }),
  "ingest.idempotency.max.bytes": key.long({
    doc: "Most bytes of Idempotency-Keys kept in gateway.db for all the worker's ingest connectors together (each key keeps its request's whole answer: about 200 bytes for one record, about 58 bytes a record for a large request). Storing a key that would pass it first deletes the keys that expire first (the oldest, with one window), before their ingest.idempotency.window.ms ends: a retry with such a key writes its records again; ingest_idempotency_keys_dropped_total counts them and a WARN says so, at most once a minute. It keeps a whole window up to cap / (bytes per key x window in seconds) keyed requests a second: the default keeps 24 h of keys up to ~15 one-record requests a second. Keys over it (a file of an earlier release, a lowered cap) are deleted by a timer in batches, not by one request. An answer larger than the cap by itself is not kept (ingest_idempotency_keys_not_stored_total). 0: no cap.",
    default: 268_435_456,
    importance: "MEDIUM",
    group: "Ingest",
    displayName: "Idempotency-Keys max bytes",
    validators: [check.atLeast(0)],
  }),
  "rest.advertised.host.name": key.string({
    doc: "Host name advertised to clients and used in worker_id; defaults to the listener's host (the machine's host name for a listener on every interface); an empty value is unset, as in Connect.",
    default: null,
    importance: "LOW",
    group: REST,
  }),
  "rest.advertised.port": key.int({
    doc: "Port advertised to clients and used in worker_id; defaults to the listener's port.",
    default: null,
    importance: "LOW",
    group: REST,
  }),
  "rest.advertised.listener": key.string({
    doc: "Which listener (http or https) to advertise.",
    default: null,
    importance: "LOW",
    group: REST,
  }),
  "access.control.allow.origin": key.string({
    doc: "Value for the Access-Control-Allow-Origin header of REST responses; empty disables CORS.",
    default: "",
    importance: "LOW",
    group: REST,
  }),
  "access.control.allow.methods": key.string({
    doc: "Methods allowed in cross-origin requests (Access-Control-Allow-Methods); default GET,POST,HEAD.",
    default: "",
    importance: "LOW",
    group: REST,
  }),
  "response.http.headers.config": key.string({
    doc: "Headers added to every answer of the REST listeners (listeners; not admin.listeners when they are separate, not the ingest listeners), as Connect's RestServer adds them with Jetty's HeaderFilter: comma-separated rules '[action] [header name]:[header value]', a rule in double quotes when it holds a comma. Actions: set (replaces), add (appends a value), setDate and addDate (the value is a millisecond offset from now, sent as an HTTP date, as Expires). A header the answer sets itself (Content-Type) keeps its own value; rules for the headers the listener writes itself (Content-Length, Transfer-Encoding, Connection, Keep-Alive, Date) are ignored with a WARN. An invalid rule stops startup with Connect's message. Empty: no headers.",
    default: "",
    importance: "LOW",
    group: REST,
    displayName: "Response HTTP headers",
    validators: [checkResponseHttpHeaders],
  }),
  "rest.request.body.max.bytes": key.long({
    doc: "Largest request body the REST API reads, in bytes. A larger body (by its Content-Length, or once that many bytes arrived) is answered 413 without reading the rest.",
    default: 1048576,
    importance: "LOW",
    group: REST,
    validators: [check.atLeast(1)],
  }),
  "rest.request.body.timeout.ms": key.long({
    doc: "Time a client has to send a whole request body to the REST API; a slower or endless body is answered 408 and the connection closed.",
    default: 30000,
    importance: "LOW",
    group: REST,
    validators: [check.atLeast(1)],
  }),
  "key.converter": key.class({
    doc: "Default converter for record keys, used by connectors that do not set key.converter. A class that is not a converter of this gateway stops startup, as in Connect.",
    default: "org.apache.kafka.connect.json.JsonConverter",
    importance: "HIGH",
    group: RUNTIME,
  }),
  "value.converter": key.class({
    doc: "Default converter for record values, used by connectors that do not set value.converter. A class that is not a converter of this gateway stops startup, as in Connect.",
    default: "org.apache.kafka.connect.json.JsonConverter",
    importance: "HIGH",
    group: RUNTIME,
  }),
  "header.converter": key.class({
    doc: "Default converter for record headers. A class that is not a header converter of this gateway stops startup, as in Connect.",
    default: "org.apache.kafka.connect.storage.SimpleHeaderConverter",
    importance: "LOW",
    group: RUNTIME,
  }),
  // No validator, as Connect's WorkerConfig: a Connect worker file with 0 must start.
  "offset.flush.interval.ms": key.long({
    doc: "Interval at which source offsets are committed to the data file and sink offsets to Kafka. 0 or less: as often as the task's loop turns (a sink commits after every put, as Connect's WorkerSinkTask; a source stores its acknowledged offsets after every poll), which costs an idle sink task about 7-8 % of a CPU core (its loop turns every millisecond, as Connect's poll(0)).",
    default: 60000,
    importance: "LOW",
    group: RUNTIME,
  }),
  "offset.flush.timeout.ms": key.long({
    doc: "How long a sink task's offset commit waits for the consumer group's answer before it is given up (WARN Commit of offsets timed out, counted as a failed commit, its late answer not counted): the task goes on, and the next commit sends the offsets again, as Connect's WorkerSinkTask, once the Kafka client stopped retrying the given-up one (an older commit landing last would move the group's offsets back): until then a commit that falls due or is requested waits and is made as soon as it settled (during a put's redelivery: at its next try), and a revocation's or the stop's commit waits for it. Source offsets are stored in the data file at once, with nothing to wait for (acknowledged records only, as Connect's), so it has no effect on source tasks.",
    default: 5000,
    importance: "LOW",
    group: RUNTIME,
  }),
  "task.shutdown.graceful.timeout.ms": key.long({
    doc: "How long to wait for tasks to shut down gracefully before abandoning them.",
    default: 5000,
    importance: "LOW",
    group: RUNTIME,
  }),
  "connector.start.timeout.ms": key.long({
    doc: "How long a connector's start may take (an OAuth token fetch, a handshake) before the connector is marked FAILED. The herder and the REST API never wait for a start.",
    default: 60000,
    importance: "LOW",
    group: RUNTIME,
    validators: [check.atLeast(1)],
  }),
  "exactly.once.source.support": key.string({
    doc: "Connect's exactly-once source support: disabled (Connect's default), preparing or enabled, case-insensitive. This worker has none: source tasks commit their offsets after their records are acknowledged (at-least-once) whatever the value, and connectors with exactly.once.support=required are refused; preparing and enabled start with a WARN that says so. Another value stops startup with Connect's message.",
    default: "disabled",
    importance: "HIGH",
    group: RUNTIME,
    displayName: "Exactly-once source support",
    validators: [check.oneOfIgnoreCase(["disabled", "enabled", "preparing"])],
  }),
  "topic.creation.enable": key.boolean({
    doc: "Let source connectors create the topics they write to, with the settings of their topic.creation.* keys (KIP-158).",
    default: true,
    importance: "LOW",
    group: RUNTIME,
  }),
  "topic.tracking.enable": key.boolean({
    doc: "Track the topics each connector uses (GET /connectors/{name}/topics).",
    default: true,
    importance: "LOW",
    group: RUNTIME,
  }),
  "topic.tracking.allow.reset": key.boolean({
    doc: "Allow resetting a connector's active topics (PUT /connectors/{name}/topics/reset).",
    default: true,
    importance: "LOW",
    group: RUNTIME,
  }),
  "kafka.client": key.string({
    doc: "The Kafka client library behind the gateway's Kafka port: platformatic (@platformatic/kafka for producing, admin and consumer groups; the faster source and sink paths, see BENCHMARKS.md) or kafkajs (kafkajs for everything).",
    default: "platformatic",
    importance: "LOW",
    group: "Kafka",
    displayName: "Kafka client",
    validators: [check.oneOf(["platformatic", "kafkajs"])],
  }),
  "connector.client.config.override.policy": key.string({
    doc: "Which producer.override.*, consumer.override.* and admin.override.* keys connectors may set, as Connect's ConnectorClientConfigOverridePolicy: All (every key), None (no key), Principal (only sasl.jaas.config, sasl.mechanism and security.protocol; deprecated in Connect for Allowlist) or Allowlist (the keys in connector.client.config.override.allowlist). Class names work too (org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy, NoneConnectorClientConfigOverridePolicy). Each key the policy does not allow is an error on that key in config validation, so creating or updating such a connector is refused (400).",
    default: "All",
    importance: "MEDIUM",
    group: RUNTIME,
    validators: [(s) => (s === null || overridePolicyName(s) !== undefined ? undefined : unknownOverridePolicy(s))],
  }),
  "connector.client.config.override.allowlist": key.list({
    doc: "With connector.client.config.override.policy=Allowlist: the client keys (without their producer.override., consumer.override. or admin.override. prefix) connectors may override. If empty, connectors can't override any client configurations.",
    default: [],
    importance: "MEDIUM",
    group: RUNTIME,
    validators: [
      (list) => {
        const name = "connector.client.config.override.allowlist";
        if (list === null) return `Configuration '${name}' values must not be null.`;
        if (new Set(list).size !== list.length) return `Configuration '${name}' values must not be duplicated.`;
        if (list.includes("")) return `Configuration '${name}' values must not be empty.`;
        return undefined;
      },
    ],
  }),
  "data.dir": key.string({
    doc: "Directory of the gateway's SQLite file (connector configs, offsets, status).",
    default: "data",
    importance: "HIGH",
    group: RUNTIME,
    validators: [check.nonEmpty()],
  }),
  "plugin.path": key.list({
    doc: "Accepted for compatibility with Connect worker files; the gateway's plugins are built in, so it is unused.",
    default: null,
    importance: "LOW",
    group: RUNTIME,
  }),
  "log.level": key.string({
    doc: "Root log level (OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL); change it at run time through /admin/loggers.",
    default: "INFO",
    importance: "LOW",
    group: RUNTIME,
    validators: [check.oneOfIgnoreCase(["OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL"])],
  }),
  "log.format": key.string({
    doc: "Log line format: text (Connect's layout) or json (one object per line).",
    default: "text",
    importance: "LOW",
    group: RUNTIME,
    validators: [check.oneOf(["text", "json"])],
  }),
});

/**
 * The worker's keys: its own, config.providers (provider params are in docs/config-providers.md)
 * rest.authentication.*, the REST https listeners' TLS keys (listeners.https.ssl.*,
 * admin.listeners.https.ssl.* and ssl.client.auth), the ingest listener's TLS keys
 * (ingest.listeners.https.ssl.*), the gateway-wide ingest quota (ingest.quota.global.*), spool limits
 * (ingest.spool.*) and the bound on request bodies being received (ingest.request.bodies.max.bytes).
 */
export const workerConfigDef = ownWorkerConfig
  .concat(configProvidersWorkerConfig)
  .concat(restAuthenticationConfigDef)
  .concat(restTlsConfigDef)
  .concat(ingestTlsConfigDef)
  .concat(ingestGlobalQuotaConfigDef)
  .concat(ingestSpoolWorkerConfigDef)
  .concat(ingestBodyBudgetConfigDef);

const STATE_IN_DATA_DIR = "state lives in data.dir";
const NO_WORKER_GROUP = "it runs one worker of its own, in no group of workers";

/**
 * Keys of Connect's worker (WorkerConfig, DistributedConfig, RestServerConfig, StandaloneConfig)
 * that have no effect here: accepted, each warned about once at start with why (main.ts).
 */
export const IGNORED_KEY_REASONS: Readonly<Record<string, string>> = {
  "offset.storage.file.filename": STATE_IN_DATA_DIR,
  "group.id": STATE_IN_DATA_DIR,
  "config.storage.topic": STATE_IN_DATA_DIR,
  "offset.storage.topic": STATE_IN_DATA_DIR,
  "status.storage.topic": STATE_IN_DATA_DIR,
  "config.storage.replication.factor": STATE_IN_DATA_DIR,
  "offset.storage.replication.factor": STATE_IN_DATA_DIR,
  "status.storage.replication.factor": STATE_IN_DATA_DIR,
  "offset.storage.partitions": STATE_IN_DATA_DIR,
  "status.storage.partitions": STATE_IN_DATA_DIR,
  "rest.extension.classes": "it loads no REST extensions",
  "plugin.discovery": "its plugins are built in",
  "scheduled.rebalance.max.delay.ms": NO_WORKER_GROUP,
  "connect.protocol": NO_WORKER_GROUP,
  "worker.sync.timeout.ms": NO_WORKER_GROUP,
  "worker.unsync.backoff.ms": NO_WORKER_GROUP,
  "rebalance.timeout.ms": NO_WORKER_GROUP,
  "inter.worker.key.generation.algorithm": NO_WORKER_GROUP,
  "inter.worker.key.size": NO_WORKER_GROUP,
  "inter.worker.key.ttl.ms": NO_WORKER_GROUP,
  "inter.worker.signature.algorithm": NO_WORKER_GROUP,
  "inter.worker.verification.algorithms": NO_WORKER_GROUP,
  "auto.include.jmx.reporter": "it has no JMX; its metrics are served on /metrics",
};

export const IGNORED_KEYS = Object.keys(IGNORED_KEY_REASONS);

/**
 * The startup WARN for `exactly.once.source.support` at preparing or enabled (a Connect worker file
 * of a cluster that uses it): this worker runs its source tasks as with disabled. None for disabled.
 */
export function exactlyOnceSourceWarning(
  config: Pick<ParsedWorkerConfig, "exactly.once.source.support">,
): string | undefined {
  const value = config["exactly.once.source.support"];
  if (value.toLowerCase() === "disabled") return undefined;
  return `Worker config exactly.once.source.support=${value} has no effect in this gateway (it has no exactly-once source support): source tasks run as with disabled (at-least-once), and connectors with exactly.once.support=required are refused`;
}

export type ParsedWorkerConfig = ReturnType<typeof workerConfigDef.parse>;

/** The `listeners` default when REST authentication is off. */
export const LOOPBACK_DEFAULT_LISTENER = "http://127.0.0.1:8083";

export interface WorkerConfig extends ParsedWorkerConfig {
  /** Every key as given (file plus environment), for client settings and prefixed lookups. */
  readonly originals: Readonly<Record<string, string>>;
  readonly restListeners: readonly Listener[];
  /** The ingest listeners; null: the default, opened with the first ingest route. */
  readonly ingestListeners: readonly Listener[] | null;
  /** undefined: admin endpoints on the regular listeners; []: disabled. */
  readonly adminListeners: readonly Listener[] | undefined;
  /** Keys that are accepted but have no effect here (for a startup warning). */
  readonly ignoredKeys: readonly string[];
  /** The connector.client.config.override.policy (with its allowlist), built once here. */
  readonly overridePolicy: ConnectorClientConfigOverridePolicy;
}
/** Merges file and environment, validates, and returns the worker config or throws one ConfigError. */
export function loadWorkerConfig(
  fileConfig: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>> = {},
): WorkerConfig {
  const originals = { ...fileConfig, ...configFromEnvironment(env) };
  const parsed = workerConfigDef.parse(originals);
  // Safe default: an API nobody has to authenticate to is reachable from this host only.
  if (originals.listeners === undefined && parsed["rest.authentication"].length === 0) {
    parsed.listeners = [LOOPBACK_DEFAULT_LISTENER];
  }
  const { restListeners, adminListeners, ingestListeners } = workerListeners(
    parsed.listeners,
    parsed["admin.listeners"],
    parsed["ingest.listeners"],
  );
  return {
    ...parsed,
    originals,
    restListeners,
    adminListeners,
    ingestListeners,
    ignoredKeys: IGNORED_KEYS.filter((k) => k in originals),
    overridePolicy: overridePolicyOf(parsed),
  };
}

/**
 * `data.dir` alone, parsed as the worker config parses it (its default, its check; a ConfigError
 * naming it), for a command that needs nothing else (`gateway delete-connector`): the other keys,
 * a Kafka client's TLS store included, are neither read nor checked.
 */
export function workerDataDir(originals: RawConfig): string {
  const dataDir = new ConfigDef([workerConfigDef.get("data.dir")!]);
  return (dataDir.parse(originals) as { "data.dir": string })["data.dir"];
}
