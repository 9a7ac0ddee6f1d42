/**
 * A WorkerSinkTask driving a test SinkTask over the adapter `kafka.client` selects, against the
 * real broker (the gateway's plugins are built in, so tests of the runtime's sink contract bring
 * their own SinkTask): one new topic, group `connect-<topic>`, string converters, no periodic commit.
 */
import type { SinkTask } from "../../src/api/connector.ts";
import { kafkaPorts } from "../../src/kafka/kafka-ports.ts";
import { ActiveTopics } from "../../src/runtime/active-topics.ts";
import { stringConverters, taskBasics } from "../../src/runtime/task-test-support.ts";
import { TransformationChain } from "../../src/runtime/transformation-chain.ts";
import { WorkerSinkTask } from "../../src/runtime/worker-sink-task.ts";
import { LogManager } from "../../src/util/logger.ts";
import { createTopic, kafkaBroker, testClient, uniqueTopic } from "./kafka.ts";

export async function startSinkTask(client: keyof typeof kafkaPorts, name: string, plugin: SinkTask) {
  const kafka = await kafkaBroker();
  const topic = uniqueTopic(`${name}-${client}`);
  const groupId = `connect-${topic}`;
  await createTopic(topic);
  const port = kafkaPorts[client](new LogManager({ sink: () => {} }));
  const basics = taskBasics();
  const task = new WorkerSinkTask({
    ...basics,
    initialState: "STARTED",
    task: plugin,
    taskClass: `test.${plugin.constructor.name}`,
    errantRecordReporter: false,
    config: {},
    consumer: () =>
      port.consumer({
        groupId,
        topics: [topic],
        properties: { "bootstrap.servers": kafka.bootstrap, "fetch.max.wait.ms": "100" },
      }),
    converters: stringConverters,
    transformations: TransformationChain.EMPTY,
    offsetFlushIntervalMs: 3_600_000, // no periodic commit during the test
    activeTopics: new ActiveTopics(() => true),
  });
  task.start();
  return { task, basics, topic, groupId };
}

/** The group's committed offset of partition 0 of `topic` (-1: none), read by a short-lived admin client. */
export async function committedOffset(groupId: string, topic: string): Promise<number> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(offsets!.partitions[0]!.offset);
  } finally {
    await admin.disconnect();
  }
}
