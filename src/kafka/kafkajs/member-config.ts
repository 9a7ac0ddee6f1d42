/**
 * kafkajs' consumer config for a sink task's group member (consumer.ts), from the consumer's
 * settings (client-config.ts), with the partition assigner that gives a member only the topics it
 * subscribed to (subscribed-round-robin.ts), under each protocol name of group-protocols.ts.
 */
import type { ConsumerConfig } from "kafkajs";
import type { ConsumerSettings } from "../client-config.ts";
import { GROUP_PROTOCOLS } from "../group-protocols.ts";
import type { PartitionCounts } from "../subscription-change.ts";
import { subscribedRoundRobin } from "./subscribed-round-robin.ts";

export function memberConfig(
  groupId: string,
  s: ConsumerSettings,
  onAssigned: (counts: PartitionCounts) => void,
): ConsumerConfig {
  return {
    groupId,
    sessionTimeout: s.sessionTimeoutMs,
    heartbeatInterval: s.heartbeatIntervalMs,
    rebalanceTimeout: s.rebalanceTimeoutMs,
    maxWaitTimeInMs: s.maxWaitMs,
    minBytes: s.minBytes,
    maxBytes: s.maxBytes,
    maxBytesPerPartition: s.maxBytesPerPartition,
    readUncommitted: s.readUncommitted,
    allowAutoTopicCreation: s.allowAutoTopicCreation,
    partitionAssigners: GROUP_PROTOCOLS.map((name) => subscribedRoundRobin(onAssigned, name)),
    // The sink task restarts the consumer itself (through start(), so a dead predecessor is
    // fenced and the new member gets its partitions at once); kafkajs' own restart would rejoin
    // as a new member and wait for the old one's session to expire.
    retry: { restartOnFailure: async () => false },
  };
}
