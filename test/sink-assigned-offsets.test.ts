/**
 * A running sink commits every partition assigned to its task, consumed or not, against the real
 * broker, on both Kafka clients, as Connect 4.3.1's WorkerSinkTask: onPartitionsAssigned puts each
 * partition's consumer.position() (its committed offset, else the end auto.offset.reset names) in
 * currentOffsets and lastCommittedOffsets, and once any offset moved commitOffsets commits them all
 * (committableOffsets starts from lastCommittedOffsets), so `GET /connectors/{c}/offsets` lists the
 * partitions no record reached at their position. Before, the gateway committed only the
 * partitions it had consumed.
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

async function produceTo(topic: string, partition: number, values: string[]): Promise<void> {
  const producer = (await testClient()).producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition, value })) });
  } finally {
    await producer.disconnect();
  }
}

interface SinkOffset {
  partition: { kafka_topic: string; kafka_partition: number };
  offset: { kafka_offset: number };
}

test.each([
  ["platformatic", "earliest"],
  ["kafkajs", "earliest"],
  ["platformatic", "latest"],
  ["kafkajs", "latest"],
] as const)(
  "kafka.client=%s, auto.offset.reset=%s: partitions no record reached are committed at their position with the others",
  async (client, reset) => {
    const kafka = await kafkaBroker();
    const topic = uniqueTopic(`sink-assigned-${client}-${reset}`);
    await createTopic(topic, 3);
    // Written before the task starts: read with earliest, skipped with latest (its position is then 3).
    await produceTo(topic, 1, ["x", "y", "z"]);
    await using dir = await tempDir();
    const out = dir.file("out.txt");
    const sink = dir.file("sink.properties");
    writeFileSync(
      sink,
      [
        `name=${topic}`,
        "connector.class=FileStreamSink",
        `topics=${topic}`,
        `file=${out}`,
        `consumer.override.auto.offset.reset=${reset}`,
        "",
      ].join("\n"),
    );
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "kafka.client": client,
        "offset.flush.interval.ms": "200",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
      args: [sink],
    });
    const written = () => (existsSync(out) ? readFileSync(out, "utf8").split("\n").filter(Boolean) : []);
    // With latest, records written before the assignment are skipped: written until one arrives.
    let sent = 0;
    await waitFor(
      async () => {
        if (written().includes("a")) return true;
        await produceTo(topic, 0, ["a"]);
        sent++;
        return false;
      },
      { what: "a record of partition 0 written", timeoutMs: 60_000 },
    );
    const offsets = async () => {
      const body = (await gw.rest.get(`/connectors/${topic}/offsets`)).body as { offsets: SinkOffset[] };
      return body.offsets
        .map((o) => [o.partition.kafka_partition, o.offset.kafka_offset])
        .sort((a, b) => a[0]! - b[0]!);
    };
    const expected = [
      [0, sent],
      [1, 3],
      [2, 0],
    ];
    await waitFor(async () => JSON.stringify(await offsets()) === JSON.stringify(expected), {
      what: `the committed offsets ${JSON.stringify(expected)}`,
      timeoutMs: 60_000,
    }).catch(async (error) => {
      throw new Error(`${error} (committed: ${JSON.stringify(await offsets())}, written: ${written()})`);
    });
    expect(written().filter((v) => v !== "a")).toEqual(reset === "earliest" ? ["x", "y", "z"] : []);
  },
  120_000,
);
