/**
 * A FileStreamSink reading a topic whose records are `p:i` (partition, index), in a gateway against
 * the real broker: for tests of partitions added to, or emptied from, a consumed topic. The task's
 * consumer looks for metadata changes every 200 ms (consumer.override.metadata.max.age.ms).
 */
import { expect } from "bun:test";
import { type Admin, AssignerProtocol } from "kafkajs";
import { type Gateway, startGateway } from "./gateway.ts";
import { kafkaBroker, uniqueTopic } from "./kafka.ts";
import type { TempDir } from "./temp-dir.ts";

/** The file's lines `p:i` grouped by partition, in the order written. */
export async function writtenByPartition(file: string): Promise<Record<string, number[]>> {
  const lines = (await Bun.file(file).exists()) ? (await Bun.file(file).text()).split("\n") : [];
  const byPartition: Record<string, number[]> = {};
  for (const line of lines.filter((l) => l !== "")) {
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
  readonly written: () => Promise<Record<string, number[]>>;
  /** How many lines the file holds. */
  readonly count: () => Promise<number>;
}

/** Starts a gateway with `kafka.client` `client` and a FileStreamSink of `topic` (`extra` connector keys). */
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
  expect(created.status).toBe(201);
  const written = () => writtenByPartition(file);
  return { gw, name, written, count: async () => Object.values(await written()).flat().length };
}
