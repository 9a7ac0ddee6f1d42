/**
 * The real Kafka broker for whole-gateway tests. `scripts/test` starts it and exports
 * KAFKA_INFO_FILE; when a test runs alone, `scripts/kafka start` is called here (it is idempotent
 * and returns the running broker).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Admin, type ITopicConfig, Kafka, logLevel } from "kafkajs";
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
    const proc = Bun.spawn(["bash", join(REPO, "scripts", "kafka"), "start"], { stdout: "pipe", stderr: "inherit" });
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

/** Waits until `topic` exists with a leader for every partition (it may be created by the gateway). */
export async function awaitTopic(topic: string, timeoutMs = 30_000): Promise<void> {
  const admin = (await testClient()).admin();
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

/**
 * Reads every record of `topic` from the beginning until `count` positions have arrived (a
 * position delivered again by the reader's consumer is kept once).
 */
export async function readTopic(
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<
  {
    key: Buffer | null;
    value: Buffer | null;
    headers: Record<string, unknown>;
    partition: number;
    offset: string;
    timestamp: string;
  }[]
> {
  const kafka = await testClient();
  await awaitTopic(topic, timeoutMs);
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}`, maxWaitTimeInMs: 200 });
  const out: {
    key: Buffer | null;
    value: Buffer | null;
    headers: Record<string, unknown>;
    partition: number;
    offset: string;
    timestamp: string;
  }[] = [];
  const seen = new Set<string>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        // A rebalance of the reader's own group can hand a position over twice: count positions.
        const position = `${partition}:${message.offset}`;
        if (seen.has(position)) return;
        seen.add(position);
        out.push({
          key: message.key,
          value: message.value,
          headers: message.headers ?? {},
          partition,
          offset: message.offset,
          timestamp: message.timestamp,
        });
        if (out.length >= count) done();
      },
    });
    // Cleared once done: a timer left behind would outlive the test in the suite's one process.
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const timer = new Promise<void>((_, reject) => {
      timeout = setTimeout(() => reject(new Error(`read ${out.length} of ${count} records from ${topic}`)), timeoutMs);
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

/** Produces string records with acks=all. */
export async function produce(
  topic: string,
  records: { key?: string | null; value: string | Buffer | null; headers?: Record<string, string | Buffer> }[],
): Promise<void> {
  const kafka = await testClient();
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({ key: r.key ?? null, value: r.value, headers: r.headers })),
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

/** Every record currently in `topic` (up to the high watermarks at call time). */
export async function readAll(topic: string) {
  let total = 0;
  for (const p of await partitionEnds(topic)) total += p.high - p.low;
  // An empty topic: nothing to wait for (a consumer would wait for a first record until its timeout).
  return total === 0 ? [] : readTopic(topic, total);
}
