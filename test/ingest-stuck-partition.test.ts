/**
 * per-partition-acks step 3: one ingest task writing to two topics (a RegexRouter sends tombstones to H), the default
 * client, the shared broker. A keyed record whose partition went with its re-created topic S waits in the producer
 * until delivery.timeout.ms; requests to H made meanwhile used to wait behind it (their records were written at once,
 * but handed to the task in poll order), answered only after it. Now they answer 200 as soon as Kafka wrote them, while
 * the stuck request is still pending, and that one ends as before: sent again on a new producer, written where its key
 * goes now. (kafka.client=kafkajs settles a send whole and keeps the blocking: README.)
 *
 * pipefix: the same two topics, S deleted and not created again (a topic beside it whose name collides with S's on `.` and
 * `_` makes the shared broker, which auto-creates topics, refuse to, as a broker with auto.create.topics.enable=false does):
 * the producer's metadata answers "Unknown topic" for S. Its records wait for metadata; H's used to wait too (the producer
 * asked for both topics' leaders together and sent nothing while that failed), now they are written and answered 200.
 *
 * coalfree: one ingest request of keyed records over both partitions of one topic, its first sends held by the vanished
 * partition in every max.in.flight.requests.per.connection slot: a send told written in part frees its slot once the
 * rest has been pending a while, so the request's other sends and later requests are still sent, and answered 200 while
 * it is held; then each record is written once, in order on the held partition.
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

// The three tests (a gateway and topics each) mostly wait for their held requests to end: they run at once.

/** An ingest connector's config sending tombstones to `healthy`, its other records to its kafka.topic. */
const tombstonesTo = (healthy: string) => ({
  transforms: "route",
  "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
  "transforms.route.regex": ".*",
  "transforms.route.replacement": healthy,
  "transforms.route.predicate": "tomb",
  predicates: "tomb",
  "predicates.tomb.type": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
});

/**
 * Posts a record of the connector's topic (held in the producer), then three tombstones (to the healthy topic), each
 * once the one before was answered: they are answered while the held request is not. Their answers, and the held one.
 */
async function healthyWhileHeld(url: string): Promise<{ healthy: unknown[][]; held: Promise<[number, unknown]> }> {
  let heldAnswer: unknown[] | undefined;
  const held = post(url, '{"n":2}').then(answer);
  void held.then((a) => {
    heldAnswer = a;
  });
  const healthy: unknown[][] = [];
  for (let i = 0; i < 3; i++) healthy.push(await answer(await post(url, "null")));
  expect(heldAnswer).toBeUndefined();
  return { healthy, held };
}

/** Deletes `topic` and creates it again with one partition: its partition 1 goes, unknown to a producer that wrote there. */
async function shrinkToOnePartition(admin: Admin, topic: string): Promise<void> {
  await admin.deleteTopics({ topics: [topic] });
  await waitFor(async () => !(await admin.listTopics()).includes(topic), { what: `${topic} deleted` });
  await createTopicsOn(admin, [{ topic, numPartitions: 1 }]);
}

test.concurrent("requests to a healthy topic answer 200 while a request held by a vanished partition is still pending; it then ends as before", async () => {
  const stuck = uniqueTopic("stuck-s");
  const healthy = uniqueTopic("stuck-h");
  await using dir = await tempDir("ingest-stuck-partition-");
  // Long enough that the healthy requests are answered well inside it on a loaded host (they take well under a
  // second, as long as in the next test, whose held request ends at 10 s too); the held record is then sent again.
  const started = await startIngestGateway(dir, {
    "producer.delivery.timeout.ms": "10000",
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
      ...tombstonesTo(healthy),
    });
    const url = `${started.ingest}/in`;
    // The producer learns S has 2 partitions.
    expect(await answer(await post(url, '{"n":1}'))).toEqual([200, { topic: stuck, offsets: [at(undefined, 1, 0)] }]);
    await shrinkToOnePartition(admin, stuck);

    // Answered while the held request is not: their records no longer wait for its.
    const { healthy: healthyAnswers, held } = await healthyWhileHeld(url);
    expect(healthyAnswers).toEqual([0, 1, 2].map((n) => [200, { topic: stuck, offsets: [at(healthy, 0, n)] }]));
    // The held record is sent again on a new producer once delivery.timeout.ms expired, where k0 goes now.
    expect(await held).toEqual([200, { topic: stuck, offsets: [at(undefined, 0, 0)] }]);
    expect(await gw.stop()).toBe(0);
  } finally {
    await admin.disconnect();
  }
}, 120_000);

test.concurrent("requests to a healthy topic answer 200 while the connector's other topic is deleted and not created again", async () => {
  const base = uniqueTopic("stuck-gone");
  const gone = `${base}_s`;
  const healthy = uniqueTopic("stuck-h");
  await using dir = await tempDir("ingest-stuck-gone-");
  // The held record still waits for metadata in the producer at the stop, which gives the task this long before it
  // exits (the default, 5 s, is waited out).
  const started = await startIngestGateway(dir, { "task.shutdown.graceful.timeout.ms": "500" });
  await using gw = started.gw;
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [
      { topic: gone, numPartitions: 1 },
      { topic: healthy, numPartitions: 1 },
    ]);
    await createIngestConnector(gw, "gone-and-healthy", {
      "ingest.path": "/in",
      "kafka.topic": gone,
      // Long enough that the healthy requests are answered well inside it on a loaded host; the held one then ends.
      "ingest.request.timeout.ms": "10000",
      ...tombstonesTo(healthy),
    });
    const url = `${started.ingest}/in`;
    expect(await answer(await post(url, '{"n":1}'))).toEqual([200, { topic: gone, offsets: [at(undefined, 0, 0)] }]);
    expect(await answer(await post(url, "null"))).toEqual([200, { topic: gone, offsets: [at(healthy, 0, 0)] }]);
    await admin.deleteTopics({ topics: [gone] });
    await waitFor(async () => !(await admin.listTopics()).includes(gone), { what: `${gone} deleted` });
    await createTopicsOn(admin, [{ topic: `${base}.s`, numPartitions: 1 }]);

    const { healthy: healthyAnswers, held } = await healthyWhileHeld(url);
    expect(healthyAnswers).toEqual([1, 2, 3].map((n) => [200, { topic: gone, offsets: [at(healthy, 0, n)] }]));
    // Its record waits for metadata in the producer until this request's timeout.
    const timedOut =
      "Kafka did not acknowledge the records within 10000 ms (ingest.request.timeout.ms); the record was handed to the producer and may still be written";
    expect(await held).toEqual([
      500,
      {
        error_code: 50002,
        message: `1 of 1 records were not acknowledged by Kafka (some may still be written): ${timedOut}`,
        topic: gone,
        offsets: [{ partition: null, offset: null, error_code: 50003, error: timedOut }],
      },
    ]);
    expect(await gw.stop()).toBe(0);
  } finally {
    await admin.deleteTopics({ topics: [`${base}.s`] }).catch(() => undefined);
    await admin.disconnect();
  }
}, 120_000);

// coalfree (explore19 F2's rest): keyed traffic over both partitions, so that each send the producer took before it
// learnt partition 1 went holds a record there, as every send does on a cluster where a partition has no leader. Such
// sends used to keep max.in.flight.requests.per.connection (5) until delivery.timeout.ms although the port had told the
// rest of them written: nothing more was sent, and every later request waited too.
test.concurrent("keyed requests over every partition: with every max.in.flight slot held by sends of a vanished partition, the rest is still sent and answered 200, in order, each record written once", async () => {
  const topic = uniqueTopic("stuck-keyed");
  await using dir = await tempDir("ingest-stuck-keyed-");
  // Long enough that nothing expires: the test ends the hold by adding partition 1 back. Two records fill more than
  // half a produce request and three do not fit: the pairs of one ingest request go in a send each, one per event-loop
  // turn, all queued at once. Two sends in flight: the first two sends reach the producer in the first two turns, before
  // it can have learnt partition 1 went (a produce answer, then a metadata answer, each on a later turn), so both slots
  // are held every time; with 5, how many sends came before that varied from run to run (3 to 6).
  const started = await startIngestGateway(dir, {
    "producer.delivery.timeout.ms": "60000",
    "producer.request.timeout.ms": "3000",
    "producer.max.request.size": "1200",
    "producer.max.in.flight.requests.per.connection": "2",
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
    const request = async (records: { k: string; n: number }[]) =>
      answer(await post(url, JSON.stringify(records.map((r) => ({ ...r, pad })))));
    // The producer learns the topic has 2 partitions (this record goes with the deleted topic).
    expect(await answer(await post(url, JSON.stringify([{ k: "k0", n: -1 }])))).toEqual([
      200,
      { topic, offsets: [at(undefined, 1, 0)] },
    ]);
    await shrinkToOnePartition(admin, topic);

    // One request of 12 pairs: the sends the producer takes before it learns partition 1 went (the first two: every
    // max.in.flight slot) wait there with their k0 record, their k3 record written; the sends after go wholly to
    // partition 0, once the held ones free their slots (PARTLY_WRITTEN_SLOT_MS).
    const pairs = 12;
    const bigRecords = Array.from({ length: pairs }, (_, n) => [
      { k: "k0", n },
      { k: "k3", n },
    ]).flat();
    let bigAnswer: [number, unknown] | undefined;
    const big = request(bigRecords).then((a) => (bigAnswer = a));
    // Without the fix only the first two sends go: two k3 records.
    await waitFor(async () => (await partitionEnds(topic))[0]!.high >= pairs, {
      what: "partition 0 past the held sends",
    });
    // Requests on partition 0 whatever the producer knows: answered while the big one is held.
    const small = Array.from({ length: 6 }, (_, i) => [
      { k: "k3", n: 100 + i },
      { k: "k4", n: 100 + i },
    ]);
    const onPartition0: [number, unknown] = [
      200,
      { topic, offsets: [at(undefined, 0, expect.any(Number)), at(undefined, 0, expect.any(Number))] },
    ];
    const smallAnswers: [number, unknown][] = [];
    for (const records of small) smallAnswers.push(await request(records));
    expect(smallAnswers).toEqual(small.map(() => onPartition0));
    expect(bigAnswer).toBeUndefined();
    // Partition 0 has every record but the held k0 ones (written in call order, the small requests' last): the
    // precondition, from the broker, that held sends took every max.in.flight.requests.per.connection slot (2), so that
    // without the fix nothing more would have been sent (the test cannot pass vacuously).
    const held = 2 * pairs + 2 * small.length - (await partitionEnds(topic))[0]!.high;
    expect(held).toBeGreaterThanOrEqual(2);

    // Partition 1 back: the held records are written there.
    await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] });
    await big;
    expect(bigAnswer![0]).toBe(200);
    const seen = (await readAll(topic)).map((r) => ({
      k: r.key!.toString(),
      n: (JSON.parse(r.value!.toString()) as { n: number }).n,
      partition: r.partition,
      offset: Number(r.offset),
    }));
    const answered = [...small, bigRecords].flatMap((records, i) =>
      (
        (i < small.length ? smallAnswers[i]! : bigAnswer!)[1] as { offsets: { partition: number; offset: number }[] }
      ).offsets.map((o, j) => `${records[j]!.k}:${records[j]!.n}@${o.partition}:${o.offset}`),
    );
    // Each record in Kafka where its answer says, once.
    expect(seen.map((r) => `${r.k}:${r.n}@${r.partition}:${r.offset}`).sort()).toEqual(answered.sort());
    // Order (and idempotent sequences) kept with the held batches piled on partition 1: its k0 records in the order of
    // their pairs' k3 records on partition 0.
    const pairNs = (k: string, partition: number) =>
      seen
        .filter((r) => r.k === k && r.partition === partition && r.n < pairs)
        .sort((x, y) => x.offset - y.offset)
        .map((r) => r.n);
    expect(pairNs("k3", 0)).toEqual(Array.from({ length: pairs }, (_, n) => n));
    expect(pairNs("k0", 1)).toEqual(pairNs("k3", 0).slice(0, held));
    expect(await gw.stop()).toBe(0);
  } finally {
    await admin.disconnect();
  }
}, 60_000);
