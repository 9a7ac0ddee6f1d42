/**
 * Helpers of the broker kill -9 tests (test/broker-kill-*.test.ts): a loopback HTTP sink endpoint
 * that records what it accepted, a sink file's lines, and a kafkajs producer that notices a
 * restarted broker quickly (short timeouts and retries: the caller's loop sends again).
 */
import { existsSync, readFileSync } from "node:fs";
import { Kafka, logLevel, type Producer } from "kafkajs";
import type { OwnBroker } from "./own-broker.ts";

/** A loopback endpoint recording the `{s}` events of every request (one or a JSON array) it accepts. */
export function sinkEndpoint() {
  const delivered = new Set<number>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const parsed = JSON.parse(await req.text()) as { s: number } | { s: number }[];
      for (const e of Array.isArray(parsed) ? parsed : [parsed]) delivered.add(e.s);
      return new Response("ok");
    },
  });
  return {
    delivered,
    url: `http://127.0.0.1:${server.port}/events`,
    [Symbol.dispose]: () => server.stop(true),
  };
}

/** The lines of `path` (a sink's output), none when it is not there yet. */
export const fileLines = (path: string): string[] =>
  existsSync(path)
    ? readFileSync(path, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    : [];

/** A connected producer to `broker` whose sends fail within a few seconds while it is gone. */
export async function quickProducer(broker: Pick<OwnBroker, "bootstrap">, clientId: string): Promise<Producer> {
  const producer = new Kafka({
    clientId,
    brokers: [broker.bootstrap],
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { initialRetryTime: 50, maxRetryTime: 500, retries: 3 },
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  return producer;
}
