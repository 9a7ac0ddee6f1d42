/**
 * explore20 F2: with the default client (kafka.client=platformatic) the producer retries a send on
 * its own until delivery.timeout.ms, and a FileStream or kafka-mode ingest task read RUNNING without
 * a trace all that time (2 minutes by default) while nothing reached Kafka; the Degraded trace came
 * only once the send failed and the task's own retries took over. Now the trace names the producer's
 * last failure once it has retried for RETRY_GRACE_MS: here with delivery.timeout.ms at 120 s, the trace
 * is awaited while no send has failed yet, metadata's failure naming the connection that failed. A pause
 * meanwhile makes the task PAUSED without a trace, and the resume RUNNING with it again (README: the
 * status of a Degraded task); once the broker is back the traces go, every line is in Kafka once, and
 * the ingest request sent during the outage is acknowledged.
 * The broker is the test's own (startOwnBroker), stopped (SIGTERM).
 */
import { describe, expect, test } from "bun:test";
import { appendFileSync, writeFileSync } from "node:fs";
import { type Gateway, ingestUrlOf, startGateway } from "./support/gateway.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PATH = "/ingest/devices";

/** Task 0 of `connector`: its state and trace. */
async function task(gw: Gateway, connector: string): Promise<{ state: string; trace?: string }> {
  return (await gw.rest.get(`/connectors/${connector}/status`)).body.tasks[0];
}

/** Awaits task 0 of `connector` RUNNING with a trace that starts with `prefix`; returns the trace. */
function degraded(gw: Gateway, connector: string, prefix: string): Promise<string> {
  return waitFor(
    async () => {
      const t = await task(gw, connector);
      return t?.state === "RUNNING" && t.trace?.startsWith(prefix) ? t.trace : undefined;
    },
    { timeoutMs: 60_000, what: `${connector}'s Degraded trace` },
  );
}

const postDevice = (base: string, id: string) =>
  fetch(`${base}${PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id }),
  });

describe("a source task whose producer retries a send on its own (default client)", () => {
  test("shows the Degraded trace with the producer's last failure before delivery.timeout.ms; it clears once Kafka takes the records", async () => {
    await using dir = await tempDir("producer-retry-degraded-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const lines = uniqueTopic("producer-retry-lines");
    const devices = uniqueTopic("producer-retry-devices");
    const admin = kafka.client().admin();
    await admin.connect();
    await createTopicsOn(admin, [{ topic: lines }, { topic: devices }]);
    await admin.disconnect();
    const input = dir.file("in.txt");
    writeFileSync(input, "line 1\n");
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        ...outageIngestWorker(kafka, dir.file("data")),
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        // The producer's own retries last 2 minutes: the task's send cannot fail while the test awaits the trace.
        "producer.delivery.timeout.ms": "120000",
      },
    });
    const created = [
      await gw.rest.post("/connectors", {
        name: "file",
        config: { "connector.class": "FileStreamSource", file: input, topic: lines },
      }),
      await gw.rest.post("/connectors", {
        name: "devices",
        config: {
          "connector.class": "HttpIngestSource",
          "ingest.path": PATH,
          "kafka.topic": devices,
          "value.converter": "org.apache.kafka.connect.json.JsonConverter",
          "value.converter.schemas.enable": "false",
          // The request sent during the outage waits for Kafka past it (the default 30 s could end it first).
          "ingest.request.timeout.ms": "180000",
        },
      }),
    ];
    expect(created.map((r) => r.status)).toEqual([201, 201]);
    const base = await ingestUrlOf(gw);
    // Both producers connected and writing before the outage.
    await waitFor(async () => (await postDevice(base, "warm-up")).status === 200, {
      what: "an ingest request acknowledged",
    });
    await waitFor(async () => (await readOwnTopic(kafka, lines)).length === 1, { what: "line 1 in Kafka" });

    await kafka.stop();
    appendFileSync(input, "line 2\nline 3\n");
    const waiting = postDevice(base, "during the outage").catch((error: Error) => error);

    // Metadata not to be had, named with the connection that failed and why, as the WARN line names it (explore21 P3).
    const fileTrace = await degraded(
      gw,
      "file",
      "Degraded: Kafka does not take the task's records (the last attempt failed: Could not get metadata: ",
    );
    expect(fileTrace).toMatch(
      /\(Connection to \S+:\d+ failed: connect ECONNREFUSED \S+:\d+\)\); the producer retries it until delivery\.timeout\.ms\.$/,
    );
    const devicesTrace = await degraded(gw, "devices", "Degraded: Kafka does not take the ingest records (");
    expect(devicesTrace).toEndWith(
      "; the send is being retried. Requests are not acknowledged until Kafka takes the records.",
    );
    // The producer is still retrying (well within delivery.timeout.ms): no send of a task failed.
    expect(gw.output()).not.toContain("Failed to send");

    // A pause meanwhile: PAUSED without a trace; the resume: RUNNING with the trace again, the producer still retrying.
    expect((await gw.rest.put("/connectors/file/pause")).status).toBe(202);
    const paused = await waitFor(
      async () => {
        const t = await task(gw, "file");
        return t?.state === "PAUSED" ? t : undefined;
      },
      { what: "the file task PAUSED" },
    );
    expect(paused.trace).toBeUndefined();
    expect((await gw.rest.put("/connectors/file/resume")).status).toBe(202);
    await degraded(gw, "file", "Degraded: Kafka does not take the task's records (");
    expect(gw.output()).not.toContain("Failed to send");

    await kafka.restart();
    for (const connector of ["file", "devices"])
      await waitFor(
        async () => {
          const t = await task(gw, connector);
          return t?.state === "RUNNING" && t.trace === undefined;
        },
        { timeoutMs: 60_000, what: `${connector} RUNNING without a trace` },
      );
    await waitFor(async () => (await readOwnTopic(kafka, lines)).length === 3, { what: "every line in Kafka" });
    expect((await readOwnTopic(kafka, lines)).map((r) => r.value)).toEqual(["line 1", "line 2", "line 3"]);
    // Acknowledged once Kafka took it (ingest.ack.mode=kafka), written once.
    const answer = await waiting;
    expect(answer).toBeInstanceOf(Response);
    expect([(answer as Response).status, ((await (answer as Response).json()) as { topic: string }).topic]).toEqual([
      200,
      devices,
    ]);
    const ids = (await readOwnTopic(kafka, devices)).map((r) => JSON.parse(r.value).id);
    expect(ids.filter((id) => id === "during the outage")).toHaveLength(1);
  }, 300_000);
});
