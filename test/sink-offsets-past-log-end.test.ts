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
import { createTopic, kafkaBroker, testClient, uniqueTopic } from "./support/kafka.ts";
import { linesOf, sinkGateway } from "./support/sink-gateway.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

interface SinkOffset {
  partition: { kafka_topic: string; kafka_partition: number };
  offset: { kafka_offset: number };
}

/** Shows the gateway's log tail unless `passed` was called (disposed before the gateway, so its log is still there). */
function logOnFailure(gw: { output(): string }): Disposable & { passed(): void } {
  let passed = false;
  return {
    passed: () => {
      passed = true;
    },
    [Symbol.dispose]: () => {
      if (!passed) console.error(`gateway log (tail):\n${gw.output().slice(-12000)}`);
    },
  };
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
    using log = logOnFailure(gw);
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
    log.passed();
  },
  120_000,
);

// review kjsreset: several partitions out of range at once, reset to latest (consumer.override.auto.offset.reset): each
// is reset and logged on its own (kafkajs logged one grouped WARN without any position), and nothing is lost or put twice.
test.each(["platformatic", "kafkajs"] as const)(
  "kafka.client=%s: three partitions past the log end are reset to latest, each logged with its position; the records after are put once",
  async (client) => {
    const topic = uniqueTopic(`sink-past-end-latest-${client}`);
    const partitions = [0, 1, 2];
    await createTopic(topic, partitions.length);
    const producer = (await testClient()).producer();
    await producer.connect();
    const send = (prefix: string) =>
      producer.send({
        topic,
        acks: -1,
        messages: partitions.flatMap((partition) =>
          [1, 2].map((n) => ({ partition, value: `${prefix}${partition}.${n}` })),
        ),
      });
    try {
      await send("before-");
      await using dir = await tempDir();
      const out = dir.file("out.txt");
      await using gw = await sinkGateway(dir, client, [], { "offset.flush.interval.ms": "600000" });
      using log = logOnFailure(gw);
      const created = await gw.rest.post("/connectors", {
        name: topic,
        config: {
          "connector.class": "FileStreamSink",
          topics: topic,
          file: out,
          "consumer.override.auto.offset.reset": "latest",
        },
        initial_state: "STOPPED",
      });
      expect(created.status).toBe(201);
      const offsets = async () =>
        ((await gw.rest.get(`/connectors/${topic}/offsets`)).body as { offsets: SinkOffset[] }).offsets
          .map((o) => [o.partition.kafka_partition, o.offset.kafka_offset])
          .sort((a, b) => a[0]! - b[0]!);
      const patched = await gw.rest.patch(`/connectors/${topic}/offsets`, {
        offsets: partitions.map((p) => ({
          partition: { kafka_topic: topic, kafka_partition: p },
          offset: { kafka_offset: 100 + p },
        })),
      });
      expect(patched.status).toBe(200);
      expect((await gw.rest.put(`/connectors/${topic}/resume`)).status).toBe(202);
      // Java's INFO pair per partition, each with its own positions and the partition's leader (leftfix 4: kafkajs'
      // read `leader=Optional.empty`). Its epoch is unknown to kafkajs, which asks for Metadata v6 (none in it).
      const { bootstrap } = await kafkaBroker();
      const epoch = client === "kafkajs" ? "absent" : "\\d+";
      const position = (offset: number) =>
        `FetchPosition\\{offset=${offset}, offsetEpoch=Optional\\.empty, currentLeader=LeaderAndEpoch\\{leader=Optional\\[${bootstrap} \\(id: 1 rack: null isFenced: false\\)\\], epoch=${epoch}\\}\\}`;
      const reset = (p: number) => `Resetting offset for partition ${topic}-${p} to position FetchPosition{offset=2,`;
      await waitFor(() => partitions.every((p) => gw.output().includes(reset(p))), {
        what: "each partition's reset to latest logged",
        timeoutMs: 60_000,
      });
      for (const p of partitions) {
        expect(gw.output()).toMatch(
          new RegExp(
            `Fetch position ${position(100 + p)} is out of range for partition ${topic}-${p}, resetting offset`,
          ),
        );
        expect(gw.output()).toMatch(
          new RegExp(`Resetting offset for partition ${topic}-${p} to position ${position(2)}\\.`),
        );
      }
      expect(gw.output()).not.toContain("resetting to default offset");
      // Nothing committed at the reset.
      expect(await offsets()).toEqual(partitions.map((p) => [p, 100 + p]));
      await send("after-");
      const expected = partitions.flatMap((p) => [1, 2].map((n) => `after-${p}.${n}`)).sort();
      await waitFor(() => linesOf(out).length >= expected.length, {
        what: "the records after the reset",
        timeoutMs: 60_000,
      });
      expect(linesOf(out).sort()).toEqual(expected);
      expect((await gw.rest.put(`/connectors/${topic}/stop`)).status).toBe(204);
      await waitFor(async () => JSON.stringify(await offsets()) === JSON.stringify(partitions.map((p) => [p, 4])), {
        what: "the consumed positions committed at the stop",
        timeoutMs: 60_000,
      });
      expect(linesOf(out).sort()).toEqual(expected);
      log.passed();
    } finally {
      await producer.disconnect();
    }
  },
  120_000,
);
