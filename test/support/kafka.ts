/**
 * The real Kafka broker for whole-gateway tests. `scripts/test` starts it and exports
 * KAFKA_INFO_FILE; when a test runs alone, `scripts/kafka start` is called here (it is idempotent
 * and returns the running broker).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Admin, AssignerProtocol, type ITopicConfig, Kafka, logLevel } from "kafkajs";
import { waitFor } from "./wait-for.ts";

export interface KafkaInfo {
  readonly bootstrap: string;
  readonly bootstrapSasl: string;
  readonly bootstrapSsl: string;
  readonly sslCa: string;
  /**
   * The SSL listener that requires a client certificate (`bootstrap_mtls`, ssl.client.auth=required)
   * with its client CA and a client certificate and key it signed (PEM files); undefined on a broker
   * started by a scripts/kafka from before it (see test/support/broker-mtls.ts).
   */
  readonly mtls?: {
    readonly bootstrap: string;
    readonly clientCa: string;
    readonly clientCert: string;
    readonly clientKey: string;
  };
  readonly clusterId: string;
  readonly version: string;
  readonly pid: number;
}

export const REPO = join(import.meta.dir, "..", "..");

function parse(text: string): KafkaInfo {
  const map = Object.fromEntries(
    text
      .trim()
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return {
    bootstrap: map.bootstrap!,
    bootstrapSasl: map.bootstrap_sasl!,
    bootstrapSsl: map.bootstrap_ssl!,
    sslCa: map.ssl_ca!,
    mtls: map.bootstrap_mtls
      ? {
          bootstrap: map.bootstrap_mtls,
          clientCa: map.mtls_client_ca!,
          clientCert: map.mtls_client_cert!,
          clientKey: map.mtls_client_key!,
        }
      : undefined,
    clusterId: map.cluster_id!,
    version: map.version!,
    pid: Number(map.pid),
  };
}

let cached: Promise<KafkaInfo> | undefined;

/** The `sasl.jaas.config` of the test broker's PLAIN user `gateway` with this password (its real one: gateway-secret). */
export const plainJaas = (password: string): string =>
  `org.apache.kafka.common.security.plain.PlainLoginModule required username="gateway" password="${password}";`;

/** Worker keys that reach the test broker's SASL_PLAINTEXT listener as `gateway` with this password. */
export function saslWorker(kafka: KafkaInfo, password: string): Record<string, string> {
  return {
    "bootstrap.servers": kafka.bootstrapSasl,
    "security.protocol": "SASL_PLAINTEXT",
    "sasl.mechanism": "PLAIN",
    "sasl.jaas.config": plainJaas(password),
  };
}

export function kafkaBroker(): Promise<KafkaInfo> {
  cached ??= (async () => {
    const file = process.env.KAFKA_INFO_FILE;
    if (file) return parse(readFileSync(file, "utf8"));
    // No deletion by record time (as scripts/test's broker): records stamped years ago stay readable. All four
    // listeners (as scripts/test's broker), whatever KAFKA_LISTENERS the developer exported: the tests use each.
    const proc = Bun.spawn(["bash", join(REPO, "scripts", "kafka"), "start"], {
      stdout: "pipe",
      stderr: "inherit",
      env: {
        ...process.env,
        KAFKA_LISTENERS: "plaintext,sasl_plaintext,ssl,mtls",
        KAFKA_SERVER_PROPERTIES: "log.retention.ms=-1",
      },
    });
    const out = await new Response(proc.stdout).text();
    if ((await proc.exited) !== 0) throw new Error("scripts/kafka start failed");
    return parse(out);
  })();
  return cached;
}

/** A plain kafkajs client for producing test input and checking output, independent of the gateway. */
export async function testClient(): Promise<Kafka> {
  const info = await kafkaBroker();
  return new Kafka({ clientId: "gateway-tests", brokers: [info.bootstrap], logLevel: logLevel.NOTHING });
}

/** The topics each member of the group subscribes to, sorted, when the group is stable; else undefined. */
export async function stableSubscriptions(admin: Admin, groupId: string): Promise<string[][] | undefined> {
  const [group] = (await admin.describeGroups([groupId])).groups;
  if (group?.state !== "Stable") return undefined;
  return group.members.map((m) => [...(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? [])].sort());
}

/** The partitions assigned to each member of the group, as its coordinator describes it ("topic-partition"). */
export async function groupAssignment(admin: Admin, groupId: string): Promise<string[][]> {
  return (await groupMembers(admin, groupId)).map((m) => m.partitions);
}

/** Each member of the group: its id and the partitions assigned to it ("topic-partition"). */
export async function groupMembers(admin: Admin, groupId: string): Promise<{ id: string; partitions: string[] }[]> {
  const [group] = (await admin.describeGroups([groupId])).groups;
  return (group?.members ?? []).map((m) => ({
    id: m.memberId,
    partitions: Object.entries(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {})
      .flatMap(([topic, partitions]) => partitions.map((p) => `${topic}-${p}`))
      .sort(),
  }));
}

let topicCounter = 0;

/** A topic name no other test uses. */
export function uniqueTopic(prefix = "t"): string {
  topicCounter++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${topicCounter}`;
}

/**
 * Creates `topics` on `admin` and waits until every partition of each has a leader that serves it;
 * true when all were new. Not kafkajs' `waitForLeaders`: its metadata check gives up at once on
 * UNKNOWN_TOPIC_OR_PARTITION, which the broker answers until its metadata cache has the topic its
 * controller just created (a window that grows on a loaded machine: a test failed at its first topic).
 */
export async function createTopicsOn(admin: Admin, topics: ITopicConfig[], timeoutMs = 30_000): Promise<boolean> {
  const created = await admin.createTopics({ topics, waitForLeaders: false });
  const names = topics.map((t) => t.topic);
  await waitFor(
    async () => {
      const md = await admin.fetchTopicMetadata({ topics: names });
      if (!md.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return false;
      // Metadata names the leader before that broker has made the partition's log and leads it: until
      // then it refuses a Produce with NOT_LEADER_OR_FOLLOWER, and kafkajs' retry of the whole request
      // writes the partitions it did take twice (a test got p0 twice). ListOffsets, answered by the
      // leader only, succeeds once every partition is served (it throws before; waitFor asks again).
      for (const name of names) await admin.fetchTopicOffsets(name);
      return true;
    },
    { timeoutMs, what: `the leaders of ${names.join(", ")}` },
  );
  return created;
}

/** Creates `topic` with `numPartitions` partitions (and topic configs, if given) and waits for their leaders. */
export async function createTopic(
  topic: string,
  numPartitions = 1,
  configEntries?: ITopicConfig["configEntries"],
): Promise<void> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [{ topic, numPartitions, configEntries }]);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until `topic` exists with a leader for every partition (it may be created by the gateway);
 * on the shared test broker unless `kafka` names another.
 */
export async function awaitTopic(topic: string, timeoutMs = 30_000, kafka?: Kafka): Promise<void> {
  const admin = (kafka ?? (await testClient())).admin();
  await admin.connect();
  try {
    await waitFor(
      async () => {
        const md = await admin.fetchTopicMetadata({ topics: [topic] });
        return md.topics[0]!.partitions.length > 0 && md.topics[0]!.partitions.every((p) => p.leader >= 0);
      },
      { timeoutMs, what: `topic ${topic}` },
    );
  } finally {
    await admin.disconnect();
  }
}

/** A record as the test readers return it. */
export interface TopicRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
  partition: number;
  offset: string;
  timestamp: string;
}

/** What `readWith` keeps, when it has all it needs, and what its timeout says it got. */
interface ReadPlan {
  /** Whether the record at `partition`:`offset` is kept. */
  readonly keep: (partition: number, offset: number) => boolean;
  /** Whether the read is complete: `kept` records so far, `reached` the last offset read of each partition. */
  readonly complete: (kept: number, reached: ReadonlyMap<number, number>) => boolean;
  /** The timeout's message. */
  readonly shortOf: (kept: number, reached: ReadonlyMap<number, number>) => string;
}

/**
 * Reads `topic` from the beginning with a consumer of a new group until `plan.complete`, each
 * position kept once: a rebalance of the reader's own group can hand a position over twice. A
 * partition's progress counts records kafkajs does not pass on too (transaction markers): its
 * END_BATCH_PROCESS event names a fetched batch's last offset once every message of the batch was
 * passed on (a rebalance midway throws past the event).
 */
async function readWith(topic: string, plan: ReadPlan, timeoutMs: number, client?: Kafka): Promise<TopicRecord[]> {
  const kafka = client ?? (await testClient());
  await awaitTopic(topic, timeoutMs, kafka);
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}`, maxWaitTimeInMs: 200 });
  const out: TopicRecord[] = [];
  const seen = new Set<string>();
  const reached = new Map<number, number>();
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const progress = (partition: number, offset: number) => {
    if (offset > (reached.get(partition) ?? -1)) reached.set(partition, offset);
    if (plan.complete(out.length, reached)) done();
  };
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic === topic) progress(payload.partition, Number(payload.lastOffset));
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset);
        const position = `${partition}:${offset}`;
        if (!seen.has(position) && plan.keep(partition, offset)) {
          seen.add(position);
          out.push({
            key: message.key,
            value: message.value,
            headers: message.headers ?? {},
            partition,
            offset: message.offset,
            timestamp: message.timestamp,
          });
        }
        progress(partition, offset);
      },
    });
    // Cleared once done: a timer left behind would outlive the test in the suite's one process.
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const timer = new Promise<void>((_, reject) => {
      timeout = setTimeout(() => reject(new Error(plan.shortOf(out.length, reached))), timeoutMs);
    });
    try {
      await Promise.race([finished, timer]);
    } finally {
      clearTimeout(timeout);
    }
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

/**
 * Reads every record of `topic` from the beginning until `count` positions have arrived (a
 * position delivered again by the reader's consumer is kept once). On a topic still written to,
 * which `count` records those are is up to the consumer: `readUpTo` reads those below given ends.
 */
export function readTopic(topic: string, count: number, timeoutMs = 30_000): Promise<TopicRecord[]> {
  return readWith(
    topic,
    {
      keep: () => true,
      complete: (kept) => kept >= count,
      shortOf: (kept) => `read ${kept} of ${count} records from ${topic}`,
    },
    timeoutMs,
  );
}

/**
 * Every record of `topic` below `ends` (each partition's high watermark, as partitionEnds took
 * it), each once: records written after `ends` were taken are left out, wherever the consumer
 * delivers them. (Counting records up to the sum of the ends instead stops short of a partition's
 * tail when records written later on another partition are delivered first: the likely cause of
 * ingest-offsets-crash's "found undefined" for a partition's last records once in CI, the broker
 * writing a killed gateway's last requests after the ends were taken.)
 */
export function readUpTo(
  topic: string,
  ends: readonly { partition: number; low: number; high: number }[],
  timeoutMs = 30_000,
  kafka?: Kafka,
): Promise<TopicRecord[]> {
  const high = new Map(ends.map((e) => [e.partition, e.high]));
  const open = ends.filter((e) => e.high > e.low);
  return readWith(
    topic,
    {
      keep: (partition, offset) => offset < (high.get(partition) ?? 0),
      complete: (_, reached) => open.every((e) => (reached.get(e.partition) ?? -1) >= e.high - 1),
      shortOf: (kept, reached) =>
        `read ${kept} records from ${topic}, short of its partition ends ${JSON.stringify(ends)} (last offsets read: ${JSON.stringify([...reached])})`,
    },
    timeoutMs,
    kafka,
  );
}

/** Produces string records with acks=all (to the partition named, or the one the key hashes to). */
export async function produce(
  topic: string,
  records: {
    key?: string | null;
    value: string | Buffer | null;
    headers?: Record<string, string | Buffer>;
    partition?: number;
  }[],
): Promise<void> {
  const kafka = await testClient();
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({
        key: r.key ?? null,
        value: r.value,
        headers: r.headers,
        partition: r.partition,
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

/**
 * `count` records into each of `partitions` partitions of `topic` (acks=all, one send a partition),
 * the value of record `i` of partition `p` (its offset, counting from `from`) given by `value`.
 */
export async function producePerPartition(
  topic: string,
  partitions: number,
  count: number,
  value: (p: number, i: number) => string,
  from = 0,
): Promise<void> {
  const producer = (await testClient()).producer();
  await producer.connect();
  try {
    for (let p = 0; p < partitions; p++)
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: count }, (_, k) => ({ partition: p, value: value(p, from + k) })),
      });
  } finally {
    await producer.disconnect();
  }
}

/** Each partition's low and high watermark, by partition number. */
export async function partitionEnds(topic: string): Promise<{ partition: number; low: number; high: number }[]> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic))
      .map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** The `id` of each record's value (a JSON object): a number, unless told (`valueIds<string>`). */
export const valueIds = <Id = number>(records: readonly TopicRecord[]): Id[] =>
  records.map((r) => (JSON.parse(r.value!.toString("utf8")) as { id: Id }).id);

/** Every record currently in `topic` (up to the high watermarks at call time; `readUpTo`). */
export async function readAll(topic: string): Promise<TopicRecord[]> {
  const ends = await partitionEnds(topic);
  // An empty topic: nothing to wait for (a consumer would wait for a first record until its timeout).
  return ends.every((e) => e.high === e.low) ? [] : readUpTo(topic, ends);
}
