/**
 * A partition leader that hangs (SIGSTOP: it holds the produce requests without answering or closing the connection)
 * under kafka-mode ingest load, with the default client and request.timeout.ms 30000 (the default). explore31 F2: for
 * those 30 s the devices were answered 503 / 500 while the task's status read RUNNING with no trace and nothing was
 * logged; the producer's retry came only once the request timed out. Now, 5 s into the silence, the task's RUNNING
 * status carries a Degraded trace naming the broker and how long it has not answered, and a WARN is logged; once the
 * broker answers again the trace goes, and every record a device was told was written is in Kafka once.
 */
import { describe, expect, test } from "bun:test";
import { freeze } from "./support/freeze.ts";
import { ingestLoad, type LoadRecord } from "./support/ingest-load.ts";
import { readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
import { startOwnBrokerIngest } from "./support/own-broker-ingest.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const DEVICES = 2;
const WARNING =
  /has not answered a produce request for \d+ s \(request\.timeout\.ms 30000\); waiting until request\.timeout\.ms/g;

describe("a partition leader that stops answering produce requests", () => {
  test("the task's RUNNING status says so 5 s into the silence, names the broker, and clears once it answers", async () => {
    await using dir = await tempDir("hung-leader-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const route = await startOwnBrokerIngest(dir, kafka, {
      topicPrefix: "hung-leader",
      partitions: 2,
      // The devices are answered while the broker is silent (503 / 500), so the load goes on.
      config: { "ingest.request.timeout.ms": "1000" },
    });
    const { topic, url } = route;
    await using gw = route.gw;
    const trace = async (): Promise<string | undefined> =>
      (await gw.rest.get("/connectors/devices/status")).body.tasks[0]?.trace;

    const load = ingestLoad(DEVICES);
    load.start(url);
    try {
      await waitFor(() => load.acked.length >= 50, { what: "records acknowledged before the freeze" });
      await freeze(kafka.pid);
      const degraded = await waitFor(async () => (await trace())?.startsWith("Degraded:") && (await trace()), {
        what: "the Degraded trace while the broker is silent",
        timeoutMs: 20_000,
      });
      // The broker as the cluster metadata names it: its node id and the address it advertises (the bootstrap here).
      expect(degraded).toMatch(
        new RegExp(
          `^Degraded: Kafka broker \\d+ \\(${kafka.bootstrap.replace(/\./g, "\\.")}\\) has not answered a produce request of the ingest records for \\d+ s \\(request\\.timeout\\.ms 30000\\); requests are not acknowledged until Kafka takes the records\\.$`,
        ),
      );
      expect((await gw.rest.get("/connectors/devices/status")).body.tasks[0].state).toBe("RUNNING");
      process.kill(kafka.pid, "SIGCONT");
      await waitFor(async () => (await trace()) === undefined, { what: "the trace gone once the broker answers" });
      const resumed = load.acked.length;
      await waitFor(() => load.acked.length >= resumed + 50, { what: "records acknowledged after the freeze" });
    } finally {
      await load.stop();
    }

    // At least the one WARN of the silence. One per silence, never one per request, is pinned by
    // unanswered-requests.test.ts: here a slow host may let requests sent after the WARN wait 5 s themselves before
    // the broker answers them (a second silence to the producer, its WARN budgeted with the retry WARNs).
    expect(gw.output().match(WARNING)?.length).toBeGreaterThanOrEqual(1);
    const copies = new Map<string, number>();
    for (const r of await readOwnTopic(kafka, topic)) {
      const { c, n } = JSON.parse(r.value) as LoadRecord;
      copies.set(`${c}/${n}`, (copies.get(`${c}/${n}`) ?? 0) + 1);
    }
    expect(load.acked.filter((id) => copies.get(id) !== 1)).toEqual([]);
  }, 120_000);
});
