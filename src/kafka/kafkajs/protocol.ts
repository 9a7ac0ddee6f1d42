/**
 * What kafkajs lacks, built on its own protocol layer and cluster internals (kafkajs is pinned at
 * 2.2.4, its last release): the cluster factory for coordinator requests, a hook before a
 * consumer's JoinGroup requests, OffsetDelete (API 47), and client-side throttling
 * (monotonic-throttle.ts) and request timeouts (monotonic-request-timeout.ts) on the monotonic clock.
 */
import type { Kafka } from "kafkajs";
import Decoder from "kafkajs/src/protocol/decoder";
import Encoder from "kafkajs/src/protocol/encoder";
import { createErrorFromCode, failure } from "kafkajs/src/protocol/error";
import type { TopicPartition } from "../../api/record.ts";
import { ConnectError } from "../../errors.ts";
import "./monotonic-request-timeout.ts";
import "./monotonic-throttle.ts";
import type { BrokerAddress } from "../consumer-log.ts";

const OFFSET_DELETE_API_KEY = 47;

export type ClusterLike = {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(args: { groupId: string }): Promise<BrokerLike>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  metadata(args: { topics: string[] }): Promise<{ topicMetadata: { topic: string; partitionMetadata: unknown[] }[] }>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning: boolean }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
};

export function clusterFactory(kafka: Kafka): symbol {
  const factory = Object.getOwnPropertySymbols(kafka).find((sym) => sym.description === "private:Kafka:createCluster");
  if (!factory) throw new ConnectError("kafkajs internals changed: cluster factory not found");
  return factory;
}

/** kafkajs' cluster layer, through the private factory on the Kafka object (pinned kafkajs 2.2.4). */
export function createCluster(
  kafka: Kafka,
  options: { allowAutoTopicCreation?: boolean; isolationLevel?: number } = {},
): ClusterLike {
  return (kafka as unknown as Record<symbol, (o: object) => ClusterLike>)[clusterFactory(kafka)]!(options);
}

/** What a consumer learns of its joins (withJoinHook). */
export interface JoinHooks {
  /** Awaited before each JoinGroup request (memberId "" when the member has none). */
  beforeJoin(memberId: string): Promise<void>;
  /** A JoinGroup under way with `memberId` (through the coordinator last found); `answered` settles with the join. */
  joinSent(memberId: string, answered: Promise<unknown>): void;
  /** MEMBER_ID_REQUIRED gave the member this id: false ends the join there, not joining again with it. */
  memberIdGiven(memberId: string, coordinator: BrokerLike): Promise<boolean>;
  /**
   * A look-up of the group's coordinator found `coordinator`, the member's from now on: a join's, or a heartbeat's or
   * commit's after it lost the one before (dependency patches 15 and 17).
   */
  coordinatorFound(coordinator: BrokerLike): void;
}

export function sendRequestKey(broker: object): symbol {
  const key = Object.getOwnPropertySymbols(Object.getPrototypeOf(broker)).find(
    (sym) => sym.description === "private:Broker:sendRequest",
  );
  if (!key) throw new ConnectError("kafkajs internals changed: the broker's request sender not found");
  return key;
}

/**
 * A view of `kafka` whose consumers tell `hooks` of their joins. kafkajs has no rebalance callback
 * before it rejoins (its REBALANCING event is not awaited), and it answers MEMBER_ID_REQUIRED
 * (KIP-394) inside its broker's joinGroup, by joining again with the given id, which the consumer
 * never sees until the join completes. Its consumer group sends JoinGroup through the coordinator
 * broker that its cluster's findGroupCoordinator returns, so that broker's joinGroup and request
 * sender are wrapped, for the clusters this view creates only. Its consumer group heartbeats while
 * `beforeJoin` runs, until the broker's own joinGroup is handed the request (its `prepared` ends
 * them: dependency patch 25).
 */
export function withJoinHook(kafka: Kafka, hooks: JoinHooks): Kafka {
  const hook = (broker: GroupBroker) => {
    const join = broker.joinGroup.bind(broker);
    broker.joinGroup = async (request) => {
      await hooks.beforeJoin(request.memberId);
      const answered = join(request);
      hooks.joinSent(request.memberId, answered);
      return answered;
    };
    const key = sendRequestKey(broker);
    const sender = broker as unknown as Record<symbol, (request: unknown) => Promise<unknown>>;
    const send = sender[key]!.bind(broker);
    sender[key] = async (request) => {
      try {
        return await send(request);
      } catch (error) {
        const e = error as { name?: string; memberId?: string };
        if (e.name === "KafkaJSMemberIdRequired" && e.memberId && !(await hooks.memberIdGiven(e.memberId, broker)))
          throw new ConnectError("The consumer was closed while joining its group");
        throw error;
      }
    };
  };
  return withBrokerHook(kafka, "findGroupCoordinator", hook, (broker) => hooks.coordinatorFound(broker));
}

/**
 * A view of `kafka` whose clusters hand each broker their `finder` returns to `hook`, once per broker, and to `found`
 * each time (the clusters this view creates only).
 */
export function withBrokerHook<B extends object>(
  kafka: Kafka,
  finder: "findBroker" | "findGroupCoordinator",
  hook: (broker: B) => void,
  found?: (broker: B) => void,
): Kafka {
  const hooked = new WeakSet<object>();
  return withClusterHook(kafka, (cluster) => {
    const c = cluster as Record<typeof finder, (args: unknown) => Promise<B>>;
    const find = c[finder].bind(cluster);
    c[finder] = async (args) => {
      const broker = await find(args);
      if (!hooked.has(broker)) {
        hooked.add(broker);
        hook(broker);
      }
      found?.(broker);
      return broker;
    };
  });
}

/** A view of `kafka` that hands each cluster it creates (its clients', a consumer's own) to `hook`. */
export function withClusterHook(kafka: Kafka, hook: (cluster: object) => void): Kafka {
  const factory = clusterFactory(kafka);
  const create = (kafka as unknown as Record<symbol, (o: object) => object>)[factory]!;
  return Object.create(kafka, {
    [factory]: {
      value: (options: object) => {
        const cluster = create(options);
        hook(cluster);
        return cluster;
      },
    },
  });
}

type GroupBroker = BrokerLike & {
  joinGroup(request: { memberId: string }): Promise<unknown>;
};
export type BrokerLike = {
  offsetCommit(args: unknown): Promise<unknown>;
  offsetFetch(args: {
    groupId: string;
    topics: { topic: string; partitions: { partition: number }[] }[];
  }): Promise<unknown>;
  leaveGroup(args: { groupId: string; memberId: string }): Promise<unknown>;
  connectionPool: {
    send(args: { request: unknown; response: unknown }): Promise<unknown>;
    host?: string;
    port?: number;
  };
  nodeId?: number | null;
};

/** A broker's id and address, as log lines name it (ConsumerLog); empty when kafkajs does not say. */
export function brokerAddresses(b: BrokerLike): Map<number, BrokerAddress> {
  const { host, port } = b.connectionPool;
  return b.nodeId != null && host && port ? new Map([[b.nodeId, { host, port }]]) : new Map();
}

export function groupByTopic<T extends TopicPartition>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(item.topic, [...(out.get(item.topic) ?? []), item]);
  return out;
}

/** The partitions as kafkajs' pause and resume take them: each topic with its partition numbers. */
export function topicPartitionLists(items: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  return [...groupByTopic(items)].map(([topic, tps]) => ({ topic, partitions: tps.map((t) => t.partition) }));
}

/** OffsetDelete v0 (KIP-496): group_id [topics: name [partitions: partition_index]]. */
export function offsetDeleteRequest(groupId: string, partitions: readonly TopicPartition[]) {
  const topics = [...groupByTopic(partitions)];
  return {
    request: {
      apiKey: OFFSET_DELETE_API_KEY,
      apiVersion: 0,
      apiName: "OffsetDelete",
      encode: async () =>
        new Encoder()
          .writeString(groupId)
          .writeArray(
            topics.map(([topic, tps]) =>
              new Encoder().writeString(topic).writeArray(tps.map((tp) => new Encoder().writeInt32(tp.partition))),
            ),
          ),
    },
    response: {
      decode: async (raw: Buffer) => {
        const d = new Decoder(raw);
        const errorCode = d.readInt16();
        const throttleTime = d.readInt32();
        const topicResults = d.readArray((t: typeof d) => ({
          topic: t.readString(),
          partitions: t.readArray((p: typeof d) => ({ partition: p.readInt32(), errorCode: p.readInt16() })),
        }));
        return { errorCode, throttleTime, topicResults };
      },
      parse: async (data: { errorCode: number; topicResults: { partitions: { errorCode: number }[] }[] }) => {
        if (failure(data.errorCode)) throw createErrorFromCode(data.errorCode);
        for (const t of data.topicResults) {
          for (const p of t.partitions) if (failure(p.errorCode)) throw createErrorFromCode(p.errorCode);
        }
        return data;
      },
    },
  };
}
