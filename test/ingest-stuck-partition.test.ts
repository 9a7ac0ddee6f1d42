/**
 * per-partition-acks step 3: one ingest task writing to two topics (a RegexRouter sends tombstones to H), the default
 * client, the shared broker. A keyed record whose partition went with its re-created topic S waits in the producer
 * until delivery.timeout.ms; requests to H made meanwhile used to wait behind it (their records were written at once,
 * but handed to the task in poll order), answered only after it. Now they answer 200 as soon as Kafka wrote them, while
 * the stuck request is still pending, and that one ends as before: sent again on a new producer, written where its key
 * goes now. (kafka.client=kafkajs settles a send whole and keeps the blocking: README.)
 */
import { expect, test } from "bun:test";
import { createIngestConnector, startIngestGateway } from "./support/gateway.ts";
import { createTopicsOn, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

// Java's murmur2 puts key k0 (StringConverter: its UTF-8 bytes) on partition 1 of 2, on partition 0 of 1.
const post = (url: string, body: string) =>
  fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-Kafka-Key": "k0" }, body });

test("requests to a healthy topic answer 200 while a request held by a vanished partition is still pending; it then ends as before", async () => {
  const stuck = uniqueTopic("stuck-s");
  const healthy = uniqueTopic("stuck-h");
  await using dir = await tempDir("ingest-stuck-partition-");
  // Long enough that the healthy requests are answered well inside it on a loaded host (they take well under a
  // second); the held record is then sent again.
  const started = await startIngestGateway(dir, {
    "producer.delivery.timeout.ms": "30000",
    "producer.request.timeout.ms": "3000",
  });
  await using gw = started.gw;
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [
      { topic: stuck, numPartitions: 2 },
      { topic: healthy, numPartitions: 1 },
    ]);
    await createIngestConnector(gw, "two-topics", {
      "ingest.path": "/in",
      "kafka.topic": stuck,
      "ingest.key.source": "header",
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      "ingest.request.timeout.ms": "60000",
      transforms: "route",
      "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
      "transforms.route.regex": ".*",
      "transforms.route.replacement": healthy,
      "transforms.route.predicate": "tomb",
      predicates: "tomb",
      "predicates.tomb.type": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
    });
    const url = `${started.ingest}/in`;
    const answer = async (response: Response) => [response.status, await response.json()];
    const at = (topic: string | undefined, partition: number, offset: number) => ({
      ...(topic === undefined ? {} : { topic }),
      partition,
      offset,
      timestamp: expect.any(Number),
    });
    // The producer learns S has 2 partitions.
    expect(await answer(await post(url, '{"n":1}'))).toEqual([200, { topic: stuck, offsets: [at(undefined, 1, 0)] }]);
    await admin.deleteTopics({ topics: [stuck] });
    await waitFor(async () => !(await admin.listTopics()).includes(stuck), { what: "S deleted" });
    await createTopicsOn(admin, [{ topic: stuck, numPartitions: 1 }]);

    let held: unknown[] | undefined;
    const heldRequest = post(url, '{"n":2}').then(answer);
    void heldRequest.then((a) => {
      held = a;
    });
    const healthyAnswers: unknown[][] = [];
    for (let i = 0; i < 3; i++) healthyAnswers.push(await answer(await post(url, "null")));
    // Answered while the held request is not: their records no longer wait for its.
    expect(held).toBeUndefined();
    expect(healthyAnswers).toEqual([0, 1, 2].map((n) => [200, { topic: stuck, offsets: [at(healthy, 0, n)] }]));
    // The held record is sent again on a new producer once delivery.timeout.ms expired, where k0 goes now.
    expect(await heldRequest).toEqual([200, { topic: stuck, offsets: [at(undefined, 0, 0)] }]);
    expect(await gw.stop()).toBe(0);
  } finally {
    await admin.disconnect();
  }
}, 120_000);
