/**
 * A sink resumed on a partition whose committed offset is past the log end, against the real broker,
 * on both Kafka clients: as Connect 4.3.1's consumer, the fetch's OFFSET_OUT_OF_RANGE resets the
 * position to the end `auto.offset.reset` names (earliest for a sink) without committing anything,
 * so the group keeps the PATCHed offset until the task commits the consumed position (here at its
 * stop: the flush interval is longer than the test). kafkajs committed its default offset (-2) at
 * the reset, and `GET /connectors/{c}/offsets` answered the partition gone until the next commit,
 * for good when nothing came after the reset (kafkajs' patch 24, scripts/patches/kafkajs-out-of-range-reset.mjs).
 */
import { expect, test } from "bun:test";
import { createTopic, testClient, uniqueTopic } from "./support/kafka.ts";
import { linesOf, sinkGateway } from "./support/sink-gateway.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

interface SinkOffset {
  partition: { kafka_topic: string; kafka_partition: number };
  offset: { kafka_offset: number };
}

test.each(["platformatic", "kafkajs"] as const)(
  "kafka.client=%s: a committed offset past the log end is reset to earliest without a commit; the stop commits the consumed position",
  async (client) => {
    const topic = uniqueTopic(`sink-past-end-${client}`);
    await createTopic(topic, 1);
    const producer = (await testClient()).producer();
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: ["x", "y", "z"].map((value) => ({ partition: 0, value })) });
    } finally {
      await producer.disconnect();
    }
    await using dir = await tempDir();
    const out = dir.file("out.txt");
    // No commit on a timer: only at the stop.
    await using gw = await sinkGateway(dir, client, [], { "offset.flush.interval.ms": "600000" });
    const created = await gw.rest.post("/connectors", {
      name: topic,
      config: { "connector.class": "FileStreamSink", topics: topic, file: out },
      initial_state: "STOPPED",
    });
    expect(created.status).toBe(201);
    const offsets = async () =>
      ((await gw.rest.get(`/connectors/${topic}/offsets`)).body as { offsets: SinkOffset[] }).offsets.map((o) => [
        o.partition.kafka_partition,
        o.offset.kafka_offset,
      ]);
    const patched = await gw.rest.patch(`/connectors/${topic}/offsets`, {
      offsets: [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 100 } }],
    });
    expect(patched.status).toBe(200);
    expect(await offsets()).toEqual([[0, 100]]);
    expect((await gw.rest.put(`/connectors/${topic}/resume`)).status).toBe(202);
    await waitFor(() => linesOf(out).length >= 3, { what: "the 3 records written", timeoutMs: 60_000 });
    expect(linesOf(out)).toEqual(["x", "y", "z"]);
    // The records after the reset are put: the reset was made, and nothing committed yet.
    expect(await offsets()).toEqual([[0, 100]]);
    // Its stop commits the consumed position.
    expect((await gw.rest.put(`/connectors/${topic}/stop`)).status).toBe(204);
    await waitFor(async () => JSON.stringify(await offsets()) === JSON.stringify([[0, 3]]), {
      what: "the consumed position committed at the stop",
      timeoutMs: 60_000,
    });
  },
  120_000,
);
