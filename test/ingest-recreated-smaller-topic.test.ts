/**
 * explore19 F1: an ingest connector's topic deleted and re-created with fewer partitions while the gateway runs, both
 * Kafka clients, on the shared broker. The next record whose key went to a partition the topic no longer has was
 * answered 200 at offset -1 with kafka.client=kafkajs (kafka-mode ingest), or counted drained (spool mode), and was not
 * in Kafka: kafkajs left it out of its retried send and reported it written. Now it is written to the re-created
 * topic, where its key goes now, and answered with its real offset.
 */
import { expect, test } from "bun:test";
import { createIngestConnector, startIngestGateway } from "./support/gateway.ts";
import { createTopicsOn, readAll, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

// Java's murmur2 puts key k0 (StringConverter: its UTF-8 bytes) on partition 1 of 2, on partition 0 of 1.
const post = (url: string, value: string) =>
  fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-Kafka-Key": "k0" }, body: value });

// The clients' cases (a gateway and topics each) run at once.
test.concurrent.each(["kafkajs", "platformatic"])(
  "kafka.client=%s: a keyed record whose partition went with its re-created topic is written there, answered with its offset",
  async (client) => {
    const direct = uniqueTopic("recreated-direct");
    const spooled = uniqueTopic("recreated-spooled");
    await using dir = await tempDir("ingest-recreated-");
    // The default client keeps the record's batch for the partition it chose until delivery.timeout.ms, as Java's
    // producer does; the send is then tried again on a new producer.
    const delivery: Record<string, string> =
      client === "platformatic"
        ? { "producer.delivery.timeout.ms": "3000", "producer.request.timeout.ms": "1500" }
        : {};
    const started = await startIngestGateway(dir, { "kafka.client": client, ...delivery });
    await using gw = started.gw;
    const { ingest } = started;
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      await createTopicsOn(admin, [
        { topic: direct, numPartitions: 2 },
        { topic: spooled, numPartitions: 2 },
      ]);
      for (const [topic, mode] of [
        [direct, "kafka"],
        [spooled, "spool"],
      ] as const)
        await createIngestConnector(gw, topic, {
          "ingest.path": `/${mode}`,
          "kafka.topic": topic,
          "ingest.key.source": "header",
          "key.converter": "org.apache.kafka.connect.storage.StringConverter",
          "ingest.ack.mode": mode,
          "ingest.request.timeout.ms": "30000",
        });
      const answer = async (response: Response) => [response.status, await response.json()];
      const at = (partition: number) => ({ partition, offset: 0, timestamp: expect.any(Number) });
      expect(await answer(await post(`${ingest}/kafka`, '{"n":1}'))).toEqual([
        200,
        { topic: direct, offsets: [at(1)] },
      ]);
      expect((await post(`${ingest}/spool`, '{"n":1}')).status).toBe(200);
      await waitFor(async () => (await readAll(spooled)).length === 1, { what: "the spooled record in Kafka" });

      await admin.deleteTopics({ topics: [direct, spooled] });
      await waitFor(async () => !(await admin.listTopics()).some((t) => t === direct || t === spooled), {
        what: "the topics deleted",
      });
      await createTopicsOn(admin, [
        { topic: direct, numPartitions: 1 },
        { topic: spooled, numPartitions: 1 },
      ]);

      // The spooled record first (acknowledged from the spool at once): its drain waits for it while the kafka-mode
      // request does.
      expect((await post(`${ingest}/spool`, '{"n":2}')).status).toBe(200);
      expect(await answer(await post(`${ingest}/kafka`, '{"n":2}'))).toEqual([
        200,
        { topic: direct, offsets: [at(0)] },
      ]);
      const values = async (topic: string) => (await readAll(topic)).map((r) => [r.partition, String(r.value)]);
      expect(await values(direct)).toEqual([[0, '{"n":2}']]);
      await waitFor(async () => (await readAll(spooled)).length > 0, { what: "the spooled record in the new topic" });
      expect(await values(spooled)).toEqual([[0, '{"n":2}']]);
      expect(await gw.stop()).toBe(0);
    } finally {
      await admin.disconnect();
    }
  },
  120_000,
);
