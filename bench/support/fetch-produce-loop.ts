/**
 * The limit the HTTP source benchmark compares against: the least a Bun program can do to move a
 * paginated API into Kafka. Fetch a page, parse it, produce its records as JSON (kafkajs, acks=all,
 * idempotent, as the gateway's producer), await the acknowledgement, next page. Run as its own
 * process: `bun fetch-produce-loop.ts <api base> <bootstrap> <topic>`.
 */
import { Kafka, logLevel } from "kafkajs";

const [base, bootstrap, topic] = process.argv.slice(2);
if (!base || !bootstrap || !topic) throw new Error("usage: fetch-produce-loop.ts <api base> <bootstrap> <topic>");
const kafka = new Kafka({ clientId: "fetch-produce-loop", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
let after = -1;
for (;;) {
  const response = await fetch(`${base}/items?after=${after}&limit=100`);
  const page = (await response.json()) as { items: { id: number }[]; next_after: number | null };
  if (page.items.length > 0)
    await producer.send({ topic, acks: -1, messages: page.items.map((item) => ({ value: JSON.stringify(item) })) });
  if (page.next_after === null) break;
  after = page.next_after;
}
await producer.disconnect();
