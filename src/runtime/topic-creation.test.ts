import { describe, expect, test } from "bun:test";
import { fileStreamSource } from "../connectors/file-stream/index.ts";
import { PluginRegistry } from "../plugin/registry.ts";
import { topicCreationGroups, topicSpecFor, usesTopicCreation } from "./topic-creation.ts";
import { validateConnectorConfig } from "./validate-connector-config.ts";

const base = { "connector.class": "FileStreamSource", name: "s", topic: "t" };

describe("topic creation (KIP-158)", () => {
  test("is on only when a topic.creation.* key is present", () => {
    expect(usesTopicCreation(base)).toBe(false);
    expect(topicCreationGroups(base)).toBeUndefined();
    expect(usesTopicCreation({ ...base, "topic.creation.groups": "" })).toBe(true);
  });

  test("the first listed group that matches wins; exclusion beats inclusion; default catches the rest", () => {
    const groups = topicCreationGroups({
      ...base,
      "topic.creation.default.replication.factor": "3",
      "topic.creation.default.partitions": "6",
      "topic.creation.default.compression.type": "lz4",
      "topic.creation.groups": "compacted,metrics",
      "topic.creation.compacted.include": "state-.*, config",
      "topic.creation.compacted.exclude": "state-tmp-.*",
      "topic.creation.compacted.partitions": "1",
      "topic.creation.compacted.cleanup.policy": "compact",
      "topic.creation.metrics.include": "metrics-.*",
      "topic.creation.metrics.replication.factor": "-1",
    })!;
    expect(topicSpecFor("state-users", groups)).toEqual({
      topic: "state-users",
      partitions: 1,
      replicationFactor: 3,
      configs: { "cleanup.policy": "compact" },
    });
    expect(topicSpecFor("config", groups).partitions).toBe(1);
    expect(topicSpecFor("state-tmp-1", groups)).toEqual({
      topic: "state-tmp-1",
      partitions: 6,
      replicationFactor: 3,
      configs: { "compression.type": "lz4" },
    });
    expect(topicSpecFor("metrics-cpu", groups)).toEqual({
      topic: "metrics-cpu",
      partitions: 6,
      replicationFactor: -1,
      configs: {},
    });
    expect(topicSpecFor("anything", groups).partitions).toBe(6);
  });

  test("the default group's include/exclude are not patterns to check (defaultGroupConfigDef)", () => {
    const groups = topicCreationGroups({
      ...base,
      "topic.creation.default.replication.factor": "1",
      "topic.creation.default.partitions": "1",
      "topic.creation.default.include": "(",
    })!;
    expect(groups.map((g) => g.name)).toEqual(["default"]);
  });

  test.each([
    [
      { "topic.creation.groups": "" },
      'Missing required configuration "topic.creation.default.replication.factor" which has no default value.',
    ],
    [
      { "topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "0" },
      // An embedded validator names the key without its group prefix (ConfigDef.embed).
      "Invalid value 0 for configuration partitions: Number of partitions must be positive, or -1 to use the broker's default",
    ],
    [
      { "topic.creation.default.replication.factor": "40000", "topic.creation.default.partitions": "x" },
      "Invalid value 40000 for configuration topic.creation.default.replication.factor: Not a number of type SHORT",
    ],
    [
      // Only the first bad value, in Connect's key order (the default group, then each listed group).
      {
        "topic.creation.groups": "g1",
        "topic.creation.default.replication.factor": "1",
        "topic.creation.default.partitions": "1",
        "topic.creation.g1.include": "(",
        "topic.creation.g1.partitions": "x",
      },
      "Invalid value [(] for configuration include: Syntax error in regular expression: ",
    ],
  ])("starting the connector reports %p; config validation does not (as Connect 4.3.1)", (extra, message) => {
    expect(() => topicCreationGroups({ ...base, ...extra })).toThrow(message);
    const { infos } = validateConnectorConfig(new PluginRegistry([fileStreamSource]), { ...base, ...extra });
    expect(infos.error_count).toBe(0);
    expect(infos.groups).not.toContain("Topic Creation: default");
    expect(infos.configs.filter((c) => c.definition?.name.startsWith("topic.creation.default."))).toEqual([]);
  });

  describe("include/exclude are Java regular expressions, as in the SMTs", () => {
    const groups = topicCreationGroups({
      ...base,
      "topic.creation.default.replication.factor": "1",
      "topic.creation.default.partitions": "1",
      "topic.creation.groups": "quoted,caseless",
      "topic.creation.quoted.include": "\\Qorders.v1\\E",
      "topic.creation.quoted.partitions": "2",
      "topic.creation.caseless.include": "(?i)metrics-\\p{Alpha}++",
      "topic.creation.caseless.exclude": "\\Qmetrics-tmp\\E",
      "topic.creation.caseless.partitions": "3",
    })!;
    test.each([
      ["orders.v1", 2],
      ["ordersXv1", 1],
      ["orders.v10", 1],
      ["METRICS-cpu", 3],
      ["metrics-tmp", 1],
      ["metrics-cpu1", 1],
    ])("%s → %d partitions", (topic, partitions) => {
      expect(topicSpecFor(topic, groups).partitions).toBe(partitions);
    });

    test("an invalid pattern fails with Connect's message", () => {
      const config = {
        ...base,
        "topic.creation.default.replication.factor": "1",
        "topic.creation.default.partitions": "1",
        "topic.creation.groups": "g",
        "topic.creation.g.include": "ok.*, (broken",
      };
      expect(() => topicCreationGroups(config)).toThrow(
        "Invalid value [ok.*, (broken] for configuration include: Syntax error in regular expression: ",
      );
    });
  });
});
