/**
 * Issue 7 point 2: the platformatic adapter's pipelined idempotent producer (several requests in
 * flight per broker) while its broker stops and comes back. Keyed sequences are sent without
 * awaiting each send; afterwards every acknowledged record is in the topic exactly once, and each
 * key's records are in send order. The broker is the test's own (startOwnBroker).
 */
import { describe, expect, test } from "bun:test";
import type { KafkaProducer, ProducedMetadata } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { startOwnBroker } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const KEYS = 6;
const PER_SEND = 20;
const IN_FLIGHT = 5;

interface Sequences {
  /** Values Kafka acknowledged, in acknowledgement order. */
  readonly acknowledged: string[];
  stop: boolean;
  done: Promise<void>;
}

/** Sends keyed sequences, up to IN_FLIGHT sends outstanding, until `stop` is set. */
function sendSequences(producer: KafkaProducer, topic: string): Sequences {
  const state: Sequences = { acknowledged: [], stop: false, done: Promise.resolve() };
  const next = new Array<number>(KEYS).fill(0);
  state.done = (async () => {
    const outstanding: Promise<void>[] = [];
    for (let sends = 0; !state.stop; sends++) {
      const values: string[] = [];
      for (let i = 0; i < PER_SEND; i++) {
        const key = (sends * PER_SEND + i) % KEYS;
        values.push(`k${key}:${next[key]!++}`);
      }
      const send = producer.send(
        values.map((v) => ({
          topic,
          partition: null,
          key: new TextEncoder().encode(v.split(":")[0]!),
          value: new TextEncoder().encode(v),
          headers: [],
          timestamp: null,
        })),
      );
      outstanding.push(
        send.then((metadata: ProducedMetadata[]) => {
          if (metadata.some((m) => m.offset < 0)) throw new Error("an acknowledged record without offset");
          state.acknowledged.push(...values);
        }),
      );
      if (outstanding.length >= IN_FLIGHT) await outstanding.shift();
    }
    await Promise.all(outstanding);
  })();
  return state;
}

describe("the pipelined producer across a broker restart", () => {
  test("every acknowledged record lands once, each key's records in send order", async () => {
    await using dir = await tempDir();
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const topic = uniqueTopic("pipelined-outage");
    const admin = kafka.client().admin();
    await admin.connect();
    await createTopicsOn(admin, [{ topic, numPartitions: 3 }]);
    await admin.disconnect();

    const port = kafkaPorts.platformatic(new LogManager({ sink: () => {} }));
    const producer = await port.producer({
      "bootstrap.servers": kafka.bootstrap,
      "request.timeout.ms": "3000",
      "socket.connection.setup.timeout.ms": "2000",
      "retry.backoff.ms": "100",
      "delivery.timeout.ms": "240000",
    });
    expect(producer.maxInFlight).toBe(5);
    const run = sendSequences(producer, topic);
    try {
      await waitFor(() => run.acknowledged.length >= 2_000, { what: "records before the restart" });
      // Sends keep coming while the broker is down: they wait in the pipeline and its retries.
      await kafka.stop();
      await kafka.restart();
      const before = run.acknowledged.length;
      await waitFor(() => run.acknowledged.length >= before + 2_000, {
        timeoutMs: 240_000,
        what: "records after the restart",
      });
    } finally {
      run.stop = true;
    }
    await run.done;
    await producer.close();

    const consumer = kafka.client().consumer({ groupId: `check-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const inTopic: string[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        inTopic.push(message.value!.toString());
      },
    });
    const acknowledged = run.acknowledged;
    await waitFor(() => inTopic.length >= acknowledged.length, { timeoutMs: 60_000, what: "the acknowledged records" });
    await consumer.disconnect();
    // Exactly once: no value twice, every acknowledged one present (every send succeeded: each
    // key's sequence is complete).
    expect(new Set(inTopic).size).toBe(inTopic.length);
    expect(inTopic.length).toBe(acknowledged.length);
    const present = new Set(inTopic);
    expect(acknowledged.filter((v) => !present.has(v))).toEqual([]);
    // Send order per key (one key, one partition: the topic's order of that key's records).
    for (let k = 0; k < KEYS; k++) {
      const seqs = inTopic.filter((v) => v.startsWith(`k${k}:`)).map((v) => Number(v.split(":")[1]));
      expect(seqs).toEqual(seqs.map((_, i) => i));
    }
  }, 400_000);
});
