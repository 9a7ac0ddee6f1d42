/**
 * A batch the broker refuses for good, on the gateway against the real broker: an HttpIngestSource
 * on a compacted topic takes keyless records (INVALID_RECORD: a compacted topic wants keys)
 * interleaved with keyed ones. The refused requests get their error, the good ones are written once
 * and in order, and the gateway's producer goes on as Java's idempotent producer does: one producer
 * id writes every good record (the broker's DescribeProducers lists the partition's producers),
 * where the gateway used to replace its producer once per refused record ("producer churn").
 */
import { describe, expect, test } from "bun:test";
import { Connection, describeProducersV0 } from "@platformatic/kafka";
import { type Gateway, startIngestGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, readAll, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

async function compactedTopic(): Promise<string> {
  const topic = uniqueTopic("refused-batch");
  await createTopic(topic, 1, [{ name: "cleanup.policy", value: "compact" }]);
  return topic;
}

/** The producers the broker keeps state for on `topic`-0: [producer id, epoch] (KIP-664). */
async function activeProducers(bootstrap: string, topic: string): Promise<[bigint, number][]> {
  const [host, port] = bootstrap.split(":");
  const connection = new Connection("refused-batch-test");
  await connection.connect(host!, Number(port));
  try {
    const answer = await describeProducersV0.api.async(connection, [{ name: topic, partitionIndexes: [0] }]);
    const partition = answer.topics[0]!.partitions[0]!;
    expect(partition.errorCode).toBe(0);
    return partition.activeProducers.map((p) => [p.producerId, p.producerEpoch]);
  } finally {
    await connection.close();
  }
}

interface IngestGateway extends AsyncDisposable {
  readonly bootstrap: string;
  readonly topic: string;
  readonly gw: Gateway;
  /** The ingest listener's base URL. */
  readonly url: string;
}

/** A fresh compacted topic and a gateway with an ingest listener on the shared broker; disposing stops the gateway, then removes its directory. */
async function ingestGateway(dirPrefix: string, worker: Record<string, string> = {}): Promise<IngestGateway> {
  const kafka = await kafkaBroker();
  const topic = await compactedTopic();
  const dir = await tempDir(dirPrefix);
  let gw: Gateway | undefined;
  const dispose = async () => {
    await gw?.[Symbol.asyncDispose]();
    await dir[Symbol.asyncDispose]();
  };
  try {
    const started = await startIngestGateway(dir, worker);
    gw = started.gw;
    return { bootstrap: kafka.bootstrap, topic, gw, url: started.ingest, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * Creates HttpIngestSource `name` at /ingest/<name> (keys from X-Kafka-Key) with `extra` keys and
 * awaits its route; returns a poster of `{ n }` with an optional key.
 */
async function keyedIngest({ gw, url, topic }: IngestGateway, name: string, extra: Record<string, string> = {}) {
  const config = {
    "connector.class": "HttpIngestSource",
    "ingest.path": `/ingest/${name}`,
    "kafka.topic": topic,
    "ingest.key.source": "header",
    ...extra,
  };
  expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
  const post = (n: number, key?: string) =>
    fetch(`${url}/ingest/${name}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(key ? { "X-Kafka-Key": key } : {}) },
      body: JSON.stringify({ n }),
    });
  await waitFor(async () => (await post(0, "k0")).status === 200, { what: "the route" });
  return post;
}

describe("a batch the broker refuses for good (platformatic client, idempotent)", () => {
  test("keyless records to a compacted topic among keyed ones: each refused alone (422), the keyed ones written once in order, by one producer id", async () => {
    await using ingest = await ingestGateway("refused-batch-");
    const { bootstrap, topic, gw } = ingest;
    const post = await keyedIngest(ingest, "compacted");

    // One after the other: keyed, keyless, keyed, …
    const statuses: number[] = [];
    for (let n = 1; n <= 20; n++) statuses.push((await post(n, n % 2 === 0 ? undefined : `k${n}`)).status);
    expect(statuses).toEqual(Array.from({ length: 20 }, (_, i) => ((i + 1) % 2 === 0 ? 422 : 200)));
    const refused = await post(100);
    expect(((await refused.json()) as { offsets: { error: string }[] }).offsets[0]!.error).toContain("INVALID_RECORD");

    // At once: keyed and keyless requests share produce calls (refused batches hold keyed records too).
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(200 + i, i % 2 === 0 ? `c${i}` : undefined)),
    );
    expect(concurrent.map((r) => r.status)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 200 : 422)));

    const values = (await readAll(topic)).map((r) => JSON.parse(r.value!.toString()).n as number);
    const sequential = [0, ...Array.from({ length: 10 }, (_, i) => 2 * i + 1)];
    expect(values.slice(0, sequential.length)).toEqual(sequential);
    expect(values.slice(sequential.length).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 10 }, (_, i) => 200 + 2 * i),
    );
    // One producer id wrote all of it (its epoch bumped per refused batch), none replaced it.
    const producers = await activeProducers(bootstrap, topic);
    expect(producers).toHaveLength(1);
    expect(producers[0]![1]).toBeGreaterThanOrEqual(11);
    expect((await gw.rest.get("/connectors/compacted/status")).body.tasks[0]?.state).toBe("RUNNING");
  }, 120_000);

  test("one request of many records with one key, several produce requests on the wire when one is refused: the key's values land in request order (the latest last), each once", async () => {
    await using ingest = await ingestGateway("refused-batch-order-", {
      // Small produce requests: one REST Proxy request goes out as many, pipelined (5 in flight).
      "producer.max.request.size": "1024",
    });
    const { bootstrap, topic, gw, url } = ingest;
    const config = { "connector.class": "HttpIngestSource", "ingest.path": "/ingest/ordered", "kafka.topic": topic };
    expect((await gw.rest.post("/connectors", { name: "ordered", config })).status).toBe(201);
    const records = Array.from({ length: 300 }, (_, n) =>
      n % 37 === 5 ? { value: { n } } : { key: "same", value: { n } },
    );
    const send = (body: unknown) =>
      fetch(`${url}/topics/${topic}`, {
        method: "POST",
        headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
        body: JSON.stringify(body),
      });
    const first = { records: [{ key: "same", value: { n: -1 } }] };
    await waitFor(async () => (await send(first)).status === 200, { what: "the route" });
    const answer = await send({ records });
    expect(answer.status).toBe(200);
    const offsets = ((await answer.json()) as { offsets: { error_code: number | null }[] }).offsets;
    const keyless = records.flatMap((r, i) => ("key" in r ? [] : [i]));
    expect(offsets.flatMap((o, i) => (o.error_code === null ? [] : [i]))).toEqual(keyless);
    // Not sorted: the log order itself (a later send landing first would make a stale value the key's latest).
    const values = (await readAll(topic)).map((r) => JSON.parse(r.value!.toString()).n as number);
    const keyed = records.flatMap((r) => ("key" in r ? [r.value.n] : []));
    expect(values).toEqual([-1, ...keyed]);
    expect(await activeProducers(bootstrap, topic)).toHaveLength(1);
    expect((await gw.rest.get("/connectors/ordered/status")).body.tasks[0]?.state).toBe("RUNNING");
  }, 120_000);

  test("spool mode (keeps order): the keyless records are quarantined, the keyed ones written once in spool order, by one producer id", async () => {
    await using ingest = await ingestGateway("refused-batch-spool-");
    const { bootstrap, topic, gw, url } = ingest;
    const post = await keyedIngest(ingest, "spooled", { "ingest.ack.mode": "spool" });
    // Acknowledged from the spool; every third one keyless (refused by Kafka, quarantined).
    for (let n = 1; n <= 60; n++) expect((await post(n, n % 3 === 0 ? undefined : `k${n}`)).status).toBe(200);
    // Requests of many records (REST Proxy v2), so poll batches share produce batches and several
    // are in flight when one is refused: every seventh keyless.
    for (let r = 0; r < 20; r++) {
      const records = Array.from({ length: 25 }, (_, i) => {
        const n = 1000 + r * 25 + i;
        return n % 7 === 0 ? { value: { n } } : { key: `k${n}`, value: { n } };
      });
      const answer = await fetch(`${url}/topics/${topic}`, {
        method: "POST",
        headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
        body: JSON.stringify({ records }),
      });
      expect(answer.status).toBe(200);
    }
    const metric = async (name: string) => {
      const m = new RegExp(`${name}\\{connector="spooled"\\} (\\d+)`).exec(
        await (await fetch(`${gw.url}/metrics`)).text(),
      );
      return m ? Number(m[1]) : undefined;
    };
    await waitFor(async () => (await metric("ingest_spool_records")) === 0, { what: "the spool drained" });
    const many = Array.from({ length: 500 }, (_, i) => 1000 + i);
    expect(await metric("ingest_spool_quarantined_total")).toBe(20 + many.filter((n) => n % 7 === 0).length);
    const values = (await readAll(topic)).map((r) => JSON.parse(r.value!.toString()).n as number);
    expect(values).toEqual([
      ...Array.from({ length: 61 }, (_, n) => n).filter((n) => n === 0 || n % 3 !== 0),
      ...many.filter((n) => n % 7 !== 0),
    ]);
    const producers = await activeProducers(bootstrap, topic);
    expect(producers).toHaveLength(1);
    expect((await gw.rest.get("/connectors/spooled/status")).body.tasks[0]?.state).toBe("RUNNING");
  }, 120_000);
});
