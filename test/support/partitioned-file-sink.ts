/**
 * A FileStreamSink reading topics whose records are `p:i` (a partition, or any other group, and an
 * index), in a gateway against the real broker: for tests of partitions added to, or emptied from, a
 * consumed topic, and of consumed topics deleted or re-created. The task's consumer looks for
 * metadata changes every 200 ms (consumer.override.metadata.max.age.ms) unless the test says otherwise.
 */
import { expect } from "bun:test";
import { type Admin, AssignerProtocol } from "kafkajs";
import { type Gateway, startGateway } from "./gateway.ts";
import { createTopicsOn, kafkaBroker, producePerPartition, uniqueTopic } from "./kafka.ts";
import type { TempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

/** The file's lines, in the order written (none while it does not exist). */
export async function linesOf(file: string): Promise<string[]> {
  return (await Bun.file(file).exists()) ? (await Bun.file(file).text()).split("\n").filter((l) => l !== "") : [];
}

/** The file's lines `p:i` grouped by partition, in the order written. */
export async function writtenByPartition(file: string): Promise<Record<string, number[]>> {
  const byPartition: Record<string, number[]> = {};
  for (const line of await linesOf(file)) {
    const [p, i] = line.split(":") as [string, string];
    byPartition[p] = [...(byPartition[p] ?? []), Number(i)];
  }
  return byPartition;
}

/** How many partitions each member of the group is assigned, as its coordinator describes it. */
export async function assignedPerMember(admin: Admin, groupId: string): Promise<number[]> {
  const [group] = (await admin.describeGroups([groupId])).groups;
  return (group?.members ?? []).map(
    (m) => Object.values(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}).flat().length,
  );
}

export interface PartitionedFileSink {
  readonly gw: Gateway;
  /** The connector's name (its group is `connect-<name>`). */
  readonly name: string;
  /** The file's lines, in the order written. */
  readonly lines: () => Promise<string[]>;
  readonly written: () => Promise<Record<string, number[]>>;
  /** How many lines the file holds. */
  readonly count: () => Promise<number>;
}

/** Starts a gateway with `kafka.client` `client` and a FileStreamSink of `topic` (a comma-separated list: `topics`), `options` adding worker and connector keys. */
export async function startPartitionedFileSink(
  dir: TempDir,
  client: "platformatic" | "kafkajs",
  topic: string,
  options: { worker?: Record<string, string>; connector?: Record<string, string> } = {},
): Promise<PartitionedFileSink> {
  const kafka = await kafkaBroker();
  const file = dir.file("sink.txt");
  const gw = await startGateway({
    dir: dir.path,
    worker: {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "kafka.client": client,
      ...options.worker,
    },
  });
  const name = uniqueTopic("partitioned-file-sink");
  const created = await gw.rest.post("/connectors", {
    name,
    config: {
      "connector.class": "FileStreamSink",
      topics: topic,
      file,
      "consumer.override.metadata.max.age.ms": "200",
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      ...options.connector,
    },
  });
  if (created.status !== 201) await gw[Symbol.asyncDispose]();
  expect(created.status).toBe(201);
  const written = () => writtenByPartition(file);
  return {
    gw,
    name,
    lines: () => linesOf(file),
    written,
    count: async () => Object.values(await written()).flat().length,
  };
}

/**
 * Creates `topic` with two partitions holding `p:0` to `p:2` each, starts a sink of it as
 * startPartitionedFileSink does, and waits until the sink wrote those six records.
 */
export async function startTwoPartitionSink(
  dir: TempDir,
  admin: Admin,
  client: "platformatic" | "kafkajs",
  topic: string,
  options: { worker?: Record<string, string>; connector?: Record<string, string> } = {},
): Promise<PartitionedFileSink> {
  await createTopicsOn(admin, [{ topic, numPartitions: 2 }]);
  await producePerPartition(topic, 2, 3, (p, i) => `${p}:${i}`);
  const sink = await startPartitionedFileSink(dir, client, topic, options);
  try {
    await waitFor(async () => (await sink.count()) === 6, { what: "the records of the first two partitions" });
  } catch (error) {
    await sink.gw[Symbol.asyncDispose]();
    throw error;
  }
  return sink;
}
