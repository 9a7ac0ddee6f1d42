/**
 * kafkajs' producer cluster forgetting idle topics, as scripts/patches/kafkajs-idle-topics.mjs patches it (22 of
 * scripts/patch-dependencies.mjs): a topic not sent to for metadataMaxIdle (metadata.max.idle.ms) is no longer asked for,
 * so auto-creation cannot bring it back once deleted. The first and third fail when an install ran without the patch;
 * the others guard against forgetting too much.
 */
import { afterEach, beforeEach, describe, expect, mock, spyOn, test } from "bun:test";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface Cluster {
  brokerPool: {
    metadata: unknown;
    refreshMetadata(topics: string[]): Promise<void>;
    refreshMetadataIfNecessary(topics: string[]): Promise<void>;
  };
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
}

/** A cluster (metadataMaxIdle `maxIdle`, none: a consumer's or an admin's) whose broker pool records each ask's topics. */
function recordingCluster(maxIdle?: number) {
  const Cluster = require(require.resolve("kafkajs/src/cluster/index.js")) as new (o: unknown) => Cluster;
  const logger = { namespace: () => logger, debug() {}, info() {}, warn() {}, error() {} };
  const cluster = new Cluster({ logger, brokers: ["h:1"], metadataMaxAge: 300_000, metadataMaxIdle: maxIdle });
  const asked: string[][] = [];
  cluster.brokerPool.refreshMetadata = async (topics) => {
    asked.push(topics);
    cluster.brokerPool.metadata = {};
  };
  cluster.brokerPool.refreshMetadataIfNecessary = async (topics) => {
    asked.push(topics);
  };
  return { cluster, asked };
}

describe("kafkajs idle target topics patch (scripts/patches/kafkajs-idle-topics.mjs)", () => {
  let now = 0;
  beforeEach(() => {
    now = 0;
    spyOn(Date, "now").mockImplementation(() => now);
  });
  afterEach(() => mock.restore());

  test("a producer's topic not sent to for metadataMaxIdle is not asked for at the next refresh, as Java's (KIP-526)", async () => {
    const { cluster, asked } = recordingCluster(5000);
    await cluster.addMultipleTargetTopics(["t", "u"]);
    now = 4000;
    await cluster.addMultipleTargetTopics(["u"]); // a send to u only
    now = 5000;
    await cluster.refreshMetadataIfNecessary();
    await cluster.refreshMetadata();
    expect(asked).toEqual([["t", "u"], ["u"], ["u"]]);
  });

  test("a topic sent to within metadataMaxIdle is still asked for", async () => {
    const { cluster, asked } = recordingCluster(5000);
    await cluster.addMultipleTargetTopics(["t"]);
    now = 4999;
    await cluster.refreshMetadata();
    expect(asked).toEqual([["t"], ["t"]]);
  });

  test("a forgotten topic's next send adds it again and asks for it as for a new topic", async () => {
    const { cluster, asked } = recordingCluster(5000);
    await cluster.addMultipleTargetTopics(["t", "u"]);
    now = 4000;
    await cluster.addMultipleTargetTopics(["u"]);
    now = 6000;
    await cluster.refreshMetadataIfNecessary(); // t forgotten
    await cluster.addMultipleTargetTopics(["t"]);
    expect(asked).toEqual([["t", "u"], ["u"], ["u", "t"]]);
  });

  test("a consumer's or an admin's cluster (no metadataMaxIdle) keeps every target topic", async () => {
    const { cluster, asked } = recordingCluster();
    await cluster.addMultipleTargetTopics(["t", "u"]);
    now = 3_600_000;
    await cluster.refreshMetadata();
    expect(asked).toEqual([
      ["t", "u"],
      ["t", "u"],
    ]);
  });
});
