/**
 * flake190: the kafkajs consumer's start-position look-up (StartPositions, Connect's position() at assignment) must
 * not undo an out-of-range reset kafkajs has under way. Its committed offset past the log end, kafkajs' first fetch is
 * answered OFFSET_OUT_OF_RANGE and it looks the reset position up (patch 24's setDefaultOffset); here that look-up is
 * held, in-process, until the task's position look-up has answered. Sought back to the committed offset then, kafkajs'
 * next fetch was out of range again and reset to the end as it was then: the records produced after the first reset
 * (auto.offset.reset=latest) were never handed over. Against the shared broker, through the kafkajs port.
 */
import { afterAll, expect, test } from "bun:test";
import OffsetManager from "kafkajs/src/consumer/offsetManager";
import type { ConsumedRecord } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { deferred } from "../src/util/async.ts";
import { LogManager } from "../src/util/logger.ts";
import { outOfRangeGroup } from "./support/out-of-range-group.ts";
import { waitFor } from "./support/wait-for.ts";

// Every reset's look-up waits until the task's position look-up answered (the race made certain).
const answered = deferred<void>();
const setDefaultOffset = OffsetManager.prototype.setDefaultOffset;
OffsetManager.prototype.setDefaultOffset = async function (this: OffsetManager, partition) {
  await answered.promise;
  return setDefaultOffset.call(this, partition);
};
afterAll(() => {
  OffsetManager.prototype.setDefaultOffset = setDefaultOffset;
});

test("a committed offset past the log end: the position answered while kafkajs resets it keeps the reset; the records produced after it are handed over", async () => {
  await using group = await outOfRangeGroup("kafkajs-reset-position");
  const port = kafkaPorts.kafkajs(new LogManager({ sink: (line) => void group.lines.push(line) }));
  await group.logged(async () => {
    const received: ConsumedRecord[] = [];
    const positions: number[] = [];
    const consumer = await port.consumer({
      groupId: group.groupId,
      topics: [group.topic],
      properties: group.properties,
    });
    try {
      await consumer.start({
        onRecords: async (records) => void received.push(...records),
        onPartitionsRevoked: async () => {},
        onPartitionsAssigned: async (tps) => {
          for (const tp of tps) positions.push(await consumer.position(tp));
          answered.resolve();
        },
        onPartitionsLost: async () => {},
        onCrash: (error) => void group.lines.push(`crash ${error}`),
      });
      await waitFor(() => group.resets().length >= 1, { what: "the first reset", timeoutMs: 30_000 });
      await group.sendAfterReset();
      const values = await group.handedOver(received);
      // The look-up answered the committed offset (kafkajs started there too) and did not seek back to it.
      expect(positions).toEqual([100]);
      expect(group.resets()).toHaveLength(1);
      expect(values).toEqual(["after1", "after2"]);
    } finally {
      await consumer.close();
    }
  });
}, 90_000);
