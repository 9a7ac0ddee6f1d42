/**
 * The dead letter queue's producer, on each Kafka client against the real broker, while the broker
 * cannot be reached (a gate in front of the bootstrap address refuses connections): an errant
 * record (a SinkTask's report, stage TASK_PUT) reported then waits, as Java's send waits up to
 * max.block.ms for the cluster, and lands in the DLQ once the broker answers; nothing fails.
 */
import { describe, expect, test } from "bun:test";
import { createServer, type Socket, connect as tcpConnect } from "node:net";
import { DataError } from "../src/errors.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { DeadLetterQueueReporter } from "../src/runtime/errors/dead-letter-queue-reporter.ts";
import { TaskMetrics } from "../src/runtime/task-metrics.ts";
import { systemClock } from "../src/util/clock.ts";
import { LogManager } from "../src/util/logger.ts";
import { kafkaBroker, readTopic, uniqueTopic } from "./support/kafka.ts";
import { waitFor } from "./support/wait-for.ts";

/** A TCP gate to `target`: refuses (closes) every connection until `open`, then forwards. */
async function gate(target: string) {
  const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
  let open = false;
  let refused = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    if (!open) {
      refused++;
      socket.destroy();
      return;
    }
    const upstream = tcpConnect(port, host);
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    socket.pipe(upstream).pipe(socket);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    bootstrap: `127.0.0.1:${address.port}`,
    refused: () => refused,
    open: () => {
      open = true;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe.each(["platformatic", "kafkajs"] as const)(
  "the DLQ producer while the broker is unreachable (kafka.client=%s)",
  (client) => {
    test("an errant record waits for the broker and lands in the DLQ; the flush does not fail", async () => {
      const kafka = await kafkaBroker();
      const topic = uniqueTopic(`dlq-outage-${client}`);
      const port = kafkaPorts[client](new LogManager({ sink: () => {} }));
      const g = await gate(kafka.bootstrap);
      const metrics = new TaskMetrics();
      let creations = 0;
      const reporter = new DeadLetterQueueReporter(
        { topic, replicationFactor: 1, contextHeaders: true },
        () => port.admin({ "bootstrap.servers": kafka.bootstrap }),
        {
          check: () => {},
          create: () => {
            creations++;
            return port.producer({ "bootstrap.servers": g.bootstrap });
          },
        },
        new LogManager({ sink: () => {} }).get("dlq"),
        metrics,
      );
      const stop = new AbortController();
      try {
        await reporter.start({ signal: stop.signal, clock: systemClock });
        const reported = reporter.report({
          connector: "c",
          task: 0,
          stage: "TASK_PUT",
          executingClass: "org.apache.kafka.connect.sink.SinkTask",
          error: new DataError("refused by the sink"),
          attempts: 1,
          consumed: {
            topic: "in",
            partition: 0,
            offset: 3,
            timestamp: 1,
            timestampType: "CreateTime",
            key: null,
            value: new TextEncoder().encode("errant"),
            headers: [],
          },
        });
        // The client's own connect gave up (in 0.4-2 s): the reporter creates a producer again.
        await waitFor(() => creations >= 2 && g.refused() > 0, {
          timeoutMs: 30_000,
          what: "a second producer creation",
        });
        g.open();
        await reported;
        await reporter.flush();
        expect(metrics.deadLetterQueueProduceFailures).toBe(0);
        const [record] = await readTopic(topic, 1);
        expect(record?.value?.toString()).toBe("errant");
      } finally {
        stop.abort();
        await reporter.close();
        g.close();
      }
    }, 60_000);
  },
);
