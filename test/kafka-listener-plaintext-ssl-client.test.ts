/**
 * A client with security.protocol=SSL whose bootstrap server is the broker's PLAINTEXT listener: the broker reads the
 * ClientHello as the size of a request too large to take and closes the connection, in the handshake. Java's client
 * retries it as a disconnection; so do both Kafka clients, their error naming a listener that may not be TLS, where
 * kafkajs said only "Client network socket disconnected before secure TLS connection was established" (polish30).
 * The other directions: kafka-listener-tls-plaintext-client.test.ts, kafka-listener-not-tls.test.ts.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { isRetriable } from "../src/errors.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { NOT_TLS_LISTENER_HINT } from "../src/kafka/kafkajs/tls-refused-sockets.ts";
import { LogManager } from "../src/util/logger.ts";
import { type KafkaInfo, kafkaBroker } from "./support/kafka.ts";

let info: KafkaInfo;
beforeAll(async () => {
  info = await kafkaBroker();
});

describe.each([
  ["platformatic", "TLS handshake failed. Please verify the broker supports TLS."],
  [
    "kafkajs",
    `Client network socket disconnected before secure TLS connection was established${NOT_TLS_LISTENER_HINT}`,
  ],
] as const)("kafka.client=%s with security.protocol=SSL against the broker's PLAINTEXT listener", (client, hint) => {
  test("a retriable lost connection naming a listener that may not be TLS", async () => {
    const port = kafkaPorts[client](new LogManager({ sink: () => {} }));
    const properties = {
      "bootstrap.servers": info.bootstrap,
      "security.protocol": "SSL",
      "ssl.truststore.location": info.sslCa,
      "ssl.truststore.type": "PEM",
    };
    // kafkajs connects its admin at once; @platformatic/kafka at its first call.
    const error = await port.admin(properties).then(
      async (admin) => {
        try {
          return await admin.listTopics().catch((e: unknown) => e);
        } finally {
          await admin.close();
        }
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toContain(hint);
    expect(isRetriable(error)).toBe(true);
  }, 60_000);
});
