/**
 * A WorkerSourceTask driving a test SourceTask over the adapter `kafka.client` selects, against the
 * real broker (the gateway's plugins are built in, so tests of the runtime's source contract bring
 * their own SourceTask): string converters, no transformation, five poll batches in flight, the
 * offsets committed at each turn of its loop.
 */
import type { SourceTask } from "../../src/api/connector.ts";
import { kafkaPorts } from "../../src/kafka/kafka-ports.ts";
import { ActiveTopics } from "../../src/runtime/active-topics.ts";
import { memoryOffsetStore, stringConverters, taskBasics } from "../../src/runtime/task-test-support.ts";
import { TransformationChain } from "../../src/runtime/transformation-chain.ts";
import { WorkerSourceTask } from "../../src/runtime/worker-source-task.ts";
import type { OffsetStore } from "../../src/store/offset-store.ts";
import { LogManager } from "../../src/util/logger.ts";
import { kafkaBroker } from "./kafka.ts";

/** A source task running `plugin` on `client`'s producer (not started), with `basics` and its offsets in `offsets`. */
export async function brokerSourceTask(
  client: keyof typeof kafkaPorts,
  plugin: SourceTask,
  o: { basics?: ReturnType<typeof taskBasics>; offsets?: OffsetStore } = {},
): Promise<WorkerSourceTask> {
  const kafka = await kafkaBroker();
  const port = kafkaPorts[client](new LogManager({ sink: () => {} }));
  return new WorkerSourceTask({
    ...(o.basics ?? taskBasics()),
    initialState: "STARTED",
    task: plugin,
    taskClass: `test.${plugin.constructor.name}`,
    config: {},
    producer: () => port.producer({ "bootstrap.servers": kafka.bootstrap }),
    converters: stringConverters,
    transformations: TransformationChain.EMPTY,
    offsets: o.offsets ?? memoryOffsetStore(),
    maxRequestBytes: 1_048_576,
    maxInFlightBatches: 5,
    offsetFlushIntervalMs: 0,
    activeTopics: new ActiveTopics(() => true),
  });
}
