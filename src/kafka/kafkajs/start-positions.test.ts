import { describe, expect, test } from "bun:test";
import type { Consumer, Kafka } from "kafkajs";
import type { TopicPartition } from "../../api/record.ts";
import { RetriableError } from "../../errors.ts";
import { deferred } from "../../util/async.ts";
import { consumerSettings } from "../client-config.ts";
import { StartPositions } from "./start-positions.ts";

type OffsetsAnswer = { responses: { topic: string; partitions: { partition: number; offset: string }[] }[] };

/**
 * StartPositions over a kafkajs whose cluster layer (its private factory) answers OffsetFetch when
 * the test says (-1: no committed offset, then ListOffsets answers the end 7), and a consumer that
 * records the seeks asked of it.
 */
function positions(seek?: (offset: unknown) => void) {
  const answer = deferred<OffsetsAnswer>();
  const connections = { opened: 0, closed: 0 };
  const cluster = {
    connect: async () => void connections.opened++,
    disconnect: async () => void connections.closed++,
    findGroupCoordinator: async () => ({ offsetFetch: () => answer.promise }),
    addMultipleTargetTopics: async () => {},
    findTopicPartitionMetadata: () => [{ partitionId: 0, leader: 1 }],
    fetchTopicsOffset: async () => [{ topic: "t", partitions: [{ partition: 0, offset: String(END) }] }],
  };
  const kafka = { [Symbol("private:Kafka:createCluster")]: () => cluster } as unknown as Kafka;
  const seeks: unknown[] = [];
  const consumer = { seek: seek ?? ((offset: unknown) => void seeks.push(offset)) } as unknown as Consumer;
  const starts = new StartPositions(kafka, "g", consumerSettings({}), consumer);
  const committed = (offset: number) =>
    answer.resolve({ responses: [{ topic: "t", partitions: [{ partition: 0, offset: String(offset) }] }] });
  return { starts, seeks, committed, connections };
}

const tp: TopicPartition = { topic: "t", partition: 0 };
/** The end ListOffsets answers for a partition without a committed offset. */
const END = 7;

describe("StartPositions", () => {
  test("a partition without a committed offset, still assigned at the answer, is sought to the end answered", async () => {
    const { starts, seeks, committed } = positions();
    const position = starts.of(tp, [tp], 1, () => 1);
    committed(-1);
    expect(await position).toBe(END);
    expect(seeks).toEqual([{ topic: "t", partition: 0, offset: String(END) }]);
  });

  // flake190 (b): kafkajs starts it at its committed offset too; a seek would undo a reset out of range under way
  // (its line not written yet): the next fetch would be reset again to the end as it is then.
  test("a partition with a committed offset is answered there and not sought: kafkajs starts it there", async () => {
    const { starts, seeks, committed } = positions();
    const position = starts.of(tp, [tp], 1, () => 1);
    committed(100);
    expect(await position).toBe(100);
    expect(seeks).toEqual([]);
  });

  // flake190: kafkajs' first fetch found the committed offset past the log end and reset the partition to latest
  // before the look-up answered; sought back there, the next fetch was reset again to the end as it was then, and the
  // records produced in between were never put.
  test("a partition kafkajs reset out of range before the answer is answered at its reset position, not sought back", async () => {
    const { starts, seeks, committed } = positions();
    const position = starts.of(tp, [tp], 1, () => 1);
    starts.placed({ ...tp, offset: 2 }, 1);
    committed(100);
    expect(await position).toBe(2);
    expect(seeks).toEqual([]);
  });

  test("a reset under an earlier assignment does not count: the partition is answered at its committed offset", async () => {
    const { starts, seeks, committed } = positions();
    starts.placed({ ...tp, offset: 2 }, 1);
    const position = starts.of(tp, [tp], 2, () => 2);
    committed(100);
    expect(await position).toBe(100);
    expect(seeks).toEqual([]);
  });

  // rebalflake: kafkajs keeps a seek until it next fetches the partition, in any later generation.
  test("a partition given up before the answer (a join since) is not sought: kafkajs would apply the seek at its next assignment", async () => {
    const { starts, seeks, committed } = positions();
    let assignment = 1;
    const position = starts.of(tp, [tp], 1, () => assignment);
    assignment = 2; // revoked: the join hook numbers the next assignment
    committed(-1);
    await expect(position).rejects.toThrow("The assignment of t-0 changed while its position was looked up");
    expect(seeks).toEqual([]);
  });

  // explore13 F1: the subscription watch stopped kafkajs to subscribe again while a join it began was answered.
  test("a seek kafkajs refuses between its stop and its next run is retriable: the next join gives the partition up", async () => {
    const { starts, committed } = positions(() => {
      throw new Error("Consumer group was not initialized, consumer#run must be called first");
    });
    const position = starts.of(tp, [tp], 1, () => 1);
    committed(-1);
    const error = await position.catch((e) => e);
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.message).toBe("The position of t-0 is not known yet: the consumer is rejoining its group");
  });

  test("a look-up after close rejects without opening a connection (nothing would close it)", async () => {
    const { starts, committed, connections } = positions();
    const position = starts.of(tp, [tp], 1, () => 1);
    committed(50);
    await position;
    await starts.close();
    expect(connections).toEqual({ opened: 1, closed: 1 });
    await expect(starts.of(tp, [tp], 2, () => 2)).rejects.toThrow(
      "Cannot look up the position of t-0: the consumer was closed",
    );
    expect(connections).toEqual({ opened: 1, closed: 1 });
  });

  // explore13 F3: kafkajs refreshes metadata for a new target topic only, not for a known one grown.
  test("refreshes the look-ups' metadata once when it lacks an assigned partition (one added to a known topic)", async () => {
    const known = [0, 1];
    const requests: string[] = [];
    const cluster = {
      connect: async () => {},
      disconnect: async () => {},
      findGroupCoordinator: async () => ({ offsetFetch: async () => ({ responses: [] }) }),
      addMultipleTargetTopics: async () => void requests.push("addMultipleTargetTopics"),
      refreshMetadata: async () => {
        requests.push("refreshMetadata");
        known.push(2);
      },
      findTopicPartitionMetadata: () => known.map((partitionId) => ({ partitionId, leader: 1 })),
      // As kafkajs': a partition without a leader in the metadata is left out of ListOffsets.
      fetchTopicsOffset: async (topics: { topic: string; partitions: { partition: number }[] }[]) => {
        requests.push("fetchTopicsOffset");
        return topics.map(({ topic, partitions }) => ({
          topic,
          partitions: partitions.filter((p) => known.includes(p.partition)).map((p) => ({ ...p, offset: "0" })),
        }));
      },
    };
    const kafka = { [Symbol("private:Kafka:createCluster")]: () => cluster } as unknown as Kafka;
    const consumer = { seek: () => {} } as unknown as Consumer;
    const starts = new StartPositions(kafka, "g", consumerSettings({}), consumer);
    const added: TopicPartition = { topic: "t", partition: 2 };
    expect(await starts.of(added, [tp, added], 1, () => 1)).toBe(0);
    expect(requests).toEqual(["addMultipleTargetTopics", "refreshMetadata", "fetchTopicsOffset"]);
  });

  // kjsleader: kafkajs' look-up of start offsets failed whole on a partition without a leader (its broker down).
  test("a partition without a leader is left out of the look-up and asked again with fresh metadata; the others are answered", async () => {
    let leader = -1;
    const asked: number[][] = [];
    let refreshed = 0;
    const cluster = {
      connect: async () => {},
      disconnect: async () => {},
      findGroupCoordinator: async () => ({ offsetFetch: async () => ({ responses: [] }) }),
      addMultipleTargetTopics: async () => {},
      refreshMetadata: async () => void refreshed++,
      findTopicPartitionMetadata: () => [
        { partitionId: 0, leader: 1 },
        { partitionId: 1, leader },
      ],
      // As kafkajs': a look-up of a partition whose leader is -1 fails whole (no broker -1).
      fetchTopicsOffset: async (topics: { topic: string; partitions: { partition: number }[] }[]) => {
        const partitions = topics.flatMap((t) => t.partitions.map((p) => p.partition));
        asked.push(partitions);
        if (partitions.includes(1) && leader < 0) throw new Error("Broker -1 not found in the cached metadata");
        return topics.map(({ topic, partitions }) => ({
          topic,
          partitions: partitions.map((p) => ({ ...p, offset: String(10 + p.partition) })),
        }));
      },
    };
    const kafka = { [Symbol("private:Kafka:createCluster")]: () => cluster } as unknown as Kafka;
    const consumer = { seek: () => {} } as unknown as Consumer;
    const starts = new StartPositions(kafka, "g", consumerSettings({}), consumer);
    const leaderless: TopicPartition = { topic: "t", partition: 1 };
    const assigned = [tp, leaderless];

    expect(await starts.of(tp, assigned, 1, () => 1)).toBe(10);
    const error = await starts.of(leaderless, assigned, 1, () => 1).catch((e) => e);
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.message).toBe("The position of t-1 is not known yet");

    leader = 3;
    expect(await starts.of(leaderless, assigned, 1, () => 1)).toBe(11);
    expect({ asked, refreshed }).toEqual({ asked: [[0], [0, 1]], refreshed: 1 });
  });
});
