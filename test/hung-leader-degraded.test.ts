/**
 * A partition leader that hangs (SIGSTOP: it holds the produce requests without answering or closing the connection)
 * under kafka-mode ingest load, with the default client and request.timeout.ms 30000 (the default). explore31 F2: for
 * those 30 s the devices were answered 503 / 500 while the task's status read RUNNING with no trace and nothing was
 * logged; the producer's retry came only once the request timed out. Now, 5 s into the silence, the task's RUNNING
 * status carries a Degraded trace naming the broker and how long it has not answered, with one WARN; once the broker
 * answers again the trace goes, and every record a device was told was written is in Kafka once.
 */
import { describe, expect, test } from "bun:test";
import { ingestUrlOf, startIngestGateway } from "./support/gateway.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const DEVICES = 2;
const WARNING =
  /has not answered a produce request for \d+ s \(request\.timeout\.ms 30000\); waiting until request\.timeout\.ms/g;

describe("a partition leader that stops answering produce requests", () => {
  test("the task's RUNNING status says so 5 s into the silence, names the broker, and clears once it answers", async () => {
    await using dir = await tempDir("hung-leader-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const topic = uniqueTopic("hung-leader");
    const admin = kafka.client().admin();
    await admin.connect();
    await createTopicsOn(admin, [{ topic, numPartitions: 2 }]);
    await admin.disconnect();
    await using gw = (await startIngestGateway(dir, { "bootstrap.servers": kafka.bootstrap })).gw;
    const config = {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/devices",
      "kafka.topic": topic,
      // The devices are answered while the broker is silent (503 / 500), so the load goes on.
      "ingest.request.timeout.ms": "1000",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.post("/connectors", { name: "devices", config })).status).toBe(201);
    const url = `${await ingestUrlOf(gw)}/ingest/devices`;
    const post = async (id: string) =>
      (
        await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ id }),
          signal: AbortSignal.timeout(60_000),
        })
      ).status;
    await waitFor(async () => (await post("warm-up")) === 200, { what: "the ingest route" });
    const trace = async (): Promise<string | undefined> =>
      (await gw.rest.get("/connectors/devices/status")).body.tasks[0]?.trace;

    const acked: string[] = [];
    const load = new AbortController();
    const device = async (d: number) => {
      for (let n = 0; !load.signal.aborted; n++) {
        const id = `${d}/${n}`;
        if ((await post(id).catch(() => 0)) === 200) acked.push(id);
      }
    };
    const devices = Array.from({ length: DEVICES }, (_, d) => device(d));
    try {
      await waitFor(() => acked.length >= 50, { what: "records acknowledged before the freeze" });
      process.kill(kafka.pid, "SIGSTOP");
      const degraded = await waitFor(async () => (await trace())?.startsWith("Degraded:") && (await trace()), {
        what: "the Degraded trace while the broker is silent",
        timeoutMs: 20_000,
      });
      // The broker as the cluster metadata names it: its node id and the address it advertises (the bootstrap here).
      expect(degraded).toMatch(
        new RegExp(
          `^Degraded: Kafka broker \\d+ \\(${kafka.bootstrap.replace(/\./g, "\\.")}\\) has not answered a produce request of the ingest records for \\d+ s \\(request\\.timeout\\.ms 30000\\); Requests are not acknowledged until Kafka takes the records\\.$`,
        ),
      );
      expect((await gw.rest.get("/connectors/devices/status")).body.tasks[0].state).toBe("RUNNING");
      process.kill(kafka.pid, "SIGCONT");
      await waitFor(async () => (await trace()) === undefined, { what: "the trace gone once the broker answers" });
      const resumed = acked.length;
      await waitFor(() => acked.length >= resumed + 50, { what: "records acknowledged after the freeze" });
    } finally {
      load.abort();
      await Promise.all(devices);
    }

    expect(gw.output().match(WARNING)).toHaveLength(1);
    const copies = new Map<string, number>();
    for (const r of await readOwnTopic(kafka, topic)) {
      const { id } = JSON.parse(r.value) as { id: string };
      copies.set(id, (copies.get(id) ?? 0) + 1);
    }
    expect(acked.filter((id) => copies.get(id) !== 1)).toEqual([]);
  }, 120_000);
});
