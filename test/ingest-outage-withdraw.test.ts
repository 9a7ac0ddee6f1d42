/**
 * explore27 F2: during a Kafka outage (every connection refused) a device request whose ingest.request.timeout.ms runs
 * out while its record is in the runtime's send path, never handed to a broker, answered 500 "… (some may still be
 * written)": the device could not know whether sending it again writes it twice. Its record is now taken back
 * (SourceTaskContext.withdrawUnsent): the request answers 503 + Retry-After "none of them was written", and once Kafka
 * is back (a forwarder on the refused port) that record is never written, while a later request's record is, once.
 * The suite's broker; compiled binary when GATEWAY_BIN is set.
 */
import { describe, expect, test } from "bun:test";
import { ingestUrlOf, startIngestGateway, taskState } from "./support/gateway.ts";
import { expectNoneWritten, postJson } from "./support/ingest-answers.ts";
import { createTopic, kafkaBroker, readAll, uniqueTopic } from "./support/kafka.ts";
import { closedPort, tcpForwarder } from "./support/tcp-forwarder.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe.each(["platformatic", "kafkajs"])(
  "an ingest request timing out while Kafka refuses connections (kafka.client=%s)",
  (client) => {
    test("answers 503 none of them was written, and its record is never written once Kafka is back", async () => {
      const kafka = await kafkaBroker();
      await using dir = await tempDir("ingest-withdraw-");
      const topic = uniqueTopic("ingest-withdraw");
      await createTopic(topic);
      const port = await closedPort();
      await using gw = (await startIngestGateway(dir, { "kafka.client": client })).gw;
      const config = {
        "connector.class": "HttpIngestSource",
        "ingest.path": "/ingest/withdraw",
        "kafka.topic": topic,
        "ingest.request.timeout.ms": "1500",
        "producer.override.bootstrap.servers": `127.0.0.1:${port}`,
      };
      expect((await gw.rest.post("/connectors", { name: "withdraw", config })).status).toBe(201);
      await waitFor(async () => (await taskState(gw, "withdraw")) === "RUNNING", { what: "the task RUNNING" });
      const url = `${await ingestUrlOf(gw)}/ingest/withdraw`;

      expectNoneWritten(await postJson(url, "during-outage"));
      // It was polled: the task's send was being retried, not the request left queued.
      expect(gw.output()).toMatch(/Failed to send 1 records to Kafka/);

      await using _kafkaBack = await tcpForwarder(port, kafka.bootstrap);
      // Requests until one is written: each before it answers "not written" too (queued while the send was retried),
      // or, its record handed to the producer as its window ran out, that it may still be written.
      const notWritten: string[] = ["during-outage"];
      const maybeWritten: string[] = [];
      const written = await waitFor(
        async () => {
          const value = `after-${notWritten.length + maybeWritten.length}`;
          const answer = await postJson(url, value);
          if (answer.status === 200) return value;
          if (answer.status === 500) {
            expect(answer.body.message).toContain("may still be written");
            maybeWritten.push(value);
            return undefined;
          }
          expect(answer.status).toBe(503);
          expect(answer.body.message).toContain("(none of them was written)");
          notWritten.push(value);
          return undefined;
        },
        { what: "a request written once Kafka is back" },
      );

      const values = async () => (await readAll(topic)).map((r) => JSON.parse(r.value!.toString()).v as string);
      await waitFor(async () => (await values()).includes(written), { what: "the written record in the topic" });
      const inTopic = await values();
      expect(inTopic.filter((v) => v === written)).toEqual([written]);
      // Never a record answered "not written"; besides the written one, only those that "may still be written", once.
      expect(inTopic.filter((v) => v !== written && !maybeWritten.includes(v))).toEqual([]);
      expect(new Set(inTopic).size).toBe(inTopic.length);
    }, 60_000);
  },
);
