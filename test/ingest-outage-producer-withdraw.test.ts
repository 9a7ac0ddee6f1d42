/**
 * withdraw2: with the default producer (kafka.client=platformatic) connected, Kafka goes away (its own broker stopped).
 * A request's record to a partition the producer has not written to yet goes out in a produce request (refused
 * connections), and it answers 500 "may still be written" at its ingest.request.timeout.ms: that one stays. The next
 * request's record to that partition waits behind it in the producer, in no produce request (until a batch of the
 * partition is written only one is on the wire): when its timeout runs out the producer gives it back
 * (KafkaProducer.withdraw), so it answers 503 + Retry-After "none of them was written", where it answered 500 "may still
 * be written" too; once Kafka is back that record is never written, and a later request's is. The test's own broker:
 * the shared one's advertised address bypasses any relay. Compiled binary when GATEWAY_BIN is set.
 */
import { describe, expect, test } from "bun:test";
import { ingestUrlOf, startGateway } from "./support/gateway.ts";
import { expectNoneWritten, postJson } from "./support/ingest-answers.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

// Java's murmur2 puts key k3 (StringConverter: its UTF-8 bytes) on partition 0 of 2, k0 on partition 1.
const post = (url: string, key: string, value: string) => postJson(url, value, { "X-Kafka-Key": key });

describe("an ingest request timing out while the connected default producer holds its record (Kafka stopped)", () => {
  test("answers 503 none of them was written, and its record is never written once Kafka is back", async () => {
    await using dir = await tempDir("ingest-producer-withdraw-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const topic = uniqueTopic("ingest-producer-withdraw");
    const admin = kafka.client().admin();
    await admin.connect();
    await createTopicsOn(admin, [{ topic, numPartitions: 2 }]);
    await admin.disconnect();
    await using gw = await startGateway({ dir: dir.path, worker: outageIngestWorker(kafka, dir.file("data")) });
    const config = {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/held",
      "kafka.topic": topic,
      "ingest.request.timeout.ms": "1500",
      "ingest.key.source": "header",
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.post("/connectors", { name: "held", config })).status).toBe(201);
    const url = `${await ingestUrlOf(gw)}/ingest/held`;
    // Written to partition 0: the task's producer is connected and knows the leaders. Each attempt has its own value:
    // one answered 500 "may still be written" may be written as well.
    let attempts = 0;
    const before = await waitFor(
      async () => {
        const value = `before-${attempts++}`;
        return (await post(url, "k3", value)).status === 200 ? value : undefined;
      },
      { what: "a request written" },
    );

    await kafka.stop();
    const sent = await post(url, "k0", "sent");
    expect(sent.status).toBe(500);
    expect(sent.body.message).toContain("may still be written");
    expectNoneWritten(await post(url, "k0", "held"));

    await kafka.restart();
    /** Requests answered "none of them was written" while the producer reconnects. */
    const notWritten = ["held"];
    const written = await waitFor(
      async () => {
        const value = `after-${notWritten.length}`;
        const answer = await post(url, "k0", value);
        if (answer.body.message?.includes("(none of them was written)")) notWritten.push(value);
        return answer.status === 200 ? value : undefined;
      },
      { what: "a request written once Kafka is back", timeoutMs: 60_000 },
    );
    const values = async (partition: number) =>
      (await readOwnTopic(kafka, topic))
        .filter((r) => r.partition === partition)
        .map((r) => (JSON.parse(r.value) as { v: string }).v);
    await waitFor(async () => (await values(1)).includes(written), { what: "the later record in the topic" });
    // The one sent is written when Kafka is back (its producer retried it); the one given back never is.
    const partition1 = await values(1);
    expect(partition1[0]).toBe("sent");
    expect(partition1.at(-1)).toBe(written);
    expect(partition1.filter((v) => v === written)).toEqual([written]);
    expect(partition1.filter((v) => notWritten.includes(v))).toEqual([]);
    // Partition 0: the warm-up's written value once, besides only warm-up attempts that may have been written.
    const partition0 = await values(0);
    expect(partition0.filter((v) => v === before)).toEqual([before]);
    expect(partition0.filter((v) => !v.startsWith("before-"))).toEqual([]);
  }, 180_000);
});
