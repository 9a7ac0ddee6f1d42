/**
 * Apache Kafka's Java producer and consumer on the tests' side of the codec tests
 * (test/fixtures/kafka-codecs/CodecClient.java): Java writes topics with each compression.type,
 * reads what the gateway wrote and says which codec every batch of a topic's log has. Compiled once
 * against the kafka-clients jar of the release `scripts/kafka` runs (its Maven cache), with javac.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { runCommand } from "./command.ts";
import { type KafkaInfo, REPO } from "./kafka.ts";

export interface JavaCodecClient {
  /** Writes `count` records ("value i …", key "key-i") to each topic with its compression.type. */
  produce(count: number, codecByTopic: Record<string, string>): Promise<void>;
  /** The first `count` values of each topic (partition 0) and the codecs of its log's batches. */
  read(count: number, topics: string[]): Promise<Map<string, { codecs: string[]; values: string[] }>>;
}

export async function javaCodecClient(kafka: KafkaInfo, dir: string): Promise<JavaCodecClient> {
  const cache = process.env.EDGE_GATEWAY_CACHE ?? join(homedir(), ".cache", "edge-gateway");
  const classpath = `${dir}:${join(cache, `kafka-${kafka.version}`, "lib")}/*`;
  await runCommand(dir, [
    "javac",
    "-d",
    dir,
    "-cp",
    classpath,
    join(REPO, "test/fixtures/kafka-codecs/CodecClient.java"),
  ]);
  const run = (args: string[]) => runCommand(dir, ["java", "-cp", classpath, "CodecClient", ...args]);
  return {
    async produce(count, codecByTopic) {
      const specs = Object.entries(codecByTopic).map(([topic, codec]) => `${topic}=${codec}`);
      await run(["produce", kafka.bootstrap, String(count), ...specs]);
    },
    async read(count, topics) {
      const out = await run(["read", kafka.bootstrap, String(count), ...topics]);
      const lines = out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      return new Map(lines.map((l) => [l.topic, { codecs: l.codecs, values: l.values }]));
    },
  };
}
