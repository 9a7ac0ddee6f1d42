/**
 * A client with security.protocol=PLAINTEXT whose bootstrap server is the broker's SSL listener (the other direction
 * of kafka-listener-not-tls.test.ts): the broker answers the client's first request with a TLS alert, whose bytes
 * Java's client reads as the size of an answer (0x15030300: 336 MB, KAFKA-4090) until the broker closes the
 * connection, a disconnection it retries. Both Kafka clients fail such a connection as a retriable lost connection
 * too, naming a listener that may be TLS, where @platformatic/kafka failed for good ("Broker requires TLS.") and
 * kafkajs waited for the 336 MB answer ("Closed connection"): scripts/patch-dependencies.mjs.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { Admin } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { isRetriable } from "../src/errors.ts";
import { wrap } from "../src/kafka/kafkajs/errors.ts";
import { wrap as wrapPlatformatic } from "../src/kafka/platformatic/errors.ts";
import { type KafkaInfo, kafkaBroker } from "./support/kafka.ts";

const HINT =
  "the broker answered in TLS: its listener may be TLS (security.protocol=PLAINTEXT or SASL_PLAINTEXT against an SSL or SASL_SSL listener)";

let info: KafkaInfo;
beforeAll(async () => {
  info = await kafkaBroker();
});

describe("a client without TLS against the broker's SSL listener", () => {
  test("@platformatic/kafka: a retriable lost connection naming a listener that may be TLS", async () => {
    const admin = new Admin({ clientId: "plaintext-to-ssl", bootstrapBrokers: [info.bootstrapSsl], retries: 0 });
    try {
      const error = await admin.metadata({ topics: [] }).catch((e) => e);
      const wrapped = wrapPlatformatic(error, "Failed to fetch the metadata");
      expect(wrapped.message).toBe(`Failed to fetch the metadata: Connection to ${info.bootstrapSsl} failed: ${HINT}`);
      expect(isRetriable(wrapped)).toBe(true);
    } finally {
      await admin.close();
    }
  });

  test("kafkajs: a retriable lost connection naming a listener that may be TLS", async () => {
    const admin = new Kafka({
      clientId: "plaintext-to-ssl",
      brokers: [info.bootstrapSsl],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin();
    try {
      const error = await admin.connect().catch((e) => e);
      const wrapped = wrap(error, "Failed to connect the admin client");
      expect(wrapped.message).toBe(`Failed to connect the admin client: Connection error: ${HINT}`);
      expect(isRetriable(wrapped)).toBe(true);
    } finally {
      await admin.disconnect();
    }
  });
});
