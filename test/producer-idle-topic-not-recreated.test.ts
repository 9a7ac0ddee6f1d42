/**
 * A topic a producer sent to, deleted by an operator, and not sent to since (metadata.max.idle.ms): the default client's
 * producer's connection to its leader closing (here: the broker closing idle connections, connections.max.idle.ms) used
 * to make it ask for every topic that broker leads, allowing auto-creation (on by default in Kafka): the deleted topic
 * was created again. kafkajs' producer asked for every topic it ever sent to at each metadata refresh (here: its
 * metadata.max.age.ms passed when the other topic is sent to), with the same result. Now a topic idle past
 * metadata.max.idle.ms is forgotten, as Java's producer (KIP-526), and is not asked for (kafkajs: dependency patch 22,
 * scripts/patches/kafkajs-idle-topics.mjs). Own broker: its connections.max.idle.ms is set.
 */

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { startOwnBroker } from "./support/own-broker.ts";
import { startOwnBrokerIngest } from "./support/own-broker-ingest.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/** Local ports of the established TCP connections to 127.0.0.1:`port` (/proc/net/tcp: addresses in hex). */
function connectionsTo(port: number): Set<string> {
  const remote = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const lines = readFileSync("/proc/net/tcp", "utf8").trim().split("\n").slice(1);
  const fields = lines.map((l) => l.trim().split(/\s+/));
  return new Set(fields.filter((f) => f[2] === remote && f[3] === "01").map((f) => f[1]!));
}

/** Per client, its producer's extra overrides: kafkajs' metadata renewed at the send after the wait (1 s old by then). */
const clients = [
  ["platformatic", {}],
  ["kafkajs", { "producer.override.metadata.max.age.ms": "1000" }],
] as const;

describe("a topic deleted after the producer last sent to it", () => {
  test.each(clients)(
    "kafka.client=%s: is not created again when the producer next asks for metadata (metadata.max.idle.ms)",
    async (client, overrides) => {
      await using dir = await tempDir("idle-topic-");
      // Past metadata.max.idle.ms (5000, Java's least): the topics are idle when the broker closes the connections.
      await using kafka = await startOwnBroker(dir.file("kafka"), "connections.max.idle.ms=7000");
      const deleted = uniqueTopic("idle-deleted");
      const route = await startOwnBrokerIngest(dir, kafka, {
        topicPrefix: "idle-kept",
        partitions: 1,
        config: { "ingest.rest.proxy.topics": deleted, "producer.override.metadata.max.idle.ms": "5000", ...overrides },
        worker: { "kafka.client": client },
      });
      await using gw = route.gw;
      const admin = kafka.client().admin();
      await admin.connect();
      try {
        await createTopicsOn(admin, [{ topic: deleted, numPartitions: 1 }]);
        const proxy = await fetch(`${new URL(route.url).origin}/topics/${deleted}`, {
          method: "POST",
          headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
          body: JSON.stringify({ records: [{ value: { id: "before" } }] }),
        });
        expect(proxy.status).toBe(200);
        await admin.deleteTopics({ topics: [deleted] });
        await waitFor(async () => !(await admin.listTopics()).includes(deleted), { what: "the topic deleted" });
      } finally {
        await admin.disconnect();
      }
      // The gateway's connections now, the test's admin gone: each closed by the broker once idle.
      const port = Number(kafka.bootstrap.split(":")[1]);
      const open = connectionsTo(port);
      expect(open.size).toBeGreaterThan(0);
      await waitFor(() => [...open].every((p) => !connectionsTo(port).has(p)), {
        what: "the broker closing the gateway's idle connections",
        timeoutMs: 60_000,
      });
      // A record of the other topic, written after the connections closed: the gateway reconnected and sent since, so
      // the asks their closing started, and kafkajs' refresh at that send (the deleted topic among them without
      // metadata.max.idle.ms), had time to reach the broker. Not ensured: the check below could run before such an
      // ask's auto-creation.
      const after = await fetch(route.url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: '{"id":"after"}',
      });
      expect(after.status).toBe(200);
      expect((await gw.rest.get("/connectors/devices/status")).body.tasks[0].state).toBe("RUNNING");
      const check = kafka.client().admin();
      await check.connect();
      try {
        expect(await check.listTopics()).not.toContain(deleted);
      } finally {
        await check.disconnect();
      }
    },
    180_000,
  );
});
