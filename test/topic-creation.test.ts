/**
 * Source connectors create their topics as their topic.creation.* keys say (KIP-158), on the real
 * broker: partition counts, -1 for the broker's default, and per-group topic configs.
 */
import { describe, expect, test } from "bun:test";
import { appendFileSync, writeFileSync } from "node:fs";
import { ConfigResourceTypes } from "kafkajs";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker, readTopic, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";

describe("topic creation for source connectors", () => {
  test("creates topics with the matching group's partitions, replication and configs", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const plain = uniqueTopic("created-plain");
    const compact = uniqueTopic("created-compact");
    const creation = {
      "topic.creation.default.replication.factor": "-1",
      "topic.creation.default.partitions": "3",
      "topic.creation.groups": "compacted",
      "topic.creation.compacted.include": ".*-compact-.*",
      "topic.creation.compacted.partitions": "1",
      "topic.creation.compacted.retention.ms": "3600000",
    };
    for (const [name, topic] of [
      ["plain", plain],
      ["compacted", compact],
    ] as const) {
      writeFileSync(dir.file(`${name}.txt`), "");
      const r = await gw.rest.post("/connectors", {
        name,
        config: { "connector.class": "FileStreamSource", file: dir.file(`${name}.txt`), topic, ...creation },
      });
      expect(r.status).toBe(201);
      appendFileSync(dir.file(`${name}.txt`), "x\n");
      await readTopic(topic, 1);
    }
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      const md = await admin.fetchTopicMetadata({ topics: [plain, compact] });
      const partitions = Object.fromEntries(md.topics.map((t) => [t.name, t.partitions.length]));
      expect(partitions).toEqual({ [plain]: 3, [compact]: 1 });
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: compact, configNames: ["retention.ms"] }],
      });
      expect(configs.resources[0]!.configEntries[0]!.configValue).toBe("3600000");
    } finally {
      await admin.disconnect();
    }
  });
});
