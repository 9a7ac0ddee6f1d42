/**
 * test/support/kafka.ts reads a topic up to the partition ends taken before: records written after
 * them are left out, and every record below them is returned, whichever partition the consumer
 * delivers first. ingest-offsets-crash failed once in CI with "found undefined" for the last six
 * records of a partition; its reader then counted records up to the sum of the ends, so records the
 * broker wrote after the ends were taken (a killed gateway's last requests, likely there) on other
 * partitions could fill that count before the partition's tail was read: the first test here.
 */
import { expect, test } from "bun:test";
import {
  createTopic,
  partitionEnds,
  producePerPartition,
  readAll,
  readUpTo,
  testClient,
  uniqueTopic,
} from "./support/kafka.ts";
import { waitFor } from "./support/wait-for.ts";

const value = (p: number, i: number) => `p${p}-${i}`;
const positions = (records: { partition: number; offset: string; value: Buffer | null }[]) =>
  records.map((r) => [r.partition, Number(r.offset), r.value?.toString()]);

test("readUpTo returns each partition's records below its end, not those written after the ends were taken", async () => {
  const topic = uniqueTopic("support-read-up-to");
  await createTopic(topic, 2);
  await producePerPartition(topic, 2, 5, value);
  const ends = await partitionEnds(topic);
  await producePerPartition(topic, 2, 20, value, 5);
  const expected = [0, 1].flatMap((p) => Array.from({ length: 5 }, (_, i) => [p, i, value(p, i)]));
  expect(positions(await readUpTo(topic, ends))).toEqual(expected);
});

test("readAll returns every record of every partition, and nothing of an empty one", async () => {
  const topic = uniqueTopic("support-read-all");
  await createTopic(topic, 3);
  await producePerPartition(topic, 2, 3, value);
  const expected = [0, 1].flatMap((p) => Array.from({ length: 3 }, (_, i) => [p, i, value(p, i)]));
  expect(positions(await readAll(topic))).toEqual(expected);
});

test("readAll ends at a transaction's commit marker, the last offset of a partition, which no message carries", async () => {
  const topic = uniqueTopic("support-read-all-tx");
  await createTopic(topic, 1);
  const producer = (await testClient()).producer({
    transactionalId: `${topic}-tx`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const tx = await producer.transaction();
    await tx.send({ topic, messages: [0, 1, 2].map((i) => ({ value: value(0, i) })) });
    await tx.commit();
  } finally {
    await producer.disconnect();
  }
  // EndTxn is answered before the coordinator writes the marker; the end read (the last stable
  // offset) stays 0 until it is there: three records and the marker.
  await waitFor(async () => (await partitionEnds(topic))[0]!.high === 4, { what: "the commit marker" });
  expect(positions(await readAll(topic))).toEqual([0, 1, 2].map((i) => [0, i, value(0, i)]));
});
