/**
 * Kafka client properties (as Java clients and Connect take them) → the settings a client library
 * needs: brokers, TLS material, SASL credentials, timeouts, producer and consumer tuning. Settings
 * the gateway cannot honour (GSSAPI, transactions, unknown codecs) fail here with a message naming
 * the key, before any connection is tried.
 */
import { javaTrim } from "../api/data/java-text.ts";
import { ConfigError, KafkaError } from "../errors.ts";
import { loadTlsMaterial, type TlsMaterial } from "../tls/key-stores.ts";
import { invalidValueError } from "../util/invalid-value.ts";
import { checkClientClasses } from "./client-classes.ts";
import type { ClientProperties } from "./kafka-port.ts";
import { COMPRESSION_TYPES, type Compression, type CompressionType } from "./record-codecs.ts";
import { checkSaslAsKafka, type SaslSettings, saslSettings } from "./sasl-settings.ts";

export type { SaslSettings };

export interface ConnectionSettings {
  brokers: string[];
  clientId: string;
  tls: TlsMaterial | null;
  sasl: SaslSettings | null;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  retryBackoffMs: number;
  /** retry.backoff.max.ms: the longest wait between an admin call's retries of a group coordinator not reached or not ready. */
  retryBackoffMaxMs: number;
}

export interface ProducerSettings {
  acks: -1 | 0 | 1;
  idempotent: boolean;
  /** Requests in flight per broker: max.in.flight.requests.per.connection (≤ 5 when idempotent; default 1 otherwise, so order holds). */
  maxInFlight: number;
  compression: Compression;
  requestTimeoutMs: number;
  maxRequestBytes: number;
  /** batch.size: the most bytes of a piece when a batch too large for the topic is split. */
  batchBytes: number;
  /** buffer.memory: bytes sent and not yet acknowledged to the task, at most. */
  bufferMemory: number;
  /** partitioner.ignore.keys: keyed records placed as keyless ones (sticky), not by the key's hash. */
  ignoreKeys: boolean;
  /** partitioner.adaptive.partitioning.enable: keyless records weigh partitions by their queued batches (KIP-794). */
  adaptivePartitioning: boolean;
  /** partitioner.availability.timeout.ms: a broker that took no batch this long gets no keyless records on partitions with queued batches (0: off; adaptive only). */
  availabilityTimeoutMs: number;
  deliveryTimeoutMs: number;
  retries: number;
  metadataMaxAgeMs: number;
  /** metadata.max.idle.ms: a topic not sent to this long is forgotten (asked again in the foreground at its next send). */
  metadataMaxIdleMs: number;
  /** retry.backoff.max.ms: the longest wait between metadata refreshes that find a partition without a leader. */
  retryBackoffMaxMs: number;
}

export interface ConsumerSettings {
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  maxBytesPerPartition: number;
  /** `max.poll.records`: the most records a sink task's `put` is given at once. */
  maxPollRecords: number;
  readUncommitted: boolean;
  /** `check.crcs`: each fetched batch's CRC-32C is verified before it is read (batch-integrity.ts). */
  checkCrcs: boolean;
  allowAutoTopicCreation: boolean;
  /** Static membership (KIP-345), `group.instance.id`; null: a dynamic member. */
  groupInstanceId: string | null;
  /** How often a subscription looks for new matching topics and added partitions (`metadata.max.age.ms`). */
  metadataMaxAgeMs: number;
  /**
   * retry.backoff.max.ms: the longest wait before an assigned partition is asked again while it has no leader or its
   * fetches or start-position look-ups get no answer.
   */
  retryBackoffMaxMs: number;
}

/** Throws the ConfigError Kafka's clients give for a bad property (`Invalid value … for configuration …`). */
export function invalidProperty(key: string, value: string | undefined, reason: string): never {
  throw invalidValueError(key, value ?? null, reason);
}

function intProp(props: ClientProperties, key: string, fallback: number, min = Number.NEGATIVE_INFINITY): number {
  const raw = props[key];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw.trim());
  if (!Number.isInteger(n)) invalidProperty(key, raw, "Not a number of type INT");
  if (n < min) invalidProperty(key, raw, `Value must be at least ${min}`);
  return n;
}

/** A BOOLEAN key as ConfigDef parses it: true or false, trimmed, any case. */
function booleanProp(props: ClientProperties, key: string, fallback: boolean): boolean {
  const raw = props[key]?.trim().toLowerCase();
  if (raw === undefined) return fallback;
  if (raw !== "true" && raw !== "false") invalidProperty(key, props[key], "Expected value to be either true or false");
  return raw === "true";
}

/** `host:port` list from `bootstrap.servers` (a `PROTOCOL://` prefix is allowed and dropped). */
export function parseBootstrap(value: string | undefined): string[] {
  const entries = (value ?? "")
    .split(",")
    .map((written) => ({ written: written.trim(), server: written.trim().replace(/^[A-Za-z_]+:\/\//, "") }))
    .filter((e) => e.server !== "");
  if (entries.length === 0) invalidProperty("bootstrap.servers", value, "at least one host:port is required");
  // The entry as written: with its `PROTOCOL://`, a user info in it is hidden (invalidProperty).
  for (const { written, server } of entries)
    if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d+$/.test(server))
      invalidProperty("bootstrap.servers", value, `${written} is not host:port`);
  return entries.map((e) => e.server);
}

/**
 * The security part of a client's settings, as Java's clients build it before connecting: the
 * protocol, the SASL mechanism and login module (sasl-settings.ts), the key and trust stores (read
 * and checked). Throws their ConfigError naming the key.
 */
export function securitySettings(props: ClientProperties): Pick<ConnectionSettings, "tls" | "sasl"> {
  const protocol = securityProtocol(props);
  if (protocol === undefined)
    invalidProperty(
      "security.protocol",
      props["security.protocol"],
      "String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL",
    );
  return {
    tls: protocol === "SSL" || protocol === "SASL_SSL" ? loadTlsMaterial(props) : null,
    sasl: protocol.startsWith("SASL_") ? saslSettings(props) : null,
  };
}

/** `security.protocol` upper-cased, as Java's clients take it; undefined for another name. */
function securityProtocol(props: ClientProperties): string | undefined {
  const protocol = (props["security.protocol"] ?? "PLAINTEXT").trim().toUpperCase();
  return ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"].includes(protocol) ? protocol : undefined;
}

/**
 * Throws the ConfigError of the security settings Kafka's own clients refuse too, before any
 * connection: a key or trust store that cannot be read, a SASL mechanism written in another case
 * than Kafka's, a JAAS text they cannot parse or whose PLAIN or SCRAM login module they cannot load.
 * Also a key store whose key is not its certificate's: Java's clients take that one (a broker that
 * asks for no client certificate lets them in), but this gateway's TLS stack cannot load the pair at
 * all (KEY_VALUES_MISMATCH), so it could never connect. Connector validation runs it on each client's
 * settings (validate-client-overrides.ts), where Connect only parses the values: the task would
 * fail at start. What only this gateway refuses at connection (GSSAPI, AWS_MSK_IAM, a JAAS text
 * without username) is left to the task's start, as Connect accepts it in validation.
 */
export function checkSecurityAsKafka(props: ClientProperties): void {
  const protocol = securityProtocol(props);
  if (protocol?.startsWith("SASL_")) checkSaslAsKafka(props);
  if (protocol === "SSL" || protocol === "SASL_SSL") loadTlsMaterial(props);
}

/** A client's own retries of a request, short: the runtime retries sends, consumer starts and admin calls itself. */
export const CLIENT_RETRIES = 3;

export function connectionSettings(props: ClientProperties): ConnectionSettings {
  const { tls, sasl } = securitySettings(props);
  return {
    brokers: parseBootstrap(props["bootstrap.servers"]),
    clientId: props["client.id"]?.trim() || "edge-gateway",
    tls,
    sasl,
    connectionTimeoutMs: intProp(props, "socket.connection.setup.timeout.ms", 10_000),
    requestTimeoutMs: intProp(props, "request.timeout.ms", 30_000),
    retryBackoffMs: intProp(props, "retry.backoff.ms", 100),
    retryBackoffMaxMs: intProp(props, "retry.backoff.max.ms", 1000, 0),
  };
}

export function producerSettings(props: ClientProperties): ProducerSettings {
  const acksRaw = (props.acks ?? "all").trim().toLowerCase();
  const acks = acksRaw === "all" || acksRaw === "-1" ? -1 : acksRaw === "1" ? 1 : acksRaw === "0" ? 0 : undefined;
  if (acks === undefined) invalidProperty("acks", props.acks, "String must be one of: all, -1, 0, 1");
  const idempotence = booleanProp(props, "enable.idempotence", true);
  const maxInFlightRaw = props["max.in.flight.requests.per.connection"];
  const maxInFlight = intProp(props, "max.in.flight.requests.per.connection", 5);
  if (maxInFlight < 1)
    invalidProperty("max.in.flight.requests.per.connection", maxInFlightRaw, "Value must be at least 1");
  const retries = intProp(props, "retries", 2_147_483_647);
  if (retries < 0) invalidProperty("retries", props.retries, "Value must be at least 0");
  // Kafka's rules: idempotent by default when acks=all; a setting that conflicts with idempotence
  // (more than 5 requests in flight, no retries) switches the default off, and is an error when
  // idempotence was asked for explicitly: ProducerConfig's checks, in its order and with its text.
  if (idempotence && props["enable.idempotence"] !== undefined) {
    const conflict = (key: string, m: string): never => {
      throw new ConfigError(m, new Map([[key, [m]]]));
    };
    if (retries === 0) conflict("retries", "Must set retries to non-zero when using the idempotent producer.");
    const acksMessage =
      "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.";
    if (acks !== -1) conflict("acks", acksMessage);
    const inFlightMessage = `To use the idempotent producer, max.in.flight.requests.per.connection must be set to at most 5. Current value is ${maxInFlight}.`;
    if (maxInFlight > 5) conflict("max.in.flight.requests.per.connection", inFlightMessage);
  }
  const idempotent = acks === -1 && idempotence && maxInFlight <= 5 && retries > 0;
  if (props["transactional.id"])
    invalidProperty("transactional.id", props["transactional.id"], "transactions are not supported");
  const requestTimeoutMs = intProp(props, "request.timeout.ms", 30_000);
  return {
    acks,
    idempotent,
    // Without idempotence a retry may land after a later request: one at a time unless asked (Java's rule).
    maxInFlight: idempotent || maxInFlightRaw !== undefined ? maxInFlight : 1,
    compression: compressionOf(props),
    requestTimeoutMs,
    maxRequestBytes: intProp(props, "max.request.size", 1_048_576),
    batchBytes: intProp(props, "batch.size", 16_384, 0),
    bufferMemory: intProp(props, "buffer.memory", 33_554_432),
    ignoreKeys: booleanProp(props, "partitioner.ignore.keys", false),
    adaptivePartitioning: booleanProp(props, "partitioner.adaptive.partitioning.enable", true),
    availabilityTimeoutMs: intProp(props, "partitioner.availability.timeout.ms", 0, 0),
    deliveryTimeoutMs: deliveryTimeoutOf(props, requestTimeoutMs),
    retries,
    metadataMaxAgeMs: intProp(props, "metadata.max.age.ms", 300_000, 0),
    // Kafka 4.3.1's ProducerConfig range: at least 5000.
    metadataMaxIdleMs: intProp(props, "metadata.max.idle.ms", 300_000, 5000),
    retryBackoffMaxMs: intProp(props, "retry.backoff.max.ms", 1000, 0),
  };
}

/** delivery.timeout.ms as KafkaProducer's configureDeliveryTimeout: below linger.ms (default 5) + request.timeout.ms it fails when set, is raised when not. */
function deliveryTimeoutOf(props: ClientProperties, requestTimeoutMs: number): number {
  const configured = props["delivery.timeout.ms"];
  const deliveryTimeoutMs = intProp(props, "delivery.timeout.ms", 120_000);
  const least = Math.min(intProp(props, "linger.ms", 5) + requestTimeoutMs, 2_147_483_647);
  if (deliveryTimeoutMs >= least) return deliveryTimeoutMs;
  if (configured === undefined || configured.trim() === "") return least;
  const message = "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms";
  throw new KafkaError("Failed to construct kafka producer", {
    cause: new ConfigError(message, new Map([["delivery.timeout.ms", [message]]])),
  });
}

/** Java's level ranges (GzipCompression, Lz4Compression, ZstdCompression): least, most, default. */
const LEVELS = { gzip: [1, 9, -1], lz4: [1, 17, 9], zstd: [-131_072, 22, 3] } as const;

/** `compression.type` and the chosen codec's `compression.<type>.level`, checked as Java's producer does. */
function compressionOf(props: ClientProperties): Compression {
  // Trimmed as ConfigDef parses a STRING; then matched case-sensitively, as ValidString.in does.
  const type = (props["compression.type"] ?? "none").trim() as CompressionType;
  if (!COMPRESSION_TYPES.includes(type)) {
    invalidProperty("compression.type", type, `String must be one of: ${COMPRESSION_TYPES.join(", ")}`);
  }
  for (const [codec, [least, most, fallback]] of Object.entries(LEVELS)) {
    const key = `compression.${codec}.level`;
    const level = intProp(props, key, fallback);
    if (codec === "gzip" && level !== fallback && (level < least || level > most))
      invalidProperty(key, props[key], `Value must be between ${least} and ${most} or equal to ${fallback}`);
    if (codec !== "gzip" && level < least) invalidProperty(key, props[key], `Value must be at least ${least}`);
    if (codec !== "gzip" && level > most) invalidProperty(key, props[key], `Value must be no more than ${most}`);
  }
  const levelKey = `compression.${type}.level`;
  const level = props[levelKey]?.trim() ? intProp(props, levelKey, 0) : undefined;
  return level === undefined ? { type } : { type, level };
}

/**
 * Checks a producer's properties as Java's KafkaProducer constructor does, without a broker: the
 * connection settings (TLS material loaded), the producer's own, then the classes it would load.
 * Throws their ConfigError, or KafkaError (`Failed to construct kafka producer`) for a class.
 */
export function checkProducerProperties(props: ClientProperties): void {
  connectionSettings(props);
  producerSettings(props);
  checkClientClasses("producer", props);
}

export function consumerSettings(props: ClientProperties): ConsumerSettings {
  // ConfigDef trims a STRING before its validator sees it: the value is echoed trimmed, its case kept.
  const given = javaTrim(props["auto.offset.reset"] ?? "earliest");
  const reset = given.toLowerCase();
  if (reset !== "earliest" && reset !== "latest")
    invalidProperty(
      "auto.offset.reset",
      given,
      // Kafka's own values this gateway's consumer does not offer: said so, not taken for a typo.
      reset === "none" || reset.startsWith("by_duration:")
        ? "Kafka's consumer takes it, but this gateway's consumer supports only earliest and latest"
        : // Kafka 4's AutoOffsetResetStrategy validator, word for word (recorded from Connect 4.3.1).
          `Invalid value \`${given}\` for configuration auto.offset.reset. The value must be either 'earliest', 'latest', 'none' or of the format 'by_duration:<PnDTnHnMn.nS.>'.`,
    );
  const isolation = (props["isolation.level"] ?? "read_uncommitted").trim().toLowerCase();
  if (isolation !== "read_uncommitted" && isolation !== "read_committed") {
    invalidProperty(
      "isolation.level",
      props["isolation.level"],
      "String must be one of: read_committed, read_uncommitted",
    );
  }
  // Validated as Java's consumer does; either way this gateway's consumer runs the classic protocol
  // (client-key-effects.ts: a task warns when `consumer` has no effect).
  const protocol = props["group.protocol"]?.trim();
  if (protocol !== undefined && !["classic", "consumer"].includes(protocol.toLowerCase()))
    invalidProperty("group.protocol", protocol, "String must be one of (case insensitive): CLASSIC, CONSUMER");
  return {
    fromBeginning: reset === "earliest",
    sessionTimeoutMs: intProp(props, "session.timeout.ms", 45_000),
    heartbeatIntervalMs: intProp(props, "heartbeat.interval.ms", 3_000),
    // The ranges of Kafka 4.3.1's ConsumerConfig.
    rebalanceTimeoutMs: intProp(props, "max.poll.interval.ms", 300_000, 1),
    maxWaitMs: intProp(props, "fetch.max.wait.ms", 500, 0),
    minBytes: intProp(props, "fetch.min.bytes", 1, 0),
    maxBytes: intProp(props, "fetch.max.bytes", 52_428_800, 0),
    maxBytesPerPartition: intProp(props, "max.partition.fetch.bytes", 1_048_576, 0),
    maxPollRecords: intProp(props, "max.poll.records", 500, 1),
    readUncommitted: isolation === "read_uncommitted",
    checkCrcs: booleanProp(props, "check.crcs", true),
    allowAutoTopicCreation: (props["allow.auto.create.topics"] ?? "true").trim().toLowerCase() !== "false",
    groupInstanceId: props["group.instance.id"]?.trim() || null,
    metadataMaxAgeMs: intProp(props, "metadata.max.age.ms", 300_000, 0),
    retryBackoffMaxMs: intProp(props, "retry.backoff.max.ms", 1000, 0),
  };
}

/** Node TLS client options for a broker connection (both adapters): verification on, CA, client
 * certificate, host name check per ssl.endpoint.identification.algorithm, protocol range, ciphers. */
export function kafkaTlsOptions(t: TlsMaterial) {
  return {
    rejectUnauthorized: true,
    ...(t.ca ? { ca: t.ca } : {}),
    ...(t.cert && t.key ? { cert: t.cert, key: t.key } : {}),
    ...(t.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
    minVersion: t.protocols.minVersion,
    maxVersion: t.protocols.maxVersion,
    ciphers: t.protocols.ciphers,
  };
}
