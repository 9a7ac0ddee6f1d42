/**
 * Issue 12, point 7 (spool part), on the gateway (compiled binary when GATEWAY_BIN is set):
 * - ingest.ack.mode=spool with the test's own broker stopped for a while and restarted: requests
 *   keep being acknowledged from the spool, and every acknowledged record reaches Kafka once, in
 *   order per key;
 * - kill -9 of the gateway at random moments (seeded, the seed is printed) under concurrent
 *   spool-mode load, several rounds: no acknowledged record is lost (a consumer counts them);
 *   duplicates (re-sent after a crash) are counted and reported.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, ingestUrlOf, startGateway, startIngestGateway } from "./support/gateway.ts";
import { readAll, uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, startOwnBroker } from "./support/own-broker.ts";
import { mulberry32 } from "./support/prng.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

interface Sent {
  readonly key: string;
  readonly n: number;
}

function spoolConnector(topic: string) {
  return {
    "connector.class": "HttpIngestSource",
    "ingest.path": "/ingest/spooled",
    "kafka.topic": topic,
    "ingest.ack.mode": "spool",
    "ingest.key.source": "header",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
  };
}

async function post(url: string, record: Sent): Promise<number> {
  const response = await fetch(`${url}/ingest/spooled`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Kafka-Key": record.key },
    body: JSON.stringify(record),
  });
  await response.arrayBuffer();
  return response.status;
}

async function spoolDepth(gw: Gateway): Promise<number | undefined> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const m = /ingest_spool_records\{connector="spooled"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Per key, the first occurrence of each record in Kafka, in offset order. */
function firstSeen(records: { key: Buffer | null; value: Buffer | null }[]) {
  const seen = new Set<string>();
  const perKey = new Map<string, number[]>();
  let duplicates = 0;
  for (const r of records) {
    const { key, n } = JSON.parse(r.value!.toString()) as Sent;
    expect(r.key?.toString()).toBe(key);
    const id = `${key}/${n}`;
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    perKey.set(key, [...(perKey.get(key) ?? []), n]);
  }
  return { seen, perKey, duplicates };
}

describe("ingest.ack.mode=spool", () => {
  test("keeps acknowledging while the broker is stopped and delivers everything once, in order per key, after it restarts", async () => {
    await using dir = await tempDir("ingest-spool-outage-");
    await using broker = await startOwnBroker(dir.file("kafka"));
    const topic = uniqueTopic("spool-outage");
    await using gw = await startGateway({
      dir: dir.path,
      worker: outageIngestWorker(broker, dir.file("data")),
    });
    const url = await ingestUrlOf(gw);
    expect((await gw.rest.post("/connectors", { name: "spooled", config: spoolConnector(topic) })).status).toBe(201);
    const kafkaMode = {
      ...spoolConnector(`${topic}-kafka-mode`),
      "ingest.path": "/ingest/kafka-mode",
      "ingest.ack.mode": "kafka",
      "ingest.request.timeout.ms": "1500",
    };
    expect((await gw.rest.post("/connectors", { name: "kafka-mode", config: kafkaMode })).status).toBe(201);
    const postKafkaMode = () =>
      fetch(`${url}/ingest/kafka-mode`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
    await waitFor(async () => (await postKafkaMode()).status === 200, { what: "the kafka-mode route" });
    await waitFor(async () => (await post(url, { key: "warm-up", n: 0 })) === 200, { what: "the spool route" });
    const acked: Sent[] = [{ key: "warm-up", n: 0 }];
    const keys = ["k0", "k1", "k2", "k3"];
    const send = async (from: number, to: number) => {
      await Promise.all(
        keys.map(async (key) => {
          for (let n = from; n < to; n++) if ((await post(url, { key, n })) === 200) acked.push({ key, n });
        }),
      );
    };
    await send(1, 6);
    await waitFor(async () => (await spoolDepth(gw)) === 0, { what: "the spool drained before the outage" });

    await broker.stop();
    // Spooled first: the oldest record ages towards the degraded trace (10 s) while the kafka-mode
    // requests below wait for their timeouts.
    await send(6, 31);
    expect(acked.length).toBe(1 + 4 * 30);
    expect(await spoolDepth(gw)).toBeGreaterThan(0);
    // kafka mode: requests whose records reached the producer (a few batches are in flight at
    // once) answer 500 after ingest.request.timeout.ms, as they may still be written; once the
    // in-flight batches are full, a request's records stay queued and it answers 503 with
    // Retry-After, nothing written.
    const statuses: number[] = [];
    let refused: Response | undefined;
    while (!refused && statuses.length < 12) {
      const r = await postKafkaMode();
      statuses.push(r.status);
      if (r.status === 503) refused = r;
    }
    expect(statuses.every((s) => s === 500 || s === 503)).toBe(true);
    expect(refused?.headers.get("Retry-After")).toBe("5");
    // A REST Proxy request naming a partition whose count the gateway never learned (Kafka is down):
    // 503 with Retry-After, nothing written; was REST Proxy's 404 "Partition not found.", which a
    // device takes as final and drops its records.
    const named = async () => {
      const r = await fetch(`${url}/v3/clusters/c/topics/${topic}/records`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          partition_id: 0,
          key: { type: "STRING", data: "rp" },
          value: { type: "JSON", data: { key: "rp", n: 1 } },
        }),
      });
      return [r.status, r.headers.get("Retry-After"), await r.text()] as const;
    };
    const unchecked = await named();
    expect(unchecked.slice(0, 2)).toEqual([503, "5"]);
    expect(unchecked[2]).toContain("cannot be checked while Kafka is unreachable");
    expect(await spoolDepth(gw)).toBeGreaterThan(0);
    const degraded = await waitFor(
      async () => {
        const status = (await gw.rest.get("/connectors/spooled/status")).body;
        return status.tasks[0]?.trace?.startsWith("Degraded: the ingest spool is backing up") && status.tasks[0];
      },
      { what: "the degraded spool in the task's status", timeoutMs: 30_000 },
    );
    expect(degraded.state).toBe("RUNNING");
    await broker.restart();

    await waitFor(async () => (await spoolDepth(gw)) === 0, {
      what: "the spool drained after the outage",
      timeoutMs: 120_000,
    }).catch((error) => {
      throw new Error(`${error.message}\n${gw.output().slice(-6000)}`);
    });
    // Once Kafka answers again the partition is checked (a failed lookup is retried after 5 s) and written.
    await waitFor(async () => (await named())[0] === 200, { what: "the partition-naming request accepted" });
    acked.push({ key: "rp", n: 1 });
    const kafka = broker.client();
    const records: { key: Buffer | null; value: Buffer | null }[] = [];
    const consumer = kafka.consumer({ groupId: `check-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void records.push(message) });
    await waitFor(() => records.length >= acked.length, { what: `${acked.length} records`, timeoutMs: 60_000 });
    await consumer.disconnect();
    const { seen, perKey, duplicates } = firstSeen(records);
    expect(acked.filter((s) => !seen.has(`${s.key}/${s.n}`))).toEqual([]);
    expect(duplicates).toBe(0);
    for (const key of keys) expect(perKey.get(key)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect((await gw.rest.get("/connectors/spooled/status")).body.tasks[0].trace).toBeUndefined();
  }, 300_000);

  test("kill -9 under concurrent load, several rounds: no acknowledged record is lost", async () => {
    const seed = Number(process.env.SPOOL_KILL_SEED ?? Date.now() % 100_000);
    const random = mulberry32(seed);
    console.log(`spool kill -9 test seed: ${seed} (SPOOL_KILL_SEED=${seed} replays it)`);
    await using dir = await tempDir("ingest-spool-kill-");
    const topic = uniqueTopic("spool-kill");
    const worker = { "offset.flush.interval.ms": "500" };
    const acked: Sent[] = [];
    const clients = Array.from({ length: 8 }, (_, i) => ({ key: `client-${i}`, next: 0 }));
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      const { gw, ingest: url } = await startIngestGateway(dir, worker);
      if (round === 0) {
        expect((await gw.rest.post("/connectors", { name: "spooled", config: spoolConnector(topic) })).status).toBe(
          201,
        );
      }
      await waitFor(async () => (await post(url, { key: "probe", n: round })) === 200, { what: "the spool route" });
      acked.push({ key: "probe", n: round });
      let killed = false;
      const load = clients.map(async (c) => {
        while (!killed) {
          const record = { key: c.key, n: c.next };
          try {
            const status = await post(url, record);
            if (status === 200) acked.push(record);
          } catch {
            // the gateway died mid-request: not acknowledged, may or may not be in Kafka
          }
          c.next++;
        }
      });
      const before = acked.length;
      const target = before + 50 + Math.floor(random() * 400);
      await waitFor(() => acked.length >= target, { what: `${target - before} acknowledgements in round ${round}` });
      await gw.kill();
      killed = true;
      await Promise.all(load);
    }
    const { gw } = await startIngestGateway(dir, worker);
    try {
      await waitFor(async () => (await spoolDepth(gw)) === 0, { what: "the spool drained", timeoutMs: 120_000 });
      const records = await readAll(topic);
      const { seen, perKey, duplicates } = firstSeen(records);
      const lost = acked.filter((s) => !seen.has(`${s.key}/${s.n}`));
      console.log(
        `spool kill -9: ${rounds} rounds, ${acked.length} acknowledged, ${records.length} in Kafka, lost ${lost.length}, duplicates ${duplicates}`,
      );
      expect(lost).toEqual([]);
      for (const [key, ns] of perKey)
        expect({ key, ordered: ns.every((n, i) => i === 0 || n > ns[i - 1]!) }).toEqual({ key, ordered: true });
    } finally {
      await gw.stop();
    }
  }, 300_000);
});
