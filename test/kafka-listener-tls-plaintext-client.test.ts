/**
 * A client with security.protocol=PLAINTEXT or SASL_PLAINTEXT whose bootstrap server is the broker's SSL listener (the
 * other direction of kafka-listener-not-tls.test.ts): the broker answers the client's first request with a TLS alert,
 * whose bytes Java's client reads as the size of an answer (0x15030300: 336 MB, KAFKA-4090) until the broker closes
 * the connection, a disconnection it retries. Both Kafka clients fail such a connection as a retriable lost connection
 * too, naming a listener that may be TLS, where @platformatic/kafka failed for good ("Broker requires TLS.") or, before
 * a SASL login, named no mechanism ("Cannot find a suitable SASL mechanism.") and kafkajs waited for the 336 MB answer
 * ("Closed connection"): scripts/patches/tls-answer.mjs.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { Admin } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { isRetriable } from "../src/errors.ts";
import { wrap } from "../src/kafka/kafkajs/errors.ts";
import { wrap as wrapPlatformatic } from "../src/kafka/platformatic/errors.ts";
import { type KafkaInfo, kafkaBroker } from "./support/kafka.ts";

const patches = "../scripts/patches/tls-answer.mjs"; // a path tsc does not resolve: the script has no types
const { TLS_ANSWER: HINT } = (await import(patches)) as { TLS_ANSWER: string };

/** The test broker's PLAIN user, for the SASL_PLAINTEXT cases: the login never starts, the listener being TLS. */
const login = { username: "gateway", password: "gateway-secret" };

let info: KafkaInfo;
beforeAll(async () => {
  info = await kafkaBroker();
});

describe.each([
  ["PLAINTEXT", false],
  ["SASL_PLAINTEXT", true],
])("a client with security.protocol=%s against the broker's SSL listener", (_protocol, sasl) => {
  test("@platformatic/kafka: a retriable lost connection naming a listener that may be TLS", async () => {
    const admin = new Admin({
      clientId: "plaintext-to-ssl",
      bootstrapBrokers: [info.bootstrapSsl],
      retries: 0,
      ...(sasl ? { sasl: { mechanism: "PLAIN" as const, ...login } } : {}),
    });
    try {
      const error = await admin.metadata({ topics: [] }).catch((e) => e);
      const wrapped = wrapPlatformatic(error, "Failed to fetch the metadata");
      const failed = `Connection to ${info.bootstrapSsl} failed: ${HINT}`;
      // A SASL login's connection fails before any request is sent: the library names no broker reached
      expect(wrapped.message).toBe(
        `Failed to fetch the metadata: ${sasl ? `Cannot connect to any broker. (${failed})` : failed}`,
      );
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
      ...(sasl ? { sasl: { mechanism: "plain" as const, ...login } } : {}),
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
