/**
 * For tests of the platformatic consumer's group membership against the real broker: the port and
 * its admin for a test file (`usePlatformaticPort`, hooks registered), a partition list as the
 * events name it, and the group's members as the coordinator holds them (read, or removed).
 */
import { afterAll, beforeAll } from "bun:test";
import { Admin } from "@platformatic/kafka";
import type { TopicPartition } from "../../src/api/record.ts";
import type { KafkaAdmin, KafkaPort } from "../../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../../src/kafka/kafka-ports.ts";
import { LogManager } from "../../src/util/logger.ts";
import { type KafkaInfo, kafkaBroker, uniqueTopic } from "./kafka.ts";

export interface PlatformaticPortFixture {
  info: KafkaInfo;
  port: KafkaPort;
  admin: KafkaAdmin;
}

/** The broker, a platformatic port and its admin, made before the file's tests and closed after. */
export function usePlatformaticPort(): PlatformaticPortFixture {
  const fixture = {} as PlatformaticPortFixture;
  beforeAll(async () => {
    fixture.info = await kafkaBroker();
    fixture.port = kafkaPorts.platformatic(new LogManager({ sink: () => {} }));
    fixture.admin = await fixture.port.admin({ "bootstrap.servers": fixture.info.bootstrap });
  });
  afterAll(async () => {
    await fixture.admin.close();
  });
  return fixture;
}

/** A new two-partition topic and the name of a group of its own for it. */
export async function groupTopic(
  f: PlatformaticPortFixture,
  prefix: string,
): Promise<{ topic: string; groupId: string }> {
  const topic = uniqueTopic(prefix);
  await f.admin.createTopic({ topic, partitions: 2, replicationFactor: 1 });
  return { topic, groupId: `group-${topic}` };
}

/** `0,1`: the partitions of an assignment change, sorted. */
export const partitionList = (tps: readonly TopicPartition[]) =>
  tps
    .map((tp) => tp.partition)
    .sort()
    .join(",");

async function withGroupAdmin<T>(info: KafkaInfo, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: "test-admin", bootstrapBrokers: [info.bootstrap] });
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

/** The member ids of the group, as the coordinator holds them. */
export function memberIds(info: KafkaInfo, groupId: string): Promise<string[]> {
  return withGroupAdmin(info, async (admin) => {
    const group = (await admin.describeGroups({ groups: [groupId] })).get(groupId);
    return [...(group?.members.keys() ?? [])];
  });
}

/** Removes the group's (first) member, as an administrator does; returns its member id. */
export async function removeFirstMember(info: KafkaInfo, groupId: string): Promise<string> {
  const [memberId = ""] = await memberIds(info, groupId);
  await withGroupAdmin(info, (admin) =>
    admin.removeMembersFromConsumerGroup({ groupId, members: [{ memberId, reason: "test" }] }),
  );
  return memberId;
}
