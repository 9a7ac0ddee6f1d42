/**
 * check.crcs on kafkajs across a rejoin, against the real broker: a partition's damaged batch found
 * in a Fetch answer while the partition was paused is waiting for the next Fetch that asks it from
 * the same offset (fetch-checks.ts). A rejoin gives the partition up (Java's consumer drops the
 * fetched data of the partitions it gives up); its new assignment fetches it again, so what that
 * Fetch answers counts, not what was found before (the consumer's join hook bumps the hold's
 * rejoins, invalid-batch-hold.ts). Here the batch is mended on disk between the two, as a segment
 * restored from a healthy replica would be.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ConsumedRecord } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { createTopic, kafkaBroker, produce, uniqueTopic } from "./support/kafka.ts";
import { damage, logDir } from "./support/log-segments.ts";
import { waitFor } from "./support/wait-for.ts";
import { FETCH, tapRequests } from "./support/wire-tap.ts";

const MARKER = "value-to-be-damaged-on-disk";
const COUNT = 20;

test("kafka.client=kafkajs: a damaged batch found for a paused partition is forgotten at a rejoin; the new assignment's Fetch is what counts", async () => {
  const info = await kafkaBroker();
  const prefix = uniqueTopic("crc-rejoin");
  const topic = `${prefix}-a`;
  await createTopic(topic);
  await produce(
    topic,
    Array.from({ length: COUNT }, (_, i) => ({ value: i === 7 ? MARKER : `value ${i}` })),
  );
  const dir = await logDir();
  const at = readFileSync(join(dir, `${topic}-0`, "00000000000000000000.log")).indexOf(MARKER) + 3;
  damage(dir, topic, at);

  const answered: string[] = [];
  const sink = (line: string) => void (line.includes("failed its checks") && answered.push(line));
  const clientId = uniqueTopic("crc-rejoin-client");
  const consumer = await kafkaPorts.kafkajs(new LogManager({ sink, rootLevel: "DEBUG" })).consumer({
    groupId: uniqueTopic("crc-rejoin-group"),
    // A topic created later under the pattern makes the member rejoin (at its next metadata look-up).
    topics: new RegExp(`^${prefix}-`),
    properties: {
      "bootstrap.servers": info.bootstrap,
      "client.id": clientId,
      "metadata.max.age.ms": "200",
      "fetch.max.wait.ms": "100",
    },
  });
  const damaged = { topic, partition: 0 };
  let fetches = 0;
  // Paused the moment its first Fetch is written: the damaged batch is found in an answer for a paused partition.
  using _tap = tapRequests((request) => {
    if (request.apiKey === FETCH && request.clientId === clientId && ++fetches === 1) consumer.pause([damaged]);
  });
  const records: ConsumedRecord[] = [];
  const crashes: Error[] = [];
  const assigned: string[][] = [];
  try {
    await consumer.start({
      onRecords: async (r) => void records.push(...r),
      onPartitionsRevoked: async () => {},
      onPartitionsAssigned: async (tps) => void assigned.push(tps.map((tp) => `${tp.topic}-${tp.partition}`)),
      onPartitionsLost: async () => {},
      onCrash: (e) => void crashes.push(e),
    });
    await waitFor(() => answered.length > 0, { what: "the damaged batch found", timeoutMs: 30_000 });
    expect(crashes).toEqual([]);
    damage(dir, topic, at); // mended
    // The rejoin: the partition given up and assigned again (unpaused), from offset 0 again.
    await createTopic(`${prefix}-b`);
    await waitFor(() => records.length === COUNT || crashes.length > 0, {
      what: "the partition's records after the rejoin",
      timeoutMs: 30_000,
    });
    expect(crashes).toEqual([]);
    expect(assigned.length).toBeGreaterThan(1);
    expect(records.map((r) => `${r.partition}@${r.offset}`)).toEqual(Array.from({ length: COUNT }, (_, i) => `0@${i}`));
    expect(records[7]!.value && Buffer.from(records[7]!.value).toString()).toBe(MARKER);
  } finally {
    await consumer.close().catch(() => undefined);
  }
}, 60_000);
