/**
 * A device that hangs up while Kafka has not acknowledged its records yet (the gateway's own broker
 * frozen with SIGSTOP, then thawed), on the compiled gateway: its records were handed to the
 * producer, so they "may still be written" when the request ends, and Kafka then writes them. The
 * WARN that accounts for such requests (ingest_requests_unanswered_total) said "0 of its 3 records
 * were written" at once; it now waits for Kafka's answer and says what Kafka holds
 * (auditingestfaults P2-1).
 */
import { describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { freeze } from "./support/freeze.ts";
import { metric } from "./support/gateway.ts";
import { readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
import { startOwnBrokerIngest } from "./support/own-broker-ingest.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("a client that hangs up while Kafka holds its records unanswered", () => {
  test("its records are written once, and the WARN counts them written once Kafka answered", async () => {
    await using dir = await tempDir("ingest-unanswered-frozen-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const route = await startOwnBrokerIngest(dir, kafka, { topicPrefix: "ingest-unanswered-frozen", partitions: 1 });
    const { topic, url } = route;
    await using gw = route.gw;
    const records = async () =>
      Number(/^ingest_records_in_flight (\d+)/m.exec(await (await fetch(`${gw.url}/metrics`)).text())?.[1]);

    await freeze(kafka.pid);
    const body = JSON.stringify([{ id: "gone/0" }, { id: "gone/1" }, { id: "gone/2" }]);
    const listener = new URL(url);
    const client = connect(Number(listener.port), listener.hostname);
    client.on("error", () => undefined);
    const closed = new Promise((resolve) => client.once("close", resolve));
    await new Promise((resolve) => client.once("connect", resolve));
    client.write(
      `POST ${listener.pathname} HTTP/1.1\r\nHost: ${listener.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await waitFor(async () => (await records()) === 3, { what: "the request's records waiting for Kafka" });
    client.destroy();
    await closed;
    await waitFor(async () => (await metric(gw, "ingest_requests_unanswered_total", "devices")) === 1, {
      what: "the request counted unanswered",
    });
    // Kafka has not answered: nothing is claimed yet.
    expect(gw.output()).not.toContain("closed its connection before its answer");
    process.kill(kafka.pid, "SIGCONT");

    const warning = await gw.waitForOutput(/closed its connection before its answer: [^\n]*/, 60_000);
    expect(warning[0]).toContain("before its answer: 3 of its 3 records were written, and it did not see the answer.");
    const written = (await readOwnTopic(kafka, topic)).map((r) => r.value);
    expect(written.filter((v) => v.includes("gone/")).sort()).toEqual([
      '{"id":"gone/0"}',
      '{"id":"gone/1"}',
      '{"id":"gone/2"}',
    ]);
  }, 180_000);
});
