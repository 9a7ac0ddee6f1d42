/**
 * The client limit in Bun: a bare producer or consumer loop through the project's Kafka port
 * (the adapter the gateway uses), no Connect runtime in between. bench/throughput.ts runs it as a
 * child process so its CPU and peak RSS are its own. Settings come from BENCH_LOOP_* variables;
 * prints one JSON line: { records, elapsedMs }.
 *
 *   produce: `records` values of `size` bytes in sends of `batch` records, at most `inflight` sends
 *            awaiting acknowledgement (acks=all, idempotent, as the gateway's producer);
 *   consume: a fresh group reads `records` records of `topic` from the beginning.
 */

import type { ProducerRecord } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

const mode = env("BENCH_LOOP_MODE");
const adapter = env("BENCH_LOOP_ADAPTER", "kafkajs") as keyof typeof kafkaPorts;
const bootstrap = env("BENCH_LOOP_BOOTSTRAP");
const topic = env("BENCH_LOOP_TOPIC");
const records = Number(env("BENCH_LOOP_RECORDS"));
const size = Number(env("BENCH_LOOP_SIZE", "200"));
const batch = Number(env("BENCH_LOOP_BATCH", "1000"));
const inflight = Number(env("BENCH_LOOP_INFLIGHT", "5"));
const create = kafkaPorts[adapter];
if (!create) throw new Error(`unknown adapter ${adapter}`);
const port = create(new LogManager({ sink: () => {} }));
const props = {
  "bootstrap.servers": bootstrap,
  acks: "all",
  "linger.ms": "5",
  "batch.size": "262144",
};

async function produce(): Promise<number> {
  const producer = await port.producer(props);
  const value = new Uint8Array(size).fill(120);
  const started = performance.now();
  const pending = new Set<Promise<unknown>>();
  for (let sent = 0; sent < records; ) {
    const n = Math.min(batch, records - sent);
    const out: ProducerRecord[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = { topic, partition: 0, key: null, value, headers: [], timestamp: null };
    const p: Promise<unknown> = producer.send(out).then(() => pending.delete(p));
    pending.add(p);
    sent += n;
    if (pending.size >= inflight) await Promise.race(pending);
  }
  await Promise.all(pending);
  const elapsed = performance.now() - started;
  await producer.close();
  return elapsed;
}

async function consume(): Promise<number> {
  const consumer = await port.consumer({
    groupId: `bench-loop-${Date.now()}`,
    topics: [topic],
    properties: { "bootstrap.servers": bootstrap, "auto.offset.reset": "earliest" },
  });
  let seen = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const started = performance.now();
  await consumer.start({
    onRecords: async (batchOfRecords) => {
      seen += batchOfRecords.length;
      if (seen >= records) done();
    },
    onPartitionsAssigned: async () => {},
    onPartitionsRevoked: async () => {},
    onPartitionsLost: async () => {},
    onCrash: (error) => {
      throw error;
    },
  });
  await finished;
  const elapsed = performance.now() - started;
  await consumer.close();
  return elapsed;
}

const elapsedMs = mode === "produce" ? await produce() : await consume();
process.stdout.write(`${JSON.stringify({ records, elapsedMs })}\n`);
process.exit(0);
