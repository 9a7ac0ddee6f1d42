/**
 * kjsreset (review P3-a): a commit never moves a fetch position reset out of range, with either client. A sink task's
 * committed offset past the log end, its first fetch is answered OFFSET_OUT_OF_RANGE and the position reset to the end
 * (auto.offset.reset=latest); here the partition is paused as the reset is logged, the committed offset (past the log
 * end) committed again, records produced and the partition resumed: its next fetch starts at the reset position, as
 * Java's consumer (a commit never changes position()). kafkajs fetched from the offset the commit wrote instead (it
 * used the committed offset as the partition's position until the partition's next fetch): out of range again, reset
 * to the end as it was then, and the records produced in between were never handed over (fixed by kafkajs patch 24,
 * scripts/patches/kafkajs-out-of-range-reset.mjs). Against the shared broker, through each client's port.
 */
import { expect, test } from "bun:test";
import type { ConsumedRecord, KafkaConsumer } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { deferred } from "../src/util/async.ts";
import { LogManager } from "../src/util/logger.ts";
import { outOfRangeGroup } from "./support/out-of-range-group.ts";

test.each(["kafkajs", "platformatic"] as const)(
  "kafka.client=%s: a commit between an out-of-range reset and the next fetch leaves the fetch at the reset position; the records produced meanwhile are handed over",
  async (client) => {
    await using group = await outOfRangeGroup(`reset-commit-${client}`);
    const tp = { topic: group.topic, partition: 0 };
    const firstReset = deferred<void>();
    let consumer: KafkaConsumer | undefined;
    const sink = (line: string) => {
      group.lines.push(line);
      // The reset is logged before the partition's next fetch is made: paused here, that fetch waits for the resume.
      if (group.resets().length === 1 && line === group.resets()[0]) {
        consumer?.pause([tp]);
        firstReset.resolve();
      }
    };
    const port = kafkaPorts[client](new LogManager({ sink }));
    await group.logged(async () => {
      const received: ConsumedRecord[] = [];
      consumer = await port.consumer({ groupId: group.groupId, topics: [group.topic], properties: group.properties });
      try {
        await consumer.start({
          onRecords: async (records) => void received.push(...records),
          onPartitionsRevoked: async () => {},
          onPartitionsAssigned: async () => {},
          onPartitionsLost: async () => {},
          onCrash: (error) => void group.lines.push(`crash ${error}`),
        });
        await firstReset.promise;
        // Connect's WorkerSinkTask commits the positions it recorded at assignment: the committed offset here.
        await consumer.commit([{ ...tp, offset: 100 }]);
        await group.sendAfterReset();
        consumer.resume([tp]);
        expect(await group.handedOver(received)).toEqual(["after1", "after2"]);
        expect(group.resets()).toHaveLength(1);
        // The group keeps the offset committed last: the reset commits nothing.
        const [committed] = await group.admin.fetchOffsets({ groupId: group.groupId, topics: [group.topic] });
        expect(committed!.partitions).toEqual([{ partition: 0, offset: "100", metadata: null }]);
      } finally {
        await consumer.close();
      }
    });
  },
  90_000,
);
