import { describe, expect, test } from "bun:test";
import { recordingBroker } from "../../test/support/recording-broker.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { LogManager } from "../util/logger.ts";
import type { ClientProperties, KafkaPort } from "./kafka-port.ts";
import { type KafkaClientName, kafkaPorts } from "./kafka-ports.ts";

const quiet = new LogManager({ sink: () => {} });
const fast = (port: number, clientId: string): ClientProperties => ({
  "bootstrap.servers": `127.0.0.1:${port}`,
  "client.id": clientId,
  "retry.backoff.ms": "10",
  "request.timeout.ms": "1000",
  "socket.connection.setup.timeout.ms": "1000",
});

/** Starts a client of one type; `stop` ends the attempt (each fails: the broker hangs up). */
type Attempt = (kafka: KafkaPort, props: ClientProperties) => { stop: () => Promise<void> };
/** The attempt's outcome is handled at once: a client that fails before `stop` is no unhandled rejection. */
const settled = (p: Promise<unknown>) => {
  const done = p.then(
    () => undefined,
    () => undefined,
  );
  return { stop: () => done };
};
const clients: [string, Attempt][] = [
  ["producer", (kafka, props) => settled(kafka.producer(props).then((p) => p.close()))],
  ["admin", (kafka, props) => settled(kafka.admin(props).then((a) => a.close()))],
  [
    "consumer",
    (kafka, properties) => {
      const consumer = kafka.consumer({ groupId: "g", topics: ["t"], properties });
      const started = consumer.then((c) =>
        c.start({
          onRecords: async () => {},
          onPartitionsAssigned: async () => {},
          onPartitionsRevoked: async () => {},
          onPartitionsLost: async () => {},
          onCrash: () => {},
        }),
      );
      const outcome = settled(started);
      // Closing ends the start's retries (topics that never get leaders here).
      return { stop: async () => (await consumer).close().then(() => outcome.stop()) };
    },
  ],
];

describe.each(Object.keys(kafkaPorts) as KafkaClientName[])("the %s adapter", (name) => {
  test.each(clients)("%s: every request header carries the client.id", async (_type, create) => {
    await using broker = await recordingBroker({ hangUp: true });
    const kafka = kafkaPorts[name](quiet);
    const attempt = create(kafka, fast(broker.port, "connector-producer-orders-0"));
    await waitFor(() => broker.requests.length > 0, { what: "a request" });
    await attempt.stop();
    expect(broker.requests[0]!.clientId).toBe("connector-producer-orders-0");
    expect(new Set(broker.requests.map((r) => r.clientId))).toEqual(new Set(["connector-producer-orders-0"]));
  });
});

test("kafka.client=kafkajs refuses a compression level (its codecs are one registry per process), before connecting", async () => {
  const props = { ...fast(1, "c"), "compression.type": "zstd", "compression.zstd.level": "9" };
  await expect(kafkaPorts.kafkajs(quiet).producer(props)).rejects.toThrow(
    "Invalid value 9 for configuration compression.zstd.level: not supported by kafka.client=kafkajs (use kafka.client=platformatic)",
  );
});
