import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import type { IngestWriter } from "../../ingest/route-table.ts";
import { MemoryKafka } from "../../kafka/memory-kafka.ts";
import { stringConverters, taskBasics } from "../../runtime/task-test-support.ts";
import { TransformationChain } from "../../runtime/transformation-chain.ts";
import { WorkerSourceTask } from "../../runtime/worker-source-task.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import type { HttpIngestServices } from "./connector.ts";
import { HttpIngestSourceTask } from "./task.ts";

const record = (value: string): IngestRecord => ({
  key: null,
  value: new TextEncoder().encode(value),
  headers: [],
  partition: null,
  timestamp: 7,
  bytes: value.length,
});

describe("HttpIngestSourceTask on the source runtime", () => {
  test("requests are answered when Kafka acknowledges, without waiting for any timer", async () => {
    const clock = new ManualClock();
    let writer: IngestWriter | undefined;
    const services = {
      routes: { attach: (_: string, w: IngestWriter) => (writer = w), detach: () => {} },
      stages: {},
    } as unknown as HttpIngestServices;
    const kafka = new MemoryKafka();
    const task = new WorkerSourceTask({
      ...taskBasics(),
      clock,
      initialState: "STARTED",
      task: new HttpIngestSourceTask(services),
      taskClass: "HttpIngestSource",
      config: { name: "c", "ingest.path": "/ingest/t", "kafka.topic": "t" },
      producer: () => kafka.producer(),
      converters: stringConverters,
      transformations: TransformationChain.EMPTY,
      offsets: { get: () => null, write: () => {} } as never,
      maxRequestBytes: 1_048_576,
      offsetFlushIntervalMs: 60_000,
      onTopic: () => {},
    });
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
});
