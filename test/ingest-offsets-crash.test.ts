/**
 * kill -9 of the gateway (the compiled binary when GATEWAY_BIN is set) under REST Proxy v2 produce
 * load in kafka mode (ingest.ack.mode=kafka), on the shared broker: every request answered 200
 * names, per record, the partition and offset Kafka gave it, and after the kill each of those
 * positions holds exactly that record. Requests that got no answer are not checked (they may or
 * may not have been written).
 */
import { describe, expect, test } from "bun:test";
import { ingestUrlOf } from "./support/gateway.ts";
import { ingestConnector, startCrashIngestGateway } from "./support/ingest-load.ts";
import { createTopic, partitionEnds, readUpTo, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const CLIENTS = 6;
const PER_REQUEST = 3;
const KILL_AFTER = 200;
const MAX_REQUESTS = 2000;

interface Answered {
  readonly values: string[];
  readonly offsets: { partition: number; offset: number }[];
}

describe("REST Proxy v2 produce answers after kill -9", () => {
  test("kafka mode: every offset a 200 named holds its record after the kill", async () => {
    await using dir = await tempDir("ingest-offsets-crash-");
    const topic = uniqueTopic("ingest-offsets-crash");
    await createTopic(topic, 3);
    const gw = await startCrashIngestGateway(dir, "up", ingestConnector(topic, "kafka"));
    const url = `${await ingestUrlOf(gw)}/topics/${topic}`;
    const answered: Answered[] = [];
    let sent = 0;
    let stop = false;
    const client = async (c: number) => {
      for (let n = 0; !stop && sent < MAX_REQUESTS; n++) {
        sent++;
        const values = Array.from({ length: PER_REQUEST }, (_, i) => JSON.stringify({ c, n, i }));
        const body = JSON.stringify({ records: values.map((v, i) => ({ key: `k${c}-${i}`, value: JSON.parse(v) })) });
        try {
          const response = await fetch(url, {
            method: "POST",
            headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
            body,
          });
          if (response.status !== 200) continue;
          const { offsets } = (await response.json()) as Answered;
          answered.push({ values, offsets });
        } catch {
          return; // the gateway is gone
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
    await waitFor(() => answered.length >= KILL_AFTER, { what: `${KILL_AFTER} answers`, timeoutMs: 60_000 });
    await gw.kill();
    stop = true;
    await Promise.all(clients);
    // Every record below the ends taken now: all the answered ones (the broker may still write the
    // unanswered requests' records after this, on any partition; they are left out).
    const ends = await partitionEnds(topic);
    const records = await readUpTo(topic, ends);
    const at = new Map(records.map((r) => [`${r.partition}:${r.offset}`, r.value!.toString("utf8")]));
    // Where each value is, to tell a wrong answer (the value elsewhere) from a lost record (nowhere).
    const where = new Map<string, string[]>();
    for (const [position, value] of at) where.set(value, [...(where.get(value) ?? []), position]);
    const wrong: string[] = [];
    for (const a of answered)
      a.values.forEach((v, i) => {
        const o = a.offsets[i]!;
        const found = at.get(`${o.partition}:${o.offset}`);
        if (found !== v)
          wrong.push(
            `${v} answered at ${o.partition}:${o.offset}, found ${found}; the value is at ${where.get(v) ?? "no position"}`,
          );
      });
    console.log(`${answered.length} requests answered 200 of ${sent} sent; ${at.size} records in Kafka`);
    if (wrong.length > 0)
      console.log(
        `partition ends when read: ${JSON.stringify(ends)}, now: ${JSON.stringify(await partitionEnds(topic))}`,
      );
    expect(wrong).toEqual([]);
    expect(answered.length).toBeGreaterThanOrEqual(KILL_AFTER);
  }, 120_000);
});
