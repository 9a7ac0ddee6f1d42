/**
 * per-partition-acks step 3: one ingest task writing to two topics (a RegexRouter sends tombstones to H), the default
 * client, the shared broker. A keyed record whose partition went with its re-created topic S waits in the producer
 * until delivery.timeout.ms; requests to H made meanwhile used to wait behind it (their records were written at once,
 * but handed to the task in poll order), answered only after it. Now they answer 200 as soon as Kafka wrote them, while
 * the stuck request is still pending, and that one ends as before: sent again on a new producer, written where its key
 * goes now. (kafka.client=kafkajs settles a send whole and keeps the blocking: README.)
 *
 * coalfree: keyed requests over both partitions of one topic, more sends of them held by the vanished partition than
 * max.in.flight.requests.per.connection: the sends told written in part no longer hold the producer's request slots, so
 * later requests are still sent and answered 200 while the held ones wait; each record is written once.
 */
import { expect, test } from "bun:test";
import type { Admin } from "kafkajs";
import { createIngestConnector, startIngestGateway } from "./support/gateway.ts";
import { createTopicsOn, partitionEnds, readAll, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

// Java's murmur2 puts key k0 (StringConverter: its UTF-8 bytes) on partition 1 of 2, k3 and k4 on partition 0 of 2;
// all on partition 0 of 1.
const post = (url: string, body: string) =>
  fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-Kafka-Key": "k0" }, body });
const answer = async (response: Response): Promise<[number, unknown]> => [response.status, await response.json()];
const at = (topic: string | undefined, partition: number, offset: number) => ({
  ...(topic === undefined ? {} : { topic }),
  partition,
  offset,
  timestamp: expect.any(Number),
});

/** Deletes `topic` and creates it again with one partition: its partition 1 goes, unknown to a producer that wrote there. */
async function shrinkToOnePartition(admin: Admin, topic: string): Promise<void> {
  await admin.deleteTopics({ topics: [topic] });
  await waitFor(async () => !(await admin.listTopics()).includes(topic), { what: `${topic} deleted` });
  await createTopicsOn(admin, [{ topic, numPartitions: 1 }]);
}

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
    // The producer learns S has 2 partitions.
    expect(await answer(await post(url, '{"n":1}'))).toEqual([200, { topic: stuck, offsets: [at(undefined, 1, 0)] }]);
    await shrinkToOnePartition(admin, stuck);

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

// coalfree (explore19 F2's rest): keyed traffic over both partitions, so that each send the producer took before it
// learnt partition 1 went holds a record there, as every send does on a cluster where a partition has no leader. Such
// sends used to keep max.in.flight.requests.per.connection (5) until delivery.timeout.ms although the port had told the
// rest of them written: nothing more was sent, and every later request waited too.
test("keyed requests over every partition: with more than max.in.flight sends held by a vanished partition, the rest is still sent and answered 200, each record written once", async () => {
  const topic = uniqueTopic("stuck-keyed");
  await using dir = await tempDir("ingest-stuck-keyed-");
  // Long enough that nothing expires: the test ends the hold by adding partition 1 back. A request's two records fill
  // more than half a produce request and three do not fit: each ingest request goes in a send of its own.
  const started = await startIngestGateway(dir, {
    "producer.delivery.timeout.ms": "60000",
    "producer.request.timeout.ms": "3000",
    "producer.max.request.size": "1200",
  });
  await using gw = started.gw;
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [{ topic, numPartitions: 2 }]);
    await createIngestConnector(gw, "keyed", {
      "ingest.path": "/in",
      "kafka.topic": topic,
      "ingest.key.source": "field",
      "ingest.key.field": "$.k",
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      "ingest.request.timeout.ms": "60000",
    });
    const url = `${started.ingest}/in`;
    const pad = "x".repeat(400);
    /** Each request's keys and answer, by its number `n` (in its records' values). */
    const sent = new Map<number, { keys: string[]; answer?: [number, unknown] }>();
    const request = async (n: number, keys: string[]) => {
      const entry: { keys: string[]; answer?: [number, unknown] } = { keys };
      sent.set(n, entry);
      entry.answer = await answer(await post(url, JSON.stringify(keys.map((k) => ({ k, n, pad })))));
      return entry.answer;
    };
    const onPartition0: [number, unknown] = [
      200,
      { topic, offsets: [at(undefined, 0, expect.any(Number)), at(undefined, 0, expect.any(Number))] },
    ];
    // The producer learns the topic has 2 partitions (this record goes with the deleted topic).
    expect(await answer(await post(url, JSON.stringify([{ k: "k0", n: -1 }])))).toEqual([
      200,
      { topic, offsets: [at(undefined, 1, 0)] },
    ]);
    await shrinkToOnePartition(admin, topic);

    // Concurrent requests: those the producer takes before it learns partition 1 went wait there with their k0 record
    // (their k3 record is written); any after go wholly to partition 0.
    const concurrent = 20;
    const all = Array.from({ length: concurrent }, (_, n) => request(n, ["k0", "k3"]));
    const answered = () => [...sent.values()].filter((e) => e.answer !== undefined).length;
    // Every request reached Kafka (its k3 record on partition 0) and each written whole answered, while the others are
    // held: partition 0 has a record of each request and a second of each answered one.
    const held = await waitFor(
      async () => {
        const [p0] = await partitionEnds(topic);
        const done = answered();
        return p0!.high === concurrent + done && done < concurrent && concurrent - done;
      },
      { what: "every request sent, those written whole answered, while others are held" },
    );
    for (const e of sent.values()) if (e.answer) expect(e.answer).toEqual(onPartition0);
    // Requests on partition 0 whatever the producer knows: answered while the held ones still wait.
    for (let n = concurrent; n < concurrent + 5; n++) expect(await request(n, ["k3", "k4"])).toEqual(onPartition0);
    expect(sent.size - answered()).toBe(held);

    // Partition 1 back: the held records are written there.
    await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] });
    await Promise.all(all);
    expect([...sent.values()].filter((e) => e.answer![0] !== 200)).toEqual([]);
    const seen = (await readAll(topic)).map((r) => {
      const { n } = JSON.parse(r.value!.toString()) as { n: number };
      return `${r.key!.toString()}:${n}@${r.partition}:${r.offset}`;
    });
    const expected = [...sent.entries()].flatMap(([n, e]) =>
      (e.answer![1] as { offsets: { partition: number; offset: number }[] }).offsets.map(
        (o, i) => `${e.keys[i]}:${n}@${o.partition}:${o.offset}`,
      ),
    );
    // Each record in Kafka where its answer says, once.
    expect(seen.sort()).toEqual(expected.sort());
    expect(await gw.stop()).toBe(0);
  } finally {
    await admin.disconnect();
  }
}, 60_000);
