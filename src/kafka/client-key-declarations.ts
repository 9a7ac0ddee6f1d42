/**
 * The declaration behind client-key-effects.ts: what each key of Kafka 4.3.1's producer, consumer
 * and admin configs does in this gateway (client-key-effects.ts says what each effect means).
 * Checked complete against client-config-keys.json by client-key-effects.test.ts.
 */
import type { ClientType } from "./client-config-keys.ts";

export type KeyEffect = "honoured" | "by design" | "ignored" | "refused" | "not applicable";

export interface Declared {
  /** Exact names, or prefixes ending in `*`, separated by spaces. */
  readonly keys: string;
  readonly effect: KeyEffect;
  readonly note: string;
  /** The client types it describes (default: all that have the key). */
  readonly types?: readonly ClientType[];
  /** An ignored key's values that have no effect (default: any value). */
  readonly ignoredWhen?: (value: string) => boolean;
  /** How `kafka.client=kafkajs` differs, when it does. */
  readonly kafkajs?: { readonly effect: KeyEffect; readonly note: string };
}

const isTrue = (v: string) => v.trim().toLowerCase() === "true";
const KAFKAJS_RETRIES = {
  effect: "honoured",
  note: "for a send a Produce request of which may have been written (timed out, its connection lost), which kafkajs retries with its producer id and sequences until delivery.timeout.ms; one nothing of which may be written is given up after 3 retries and sent again by the runtime",
} as const;

const NO_EXPONENTIAL_BACKOFF = "no exponential backoff: retries and reconnects wait retry.backoff.ms";
const KAFKAJS_LEADERLESS_BACKOFF = {
  effect: "honoured",
  note: "while a partition has no leader, the waits between metadata requests for it, and a send's between its retries, start at retry.backoff.ms and double up to it, with ±20 % jitter, as Java's (KIP-580); kafkajs backs off its other retries itself",
} as const;

export const DECLARED: readonly Declared[] = [
  {
    keys: "bootstrap.servers client.id ssl.protocol ssl.enabled.protocols ssl.cipher.suites ssl.endpoint.identification.algorithm request.timeout.ms retry.backoff.ms socket.connection.setup.timeout.ms",
    effect: "honoured",
    note: "",
  },
  {
    keys: "security.protocol sasl.mechanism sasl.jaas.config",
    effect: "honoured",
    note: "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL; SASL PLAIN, SCRAM-SHA-256/512, named as Kafka names them (case-sensitive), with Kafka's PlainLoginModule or ScramLoginModule (GSSAPI and OAUTHBEARER are refused at start, naming sasl.mechanism)",
  },
  {
    keys: "ssl.keystore.* ssl.truststore.* ssl.key.password",
    effect: "honoured",
    note: "PEM, PKCS12 or JKS",
  },
  {
    keys: "ssl.provider ssl.keymanager.algorithm ssl.trustmanager.algorithm ssl.secure.random.implementation ssl.engine.factory.class security.providers",
    effect: "by design",
    note: "JVM security providers; the gateway's TLS is Node's (OpenSSL) with the same stores and protocols",
  },
  {
    keys: "reconnect.backoff.ms reconnect.backoff.max.ms socket.connection.setup.timeout.max.ms",
    effect: "ignored",
    note: NO_EXPONENTIAL_BACKOFF,
  },
  {
    keys: "retry.backoff.max.ms",
    types: ["admin"],
    effect: "honoured",
    note: "a call on a sink connector's group offsets (REST …/offsets) whose group coordinator is not reached or not ready is made again after waits that start at retry.backoff.ms and double up to it, with ±20 % jitter, as Java's (KIP-580); other retries wait retry.backoff.ms",
    kafkajs: { effect: "ignored", note: NO_EXPONENTIAL_BACKOFF },
  },
  {
    keys: "retry.backoff.max.ms",
    types: ["consumer"],
    effect: "honoured",
    note: "while an assigned partition has no leader, or its fetches or start-position look-ups get no answer (a broker stopped or unreachable, a coordinator moving), the waits before it is asked again (with fresh metadata) start at retry.backoff.ms and double up to it, with ±20 % jitter, as Java's (KIP-580); other retries wait retry.backoff.ms",
    kafkajs: {
      effect: "honoured",
      note: "while a partition has no leader, the waits between metadata requests for it, while a broker's fetches get no answer (or one from a leader that moved), the waits before it is fetched from again with fresh metadata, and while the group's coordinator does not answer heartbeats (or is one no more), the waits before the next goes to the coordinator looked up again, start at retry.backoff.ms and double up to it, with ±20 % jitter, as Java's (KIP-580); kafkajs backs off its other retries itself",
    },
  },
  {
    keys: "retry.backoff.max.ms",
    types: ["producer"],
    effect: "honoured",
    note: "the waits that start at retry.backoff.ms double up to it, with ±20 % jitter, as Java's (KIP-580): a batch's before each of its retries, and the one between metadata requests while they fail or, made again because of an error, change no leader (a partition without one; a broker still listed as leader that the gateway cannot reach); renewals for metadata.max.age.ms leave it as it is",
    kafkajs: KAFKAJS_LEADERLESS_BACKOFF,
  },
  { keys: "connections.max.idle.ms", effect: "ignored", note: "connections stay open until the client closes" },
  { keys: "client.dns.lookup", effect: "ignored", note: "the host's resolver picks the address" },
  {
    keys: "send.buffer.bytes receive.buffer.bytes",
    effect: "by design",
    note: "socket buffers are the operating system's (Java's -1)",
  },
  {
    keys: "metadata.recovery.strategy metadata.recovery.rebootstrap.trigger.ms",
    effect: "ignored",
    note: "not configurable: the library's own reconnection to the brokers it knows",
  },
  {
    keys: "metrics.sample.window.ms metrics.num.samples metrics.recording.level metric.reporters",
    effect: "by design",
    note: "the gateway's metrics are its own (/metrics)",
  },
  {
    keys: "enable.metrics.push",
    effect: "ignored",
    note: "no client telemetry is pushed to the broker (KIP-714)",
    ignoredWhen: isTrue,
  },
  { keys: "config.providers", effect: "by design", note: "the worker resolves config providers" },
  {
    keys: "sasl.client.callback.handler.class sasl.login.callback.handler.class sasl.login.class",
    effect: "ignored",
    note: "PLAIN and SCRAM log in with the JAAS username and password",
  },
  {
    keys: "sasl.kerberos.* sasl.oauthbearer.* sasl.login.*",
    effect: "not applicable",
    note: "GSSAPI and OAUTHBEARER logins only, which are refused",
  },
  {
    keys: "metadata.max.age.ms",
    types: ["consumer"],
    effect: "honoured",
    note: "how often a subscription looks for new topics (topics.regex) and partitions added to its topics (the group's leader rejoins for those)",
  },
  {
    keys: "metadata.max.age.ms",
    types: ["producer"],
    effect: "honoured",
    note: "a topic's metadata older than this is asked again (in the background) on a send: partitions added since are used",
  },
  {
    keys: "metadata.max.age.ms",
    types: ["admin"],
    effect: "by design",
    note: "each call reads the metadata it needs",
  },
  {
    keys: "metadata.max.idle.ms",
    types: ["producer"],
    effect: "honoured",
    note: "a topic not sent to this long (no batch of it waiting or on the wire) is forgotten, as Java's (KIP-526): its metadata is no longer asked in the background (after a lost connection or a broker's failed request), so a topic deleted since is not created again by auto-creation; its next send asks for it again first",
    kafkajs: {
      effect: "honoured",
      note: "forgotten at the producer's next send or metadata refresh (metadata.max.age.ms passed on a send, a failed request, a lost connection), also while a send to it is on the wire or waiting to retry, as Java's: that send's retry asks for it again",
    },
  },
  // Producer
  {
    keys: "acks enable.idempotence compression.type max.request.size",
    types: ["producer"],
    effect: "honoured",
    note: "",
  },
  {
    keys: "compression.gzip.level compression.zstd.level",
    types: ["producer"],
    effect: "honoured",
    note: "",
    kafkajs: { effect: "refused", note: "" },
  },
  {
    keys: "compression.lz4.level",
    types: ["producer"],
    effect: "ignored",
    note: "the bundled LZ4 encoder has one level; the producer WARNs with compression.type=lz4",
    ignoredWhen: () => false,
    kafkajs: { effect: "refused", note: "" },
  },
  {
    keys: "max.in.flight.requests.per.connection",
    types: ["producer"],
    effect: "honoured",
    note: "requests on the wire per broker (1 unless set when not idempotent)",
    kafkajs: { effect: "ignored", note: "one send at a time" },
  },
  {
    keys: "retries delivery.timeout.ms",
    types: ["producer"],
    effect: "honoured",
    note: "",
    kafkajs: KAFKAJS_RETRIES,
  },
  {
    keys: "buffer.memory",
    types: ["producer"],
    effect: "honoured",
    note: "bytes sent and not yet acknowledged to the task",
    kafkajs: { effect: "honoured", note: "bytes in flight, by the runtime" },
  },
  {
    keys: "batch.size",
    types: ["producer"],
    effect: "honoured",
    note: "when keyless records move to another partition; the size of the pieces of a batch too large for the topic",
    kafkajs: { effect: "ignored", note: "" },
  },
  {
    keys: "linger.ms",
    types: ["producer"],
    effect: "by design",
    note: "sends start at once (Java with linger.ms=0); records arriving while requests are on the wire form the next batch",
  },
  {
    keys: "max.block.ms",
    types: ["producer"],
    effect: "ignored",
    note: "how long a send waits for a new topic's metadata is the gateway's own",
  },
  {
    keys: "partitioner.class",
    types: ["producer"],
    effect: "ignored",
    note: "Java's built-in partitioner: keyed records by murmur2 of the key, keyless ones sticky per batch.size among the partitions with a leader",
  },
  {
    keys: "partitioner.adaptive.partitioning.enable",
    types: ["producer"],
    effect: "honoured",
    note: "true (the default): a keyless stick moves to a partition weighed by its queued bytes in batch.size units, its queued records with batch.size 0 (Java's queued batches; fewer to a slower broker's); false: each partition with a leader as likely",
    kafkajs: { effect: "ignored", note: "keyless records go round the partitions with a leader, one by one" },
  },
  {
    keys: "partitioner.availability.timeout.ms",
    types: ["producer"],
    effect: "honoured",
    note: "> 0 with adaptive partitioning: a partition with queued batches whose broker had batches ready but took none this long (its connection not up, or no answer to those on the wire; batches only waiting out a retry's backoff are not ready, as Java's) gets no keyless records until it takes one again (one with none queued still does, as Java's); at least 0",
    kafkajs: { effect: "ignored", note: "keyless records go round the partitions with a leader, one by one" },
  },
  {
    keys: "partitioner.ignore.keys",
    types: ["producer"],
    effect: "honoured",
    note: "true: keyed records are placed as keyless ones (sticky)",
    ignoredWhen: isTrue,
    kafkajs: { effect: "ignored", note: "keys are hashed" },
  },
  {
    keys: "key.serializer value.serializer key.deserializer value.deserializer",
    effect: "by design",
    note: "Connect's converters make and read the bytes (Connect's own clients use the ByteArray ones)",
  },
  {
    keys: "interceptor.classes",
    effect: "refused",
    note: "no interceptor runs: a task whose client names one fails",
  },
  { keys: "transactional.id", types: ["producer"], effect: "refused", note: "transactions are not supported" },
  { keys: "transaction.*", types: ["producer"], effect: "not applicable", note: "transactions only" },
  // Consumer
  {
    keys: "group.id session.timeout.ms heartbeat.interval.ms fetch.min.bytes fetch.max.bytes fetch.max.wait.ms max.partition.fetch.bytes isolation.level allow.auto.create.topics",
    types: ["consumer"],
    effect: "honoured",
    note: "",
  },
  { keys: "max.poll.records", types: ["consumer"], effect: "honoured", note: "the most records of a put" },
  {
    keys: "max.poll.interval.ms",
    types: ["consumer"],
    effect: "honoured",
    note: "as the rebalance timeout; a slow put does not leave the group",
  },
  {
    keys: "auto.offset.reset",
    types: ["consumer"],
    effect: "honoured",
    note: "earliest (Connect's default) or latest; others (Kafka's none, by_duration:) fail the task, saying so",
  },
  {
    keys: "group.instance.id",
    types: ["consumer"],
    effect: "honoured",
    note: "static membership",
    kafkajs: {
      effect: "refused",
      note: "the consumer fails to start: static membership is not supported by kafka.client=kafkajs",
    },
  },
  {
    keys: "group.protocol",
    types: ["consumer"],
    effect: "ignored",
    note: "the classic protocol runs (JoinGroup, SyncGroup; a KIP-848 group on the broker takes classic members): consumer has no effect",
    ignoredWhen: (v) => v.trim().toLowerCase() === "consumer",
  },
  { keys: "group.remote.assignor", types: ["consumer"], effect: "ignored", note: "the classic protocol runs" },
  {
    keys: "partition.assignment.strategy",
    types: ["consumer"],
    effect: "ignored",
    note: "the group leader assigns round-robin; a class other than Kafka's assignors fails the task",
  },
  {
    keys: "client.rack",
    types: ["consumer"],
    effect: "ignored",
    note: "every fetch goes to the partition leader (no fetch from follower, KIP-392)",
  },
  {
    keys: "enable.auto.commit",
    types: ["consumer"],
    effect: "ignored",
    note: "offsets are committed by the task after put and flush, as Connect's default false",
    ignoredWhen: isTrue,
  },
  { keys: "auto.commit.interval.ms", types: ["consumer"], effect: "by design", note: "no automatic commits" },
  {
    keys: "exclude.internal.topics",
    types: ["consumer"],
    effect: "ignored",
    note: "topics.regex never matches internal topics (the default true)",
    ignoredWhen: (v) => v.trim().toLowerCase() === "false",
  },
  {
    keys: "check.crcs",
    types: ["consumer"],
    effect: "honoured",
    note: "each fetched batch's CRC-32C, before it is decompressed",
  },
  {
    keys: "default.api.timeout.ms",
    types: ["consumer"],
    effect: "ignored",
    note: "calls time out after request.timeout.ms; the calls retried as Java's (a sink's assigned positions) retry for its default, 60 s",
  },
  {
    keys: "default.api.timeout.ms",
    types: ["admin"],
    effect: "ignored",
    note: "calls time out after request.timeout.ms; the dead letter queue's topic set-up, retried as Java's, retries for its default, 60 s; a sink connector's group offsets read, altered or reset over REST retries within Connect's 90 s REST request timeout instead, one deadline for all the calls of a request, as Connect's Worker gives its admin calls (a read is tried whenever time is left, bounded by it; no alter or delete try starts once less than request.timeout.ms is left)",
    kafkajs: {
      effect: "ignored",
      note: "calls time out after request.timeout.ms; the calls retried as Java's (the dead letter queue's topic set-up) retry for its default, 60 s; kafkajs retries a sink connector's group offsets calls 3 times",
    },
  },
  {
    keys: "internal.throw.on.fetch.stable.offset.unsupported",
    types: ["consumer"],
    effect: "by design",
    note: "internal",
  },
  { keys: "share.*", types: ["consumer"], effect: "not applicable", note: "share consumers only" },
  // Admin
  {
    keys: "bootstrap.controllers",
    types: ["admin"],
    effect: "ignored",
    note: "the admin client talks to bootstrap.servers",
  },
  { keys: "retries", types: ["admin"], effect: "ignored", note: "the runtime retries admin calls itself" },
];
