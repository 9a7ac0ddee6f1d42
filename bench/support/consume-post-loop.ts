/**
 * The limit the HTTP sink benchmark compares against: the least a Bun program can do to move a
 * Kafka topic to an HTTP endpoint with the same guarantees as the connector (records of a
 * partition in order, offsets committed after delivery). A kafkajs consumer reads the 4 partitions
 * concurrently; per fetched batch of a partition it POSTs JSON arrays of up to `batchSize` values
 * (batch) or each value on its own (single), awaiting each response, then commits. Run as its own
 * process: `bun consume-post-loop.ts <bootstrap> <topic> <url> <batch|single> <batch size>`.
 */
import { Kafka, logLevel } from "kafkajs";

const [bootstrap, topic, url, mode, size] = process.argv.slice(2);
if (!bootstrap || !topic || !url || !mode || !size)
  throw new Error("usage: consume-post-loop.ts <bootstrap> <topic> <url> <batch|single> <batch size>");
const batchSize = Number(size);
const kafka = new Kafka({ clientId: "consume-post-loop", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: `consume-post-loop-${Date.now()}`, maxBytesPerPartition: 4 * 1024 * 1024 });
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
const post = async (body: string) => {
  const response = await fetch(url, { method: "POST", body, headers: { "Content-Type": "application/json" } });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
};
await consumer.run({
  partitionsConsumedConcurrently: 4,
  eachBatchAutoResolve: false,
  eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
    const messages = batch.messages;
    if (mode === "single") {
      for (const m of messages) {
        await post(m.value!.toString());
        resolveOffset(m.offset);
      }
    } else {
      for (let at = 0; at < messages.length; at += batchSize) {
        const chunk = messages.slice(at, at + batchSize);
        await post(`[${chunk.map((m) => m.value!.toString()).join(",")}]`);
        resolveOffset(chunk.at(-1)!.offset);
      }
    }
    await heartbeat();
    await commitOffsetsIfNecessary();
  },
});
// Runs until the benchmark kills it.
