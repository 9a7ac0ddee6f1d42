/**
 * A TLS alert on a connection that already carried the broker's answers is a lost connection, not a
 * refused handshake: Java's SslTransportLayer makes an SSLException an SslAuthenticationException
 * only before the first application data (its POST_HANDSHAKE state, TLS 1.3's late client
 * certificate refusal); once READY it is an IOException, a disconnect the client retries. Here a
 * loopback relay in front of the broker's SSL listener flips a byte of the client's next record
 * after a first Metadata round trip: the broker answers bad_record_mac and closes. The
 * failure stays retriable with both Kafka clients (scripts/patch-dependencies.mjs).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { Admin } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { isRetriable } from "../src/errors.ts";
import { wrap } from "../src/kafka/kafkajs/errors.ts";
import { retriable } from "../src/kafka/platformatic/errors.ts";
import { type KafkaInfo, kafkaBroker } from "./support/kafka.ts";

let info: KafkaInfo;
let relay: Server;
let corruptNext = false;

beforeAll(async () => {
  info = await kafkaBroker();
  const [host, port] = info.bootstrapSsl.split(":");
  relay = createServer((client) => {
    const broker = connect({ host, port: Number(port) });
    client.on("data", (chunk: Buffer) => {
      if (corruptNext && chunk.length > 20) {
        corruptNext = false;
        chunk[chunk.length - 5]! ^= 0xff; // inside the record's ciphertext: its authentication fails
      }
      broker.write(chunk);
    });
    broker.pipe(client);
    client.on("close", () => broker.destroy());
    broker.on("close", () => client.destroy());
    client.on("error", () => broker.destroy());
    broker.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
});

afterAll(() => {
  relay?.close();
});

const relayed = () => `localhost:${(relay.address() as { port: number }).port}`;

test("@platformatic/kafka: a TLS alert after the broker's first answer is a retriable lost connection", async () => {
  const admin = new Admin({
    clientId: "tls-established-alert",
    bootstrapBrokers: [relayed()],
    tls: { ca: readFileSync(info.sslCa), servername: "localhost" },
    retries: 0,
  });
  try {
    await admin.metadata({ topics: [] });
    corruptNext = true;
    const error = await admin.metadata({ topics: [], forceUpdate: true }).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(corruptNext).toBe(false);
    expect(retriable(error)).toBe(true);
  } finally {
    await admin.close();
  }
});

test("kafkajs: a TLS alert after the broker's first answer is a retriable lost connection", async () => {
  const admin = new Kafka({
    clientId: "tls-established-alert",
    brokers: [relayed()],
    ssl: { ca: [readFileSync(info.sslCa, "utf8")], servername: "localhost" },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  try {
    // The seed broker's connection (through the relay) answered the connect's Metadata request.
    await admin.connect();
    corruptNext = true;
    const error = await admin.fetchTopicMetadata({ topics: [] }).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(corruptNext).toBe(false);
    const wrapped = wrap(error, "Failed to fetch the metadata");
    expect(wrapped.message).toContain("BAD_RECORD_MAC");
    expect(isRetriable(wrapped)).toBe(true);
  } finally {
    await admin.disconnect();
  }
});
