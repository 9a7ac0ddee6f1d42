/**
 * A graceful stop (SIGTERM) of the gateway (the compiled binary when GATEWAY_BIN is set) while kafka-mode ingest
 * requests wait for a task whose producer never connected (nothing listens at its bootstrap.servers: the task is
 * Degraded, its send retried). Explore7 K3: the drain's early answer (1 s before it ends) told them 500 "the record
 * was sent to Kafka and may still be written", though README promises 503 (not written, a retry is safe) for records
 * that certainly never reached a broker, as a task restart or a connector DELETE answers them
 * (test/ingest-task-stop.test.ts). Now the give-up holds the task's retried send (nothing goes out any more) and
 * answers 503 with Retry-After; with either Kafka client.
 */
import { describe, expect, test } from "bun:test";
import { createIngestConnector, metric, startIngestGateway } from "./support/gateway.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const REQUESTS = 3;

// Every case has a gateway, topic and connector of its own and mostly waits: they run at once.
describe.concurrent.each(["platformatic", "kafkajs"])("kafka.client=%s", (client) => {
  test("SIGTERM while the never-connected producer's send is retried: every waiting request answers 503 (not written), not 500", async () => {
    await using dir = await tempDir(`ingest-stop-never-${client}-`);
    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const deadPort = closed.port;
    closed.stop(true);
    const { gw, ingest } = await startIngestGateway(dir, { "kafka.client": client });
    await using _gw = gw;
    const config = {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/never",
      "kafka.topic": "ingest-stop-never",
      "ingest.request.timeout.ms": "60000",
      "producer.override.bootstrap.servers": `127.0.0.1:${deadPort}`,
    };
    await createIngestConnector(gw, "never", config);
    const answers = Array.from({ length: REQUESTS }, async (_, r) => {
      const response = await fetch(`${ingest}/ingest/never`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": `never-${r}` },
        body: JSON.stringify({ r }),
      });
      return { status: response.status, retryAfter: response.headers.get("Retry-After"), body: await response.text() };
    });
    // The first poll's records go to the producer; the rest wait queued while its send is retried.
    await waitFor(async () => ((await metric(gw, "ingest_produce_batch_records_count", "never")) ?? 0) >= 1, {
      what: "records polled and handed to the producer",
    });
    await waitFor(
      async () =>
        String((await gw.rest.get("/connectors/never/status")).body?.tasks?.[0]?.trace).startsWith("Degraded"),
      { what: "the send retried (Degraded)" },
    );
    expect(await gw.stop()).toBe(0);
    for (const answer of await Promise.all(answers)) {
      expect({ status: answer.status, body: answer.body }).toEqual({
        status: 503,
        body: expect.stringContaining("(none of them was written): The gateway stopped before Kafka acknowledged"),
      });
      expect(answer.body).not.toContain("sent to Kafka");
      expect(answer.retryAfter).not.toBeNull();
    }
  }, 60_000);
});
