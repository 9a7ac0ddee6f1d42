/**
 * A device that hangs up while Kafka has not acknowledged its records yet (the gateway's own broker
 * frozen with SIGSTOP, then thawed), on the compiled gateway: its records were handed to the
 * producer, so they "may still be written" when the request ends, and Kafka then writes them. The
 * WARN that accounts for such requests (ingest_requests_unanswered_total) said "0 of its 3 records
 * were written" at once; it now waits for Kafka's answer and says what Kafka holds
 * (auditingestfaults P2-1).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { freeze } from "./support/freeze.ts";
import { metric } from "./support/gateway.ts";
import { readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
import { startOwnBrokerIngest } from "./support/own-broker-ingest.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * The least size of the Produce request of the test's three records: their values (15 bytes each) in a v2 record
 * batch (61 bytes of header), each record's own framing, the request's header and topic: more than any other request
 * the gateway sends a broker now and then (a metadata request, a heartbeat), so its growth says the records were sent.
 */
const PRODUCE_OF_THREE_BYTES = 61 + 3 * (15 + 7) + 60;

/**
 * Bytes each connection the broker accepted on 127.0.0.1:`port` holds unread, by its peer (/proc/net/tcp and tcp6, in
 * hex: a dual-stack listener's connections are IPv4-mapped, ::ffff:127.0.0.1).
 */
function unreadByBroker(port: number): Map<string, number> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const unread = new Map<string, number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const row of readFileSync(table, "utf8").trim().split("\n").slice(1)) {
      const f = row.trim().split(/\s+/);
      if (f[1]!.endsWith(local) && f[3] === "01") unread.set(f[2]!, Number.parseInt(f[4]!.split(":")[1]!, 16));
    }
  }
  return unread;
}

/** The most one connection's unread bytes grew from `before` to `now`. */
function grownBy(before: Map<string, number>, now: Map<string, number>): number {
  let most = 0;
  for (const [peer, bytes] of now) most = Math.max(most, bytes - (before.get(peer) ?? 0));
  return most;
}

describe("a client that hangs up while Kafka holds its records unanswered", () => {
  test("its records are written once, and the WARN counts them written once Kafka answered", async () => {
    await using dir = await tempDir("ingest-unanswered-frozen-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const route = await startOwnBrokerIngest(dir, kafka, { topicPrefix: "ingest-unanswered-frozen", partitions: 1 });
    const { topic, url } = route;
    await using gw = route.gw;
    const brokerPort = Number(kafka.bootstrap.slice(kafka.bootstrap.lastIndexOf(":") + 1));

    await freeze(kafka.pid);
    const before = unreadByBroker(brokerPort);
    const body = JSON.stringify([{ id: "gone/0" }, { id: "gone/1" }, { id: "gone/2" }]);
    const listener = new URL(url);
    const client = connect(Number(listener.port), listener.hostname);
    client.on("error", () => undefined);
    const closed = new Promise((resolve) => client.once("close", resolve));
    await new Promise((resolve) => client.once("connect", resolve));
    client.write(
      `POST ${listener.pathname} HTTP/1.1\r\nHost: ${listener.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // On the wire, not only queued (a queued record would be withdrawn as the client leaves): a Produce request
    // holding the three records waits unread in a connection of the frozen broker.
    await waitFor(() => grownBy(before, unreadByBroker(brokerPort)) >= PRODUCE_OF_THREE_BYTES, {
      what: "a Produce request of the request's records unread by the frozen broker",
    });
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
