/**
 * An ingest route whose producer cannot authenticate (producer.override.* with a wrong SASL
 * password; the task goes FAILED at its first send): the request whose records were polled
 * answers that nothing of it was written — a 503 with Retry-After (sending it again is safe), not
 * the 500 "sent to Kafka and may still be written" it got, nothing having been sent. Against the
 * shared broker's SASL_PLAINTEXT listener; compiled binary when GATEWAY_BIN is set.
 */
import { describe, expect, test } from "bun:test";
import { ingestUrlOf, startIngestGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, plainJaas, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const WRONG = "wr0ng-Passw0rd";

describe.each(["platformatic", "kafkajs"])("an ingest route whose producer is refused (kafka.client=%s)", (client) => {
  test("a request of three records answers 503 + Retry-After: none of them was written; the task FAILED", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("ingest-refused-");
    const topic = uniqueTopic("ingest-refused");
    await createTopic(topic);
    await using gw = (await startIngestGateway(dir, { "kafka.client": client })).gw;
    const config = {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/refused",
      "kafka.topic": topic,
      "producer.override.bootstrap.servers": kafka.bootstrapSasl,
      "producer.override.security.protocol": "SASL_PLAINTEXT",
      "producer.override.sasl.mechanism": "PLAIN",
      "producer.override.sasl.jaas.config": plainJaas(WRONG),
    };
    expect((await gw.rest.post("/connectors", { name: "refused", config })).status).toBe(201);
    const url = `${await ingestUrlOf(gw)}/ingest/refused`;
    const answer = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '[{"n":1},{"n":2},{"n":3}]',
    });
    const body = (await answer.json()) as { error_code: number; message: string; offsets: { error: string }[] };
    expect(body.message).not.toContain("may still be written");
    expect(answer.status).toBe(503);
    expect(answer.headers.get("Retry-After")).not.toBeNull();
    expect(body.error_code).toBe(50003);
    expect(body.message).toStartWith("3 of 3 records were not acknowledged by Kafka (none of them was written): ");
    expect(body.offsets).toEqual(
      Array.from({ length: 3 }, () => ({
        partition: null,
        offset: null,
        error_code: 50003,
        error: "The ingest task of connector refused stopped or failed before the record was sent to Kafka",
      })),
    );
    const task = await waitFor(async () => {
      const t = (await gw.rest.get("/connectors/refused/status")).body.tasks?.[0];
      return t?.state === "FAILED" ? t : undefined;
    });
    expect(String(task.trace)).toContain("SaslAuthenticationException");
    expect(JSON.stringify(body)).not.toContain(WRONG);
  }, 60_000);
});
