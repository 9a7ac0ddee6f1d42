// explore16 F2/F3: a poll batch failed or given up stages the source offsets of its leading records that have nothing
// left to write (known written, or dropped), as Connect's SubmittedRecords commits each source partition's
// acknowledged prefix, also in the final offset commit of a failed task; nothing past the first record not written.
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { Schemas } from "../api/data/schema.ts";
import { sourceRecord } from "../api/record.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import type { ProducerRecord } from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { markRefused } from "../kafka/send-rejection.ts";
import { builtInRegistry } from "../plugins.ts";
import {
  awaitFailed,
  awaitStopped,
  memoryOffsetStore,
  memorySourceTask,
  QueuedSource,
  stopAndAwait,
  taskBasics,
} from "./task-test-support.ts";
import { TransformationChain } from "./transformation-chain.ts";

const FILE = { filename: "f" };
const line = (n: number, topic = "t") =>
  sourceRecord({ topic, value: `line${n}`, valueSchema: Schemas.STRING, sourcePartition: FILE, sourceOffset: { n } });
const text = (value: Uint8Array | null) => new TextDecoder().decode(value ?? new Uint8Array());
/** The values Kafka holds in `topic`. */
const values = (kafka: MemoryKafka, topic: string) => kafka.records(topic).map((r) => text(r.value));

/** Makes `kafka` refuse, for good ("record too large"), every send of the record whose value is `value`. */
function refuseForGood(kafka: MemoryKafka, value: string): void {
  kafka.rejectRecords(
    (r) => text(r.value) === value,
    () => new ConnectError("record too large"),
  );
}

function setup(o: { kafka?: MemoryKafka; transformations?: TransformationChain } = {}) {
  const kafka = o.kafka ?? new MemoryKafka();
  const offsets = memoryOffsetStore();
  const plugin = new QueuedSource();
  const basics = taskBasics();
  const { task } = memorySourceTask({
    plugin,
    taskClass: "test.Lines",
    kafka,
    basics,
    options: { offsets, ...(o.transformations ? { transformations: o.transformations } : {}) },
  });
  return { kafka, offsets, plugin, basics, task };
}

describe("a poll batch a record of which Kafka refuses for good (errors.tolerance=none)", () => {
  test("the task fails and its final offset commit saves the offset of the lines written before the refused one", async () => {
    const { kafka, offsets, plugin, basics, task } = setup();
    refuseForGood(kafka, "line3");
    plugin.queue.push([line(1), line(2), line(3), line(4)]);
    task.start();
    await awaitFailed(basics.listener);
    await awaitStopped(task);
    expect(values(kafka, "t")).toEqual(["line1", "line2"]);
    // A restart resumes after line2: lines 1 and 2 are not written again.
    expect(offsets.get("c", FILE)).toEqual({ n: 2 });
  });

  test("a record a transformation dropped counts as handled: the prefix goes on past it", async () => {
    const kafka = new MemoryKafka();
    const transformations = TransformationChain.fromConfig(builtInRegistry(), {
      transforms: "drop",
      "transforms.drop.type": "org.apache.kafka.connect.transforms.Filter",
      "transforms.drop.predicate": "x",
      predicates: "x",
      "predicates.x.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
      "predicates.x.pattern": "x",
    });
    const { offsets, plugin, basics, task } = setup({ kafka, transformations });
    refuseForGood(kafka, "line3");
    plugin.queue.push([line(1), line(2, "x"), line(3), line(4)]);
    task.start();
    await awaitFailed(basics.listener);
    await awaitStopped(task);
    expect(values(kafka, "t")).toEqual(["line1"]);
    expect(offsets.get("c", FILE)).toEqual({ n: 2 });
  });
});

describe("a poll batch given up at a stop", () => {
  // review-prefixoff P2-1: a record certainly not written (refused unwritten) ends the prefix as an uncertain one does.
  test.each([
    ["perhaps written (no answer)", false],
    ["certainly not written (refused)", true],
  ])(
    "only the records before the first one not written stage their offset: a later written one does not (p's record %s)",
    async (_, refused) => {
      const kafka = new MemoryKafka();
      const offsets = memoryOffsetStore();
      const plugin = new QueuedSource();
      let calls = 0;
      const { task } = memorySourceTask({
        plugin,
        taskClass: "test.Lines",
        kafka,
        options: {
          offsets,
          producer: async () => {
            const inner = await kafka.producer();
            return {
              maxInFlight: 1,
              close: () => inner.close(),
              async send(records: readonly ProducerRecord[]) {
                calls++;
                // Topic q is written; p's leader is away (retriable), for every attempt.
                const qs = records.filter((r) => r.topic === "q");
                const q = qs.length > 0 ? await inner.send(qs) : [];
                let k = 0;
                const written = records.map((r) => (r.topic === "q" ? q[k++]! : null));
                if (written.every((m) => m !== null)) return written;
                const failure = new RetriableError("NOT_LEADER_OR_FOLLOWER for p-0");
                throw Object.assign(refused ? markRefused(failure) : failure, { written });
              },
            };
          },
        },
      });
      plugin.queue.push([line(1, "q"), line(2, "p"), line(3, "q")]);
      task.start();
      await waitFor(() => calls >= 2, { what: "a retry of p's record" });
      await stopAndAwait(task);
      expect(values(kafka, "q")).toEqual(["line1", "line3"]);
      // line3 is in Kafka, but line2 is not: the stored offset is line1's, never line3's.
      expect(offsets.get("c", FILE)).toEqual({ n: 1 });
    },
  );
});
