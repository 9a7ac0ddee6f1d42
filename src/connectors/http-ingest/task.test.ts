import { describe, expect, test } from "bun:test";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { IngestError } from "../../ingest/ingest-error.ts";
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import type { IngestWriter } from "../../ingest/route-table.ts";
import { MemoryKafka } from "../../kafka/memory-kafka.ts";
import { stringConverters, taskBasics } from "../../runtime/task-test-support.ts";
import { TransformationChain } from "../../runtime/transformation-chain.ts";
import { WorkerSourceTask } from "../../runtime/worker-source-task.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import type { HttpIngestServices } from "./connector.ts";
import { HttpIngestSourceTask } from "./task.ts";

const dyingWorker = new URL("../../../test/fixtures/spool-worker/dying-worker.ts", import.meta.url);
const record = (value: string): IngestRecord => ({
  key: null,
  value: new TextEncoder().encode(value),
  headers: [],
  partition: null,
  timestamp: 7,
  bytes: value.length,
});

function sourceTask(services: HttpIngestServices, config: Record<string, string>, clock = new ManualClock()) {
  const kafka = new MemoryKafka();
  const basics = taskBasics();
  const task = new WorkerSourceTask({
    ...basics,
    clock,
    initialState: "STARTED",
    task: new HttpIngestSourceTask(services),
    taskClass: "HttpIngestSource",
    config: { name: "c", "ingest.path": "/ingest/t", "kafka.topic": "t", ...config },
    producer: () => kafka.producer(),
    converters: stringConverters,
    transformations: TransformationChain.EMPTY,
    offsets: { get: () => null, write: () => {} } as never,
    maxRequestBytes: 1_048_576,
    offsetFlushIntervalMs: 60_000,
    onTopic: () => {},
  });
  return { task, kafka, listener: basics.listener };
}

describe("HttpIngestSourceTask on the source runtime", () => {
  test("requests are answered when Kafka acknowledges, without waiting for any timer", async () => {
    const clock = new ManualClock();
    let writer: IngestWriter | undefined;
    const services = {
      routes: { attach: (_: string, w: IngestWriter) => (writer = w), detach: () => {} },
      stages: {},
    } as unknown as HttpIngestServices;
    const { task, kafka } = sourceTask(services, {}, clock);
    task.start();
    await waitFor(() => writer !== undefined);
    const never = new AbortController().signal;
    // Requests arriving together (and while the task is busy) share one poll; the ones after them
    // must still be polled at once, not after a back-off of the runtime.
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(
        [0, 1, 2].map((i) => writer!.submit({ topic: "t", records: [record(`r${round}.${i}`)], signal: never })),
      );
      for (const outcomes of answers) expect(outcomes[0]!.kind).toBe("written");
    }
    expect(kafka.records("t").length).toBe(15);
    expect(clock.now()).toBe(0);
    // The only timers are the poll's maximum waits (each ended by a request); no back-off.
    expect(clock.sleeps.filter((ms) => ms !== 1000)).toEqual([]);
    task.stop();
    expect(await task.awaitStop(5000)).toBe(true);
  });

  test("spool mode: when the spool's worker dies, requests get 503 and the task goes FAILED saying why", async () => {
    await using dir = await tempDir("ingest-task-");
    const store = await SpoolStore.open(dir.path, { workerUrl: dyingWorker });
    let writer: IngestWriter | undefined;
    const services = {
      routes: { attach: (_: string, w: IngestWriter) => (writer = w), detach: () => {} },
      stages: {},
      spool: async () => store,
    } as unknown as HttpIngestServices;
    const { task, listener } = sourceTask(services, { "ingest.ack.mode": "spool" });
    task.start();
    await waitFor(() => writer !== undefined);
    const refused = await writer!
      .submit({ topic: "t", records: [record("r")], signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect([(refused as IngestError).status, (refused as Error).message]).toEqual([
      503,
      expect.stringContaining("The spool of connector c is not durable any more"),
    ]);
    await waitFor(() => listener.events.includes("FAILED"), { what: "the task to fail" });
    expect((listener.failure as Error).message).toMatch(
      /^The spool of connector c is not durable any more, so nothing more is accepted \(The spool worker failed: the disk caught fire\)/,
    );
    task.stop();
    expect(await task.awaitStop(5000)).toBe(true);
    await store.close();
  });
});
