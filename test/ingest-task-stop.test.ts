/**
 * Stopping an ingest task under load (review finding: a stop answered 500 "may still be written"
 * for records Kafka acknowledged a moment later, and clients retried them as duplicates). The
 * gateway (compiled binary when GATEWAY_BIN is set) on the real broker; concurrent clients send
 * single-record requests while the task restarts, then while the connector's config is replaced
 * (its task stops and a new one starts). Every request answers 200, or as not written; never 500;
 * and what was answered 200 is exactly what a kafkajs consumer reads, nothing more.
 */
import { beforeAll, expect, test } from "bun:test";
import { metric } from "./support/gateway.ts";
import { createTopicsOn, readTopic, testClient, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const TOPIC = uniqueTopic("ingest-stop");
const suite = suiteGateway({ "ingest.listeners": "http://127.0.0.1:0" });

async function running(name: string, config: Record<string, string>): Promise<void> {
  const put = await suite.gw.rest.put(`/connectors/${name}/config`, config);
  expect([200, 201]).toContain(put.status);
  await waitFor(
    async () => {
      const status = (await suite.gw.rest.get(`/connectors/${name}/status`)).body;
      return status?.connector?.state === "RUNNING" && status?.tasks?.[0]?.state === "RUNNING";
    },
    { what: `${name} running` },
  );
}

/**
 * Statuses a request may get while its task stops. Replacing the config also restarts the
 * connector, whose route is gone (404) until it opens again (route-table.ts); a task restart keeps
 * the route (503 until the new task attaches).
 */
const STOPS = [
  {
    how: "a task restart",
    allowed: [503],
    stop: async () => expect((await suite.gw.rest.post("/connectors/stopper/tasks/0/restart")).status).toBe(204),
  },
  {
    how: "replacing the config",
    allowed: [503, 404],
    stop: () => running("stopper", { ...CONFIG, "ingest.retry.after.seconds": String(++retryAfter) }),
  },
];
let retryAfter = 5;
const CONFIG = {
  "connector.class": "HttpIngestSource",
  "ingest.path": "/ingest/stop",
  "kafka.topic": TOPIC,
  "ingest.mode": "single",
};

beforeAll(async () => {
  const admin = (await testClient()).admin();
  await admin.connect();
  await createTopicsOn(admin, [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }]);
  await admin.disconnect();
  await running("stopper", CONFIG);
});

const answers: { value: string; status: number; body: string }[] = [];

test.each(STOPS)(
  "$how while requests are in flight: 200, or not written; never 500 (may still be written)",
  async ({ how, allowed, stop }) => {
    const url = `${suite.ingest}/ingest/stop`;
    const mine: typeof answers = [];
    let stopped = false;
    let okAfterStop = 0;
    const clients = 32;
    const send = async (c: number) => {
      // Each client sends until the new task has answered 200 a few times (bounded, in case it never does).
      for (let i = 0; i < 3000 && okAfterStop < 4 * clients; i++) {
        const value = `${how}.${c}.${i}`;
        const r = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: `"${value}"`,
        });
        const body = await r.text();
        mine.push({ value, status: r.status, body });
        if (stopped && r.status === 200) okAfterStop++;
      }
    };
    const sending = Array.from({ length: clients }, (_, c) => send(c));
    await waitFor(() => mine.length >= 200, { what: "requests flowing" });
    await stop();
    stopped = true;
    await Promise.all(sending);
    answers.push(...mine);
    const refused = mine.filter((a) => a.status !== 200);
    expect(refused.filter((a) => !allowed.includes(a.status))).toEqual([]);
    expect(refused.filter((a) => a.body.includes("may still be written"))).toEqual([]);
    expect(okAfterStop).toBeGreaterThanOrEqual(4 * clients);
  },
  120_000,
);

test("what was answered 200 is exactly what Kafka holds", async () => {
  const accepted = answers.filter((a) => a.status === 200).map((a) => JSON.stringify(a.value));
  expect(accepted.length).toBeGreaterThan(400);
  const delivered = await readTopic(TOPIC, accepted.length, 60_000);
  expect(delivered.map((d) => d.value?.toString("utf8")).sort()).toEqual(accepted.sort());
}, 90_000);

test("a task restart with records its producer never got to a broker (nothing listens at its bootstrap.servers): 503, not written; not 500 (notsent-503)", async () => {
  const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const deadPort = closed.port;
  closed.stop(true);
  const unreachable = {
    ...CONFIG,
    "ingest.path": "/ingest/unreachable",
    "ingest.request.timeout.ms": "120000",
    "producer.override.bootstrap.servers": `127.0.0.1:${deadPort}`,
  };
  await running("unreachable", unreachable);
  const url = `${suite.ingest}/ingest/unreachable`;
  const headers = { "Content-Type": "application/json", "Idempotency-Key": "unreachable-1" };
  const answer = fetch(url, { method: "POST", headers, body: '"never sent"' });
  await waitFor(async () => ((await metric(suite.gw, "ingest_produce_batch_records_count", "unreachable")) ?? 0) >= 1, {
    what: "the record polled and handed to the producer",
  });
  expect((await suite.gw.rest.post("/connectors/unreachable/tasks/0/restart")).status).toBe(204);
  const r = await answer;
  const body = await r.text();
  expect({ status: r.status, body }).toEqual({
    status: 503,
    body: expect.stringContaining("none of them was written"),
  });
  expect(r.headers.get("Retry-After")).not.toBeNull();
  // Not final: once the producer can reach Kafka, a retry with the same Idempotency-Key writes it (not replayed).
  const { "producer.override.bootstrap.servers": _, ...reachable } = unreachable;
  await running("unreachable", reachable);
  let retried: Response | undefined;
  await waitFor(
    async () => {
      retried = await fetch(url, { method: "POST", headers, body: '"never sent"' });
      return retried.status !== 503 && retried.status !== 404;
    },
    { what: "the retry answered by the new task" },
  );
  expect(retried!.status).toBe(200);
  expect(retried!.headers.get("Idempotent-Replayed")).toBeNull();
}, 90_000);
