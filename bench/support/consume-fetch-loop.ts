/**
 * The limit the HTTP sink benchmark compares against: the least a Bun program can do to move a
 * Kafka topic to an HTTP endpoint. A kafkajs consumer (its own group, from the beginning) hands over
 * each fetched batch per partition, `concurrency` partitions at a time; batch mode POSTs the values
 * as JSON arrays of up to `batchSize` (the raw values joined, no parse), single mode POSTs each value
 * on its own; every request is awaited before the next of the same partition (order per partition),
 * offsets are committed by kafkajs as it goes. Exits after `total` records.
 * Run as its own process: `bun consume-fetch-loop.ts <bootstrap> <topic> <url> <batch|single> <batchSize> <concurrency> <total>`.
 */
import { Kafka, logLevel } from "kafkajs";

const [bootstrap, topic, url, mode, batchArg, concurrencyArg, totalArg] = process.argv.slice(2);
if (!bootstrap || !topic || !url || (mode !== "batch" && mode !== "single") || !totalArg)
  throw new Error(
    "usage: consume-fetch-loop.ts <bootstrap> <topic> <url> <batch|single> <batchSize> <concurrency> <total>",
  );
const endpoint: string = url;
const batchSize = Number(batchArg);
const total = Number(totalArg);
const kafka = new Kafka({ clientId: "consume-fetch-loop", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: `consume-fetch-loop-${Date.now()}` });
const headers = { "content-type": "application/json" };

async function post(body: string | Buffer): Promise<void> {
  const response = await fetch(endpoint, { method: "POST", headers, body });
  if (response.status !== 200) throw new Error(`the endpoint answered ${response.status}`);
  await response.arrayBuffer();
}

let done = 0;
const finished = Promise.withResolvers<void>();
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  partitionsConsumedConcurrently: Number(concurrencyArg),
  eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
    const messages = batch.messages;
    if (mode === "batch") {
      for (let i = 0; i < messages.length; i += batchSize) {
        const chunk = messages.slice(i, i + batchSize);
        await post(`[${chunk.map((m) => m.value?.toString() ?? "null").join(",")}]`);
        resolveOffset(chunk.at(-1)!.offset);
        done += chunk.length;
        await heartbeat();
      }
    } else {
      for (const m of messages) {
        await post(m.value ?? Buffer.alloc(0));
        resolveOffset(m.offset);
        done++;
      }
      await heartbeat();
    }
    if (done >= total) finished.resolve();
  },
});
await finished.promise;
await consumer.disconnect();
