import { describe, expect, test } from "bun:test";
import { ConnectError } from "../errors.ts";
import type { KafkaAdmin } from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { withKafkaError } from "../kafka/send-rejection.ts";
import { LogManager } from "../util/logger.ts";
import { alterSinkGroupOffsets, resetSinkGroupOffsets } from "./sink-group-offsets.ts";

/** The memory broker's admin, its calls failing with `kafkaError` when given. */
async function admin(kafka: MemoryKafka, kafkaError?: string): Promise<KafkaAdmin> {
  const real = await kafka.admin();
  if (kafkaError === undefined) return real;
  const refuse = async () => {
    throw withKafkaError(new ConnectError(`refused: ${kafkaError}`), kafkaError);
  };
  return { ...real, alterGroupOffsets: refuse, deleteGroupOffsets: refuse, deleteGroup: refuse };
}

function capture() {
  const lines: string[] = [];
  return { lines, log: new LogManager({ sink: (line) => lines.push(line) }).get("Worker") };
}

const retryable = (verb: string) =>
  `Failed to ${verb} consumer group offsets for connector k either because its tasks haven't stopped completely yet or the connector was resumed before the request to ${verb} its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks.`;

describe("resetSinkGroupOffsets", () => {
  test("deletes the group; a group already gone is reset too (idempotent, as Connect)", async () => {
    const kafka = new MemoryKafka();
    kafka.commit("connect-k", [{ topic: "in", partition: 0, offset: 3 }]);
    const { lines, log } = capture();
    await resetSinkGroupOffsets("k", "connect-k", await admin(kafka), log);
    expect(kafka.groups.has("connect-k")).toBe(false);
    await resetSinkGroupOffsets("k", "connect-k", await admin(kafka), log);
    expect(lines).toEqual([]);
  });

  test.each([
    ["NON_EMPTY_GROUP", retryable("reset")],
    ["GROUP_AUTHORIZATION_FAILED", "Failed to reset consumer group offsets for sink connector k"],
  ])("refused with %s: Connect's answer, logged at ERROR with the broker's reason", async (kafkaError, message) => {
    const { lines, log } = capture();
    const reset = resetSinkGroupOffsets("k", "connect-k", await admin(new MemoryKafka(), kafkaError), log);
    await expect(reset).rejects.toThrow(new ConnectError(message));
    expect(lines.map((l) => l.includes(`ERROR ${message}`) && l.includes(`refused: ${kafkaError}`))).toEqual([true]);
  });
});

describe("alterSinkGroupOffsets", () => {
  test.each([
    ["UNKNOWN_MEMBER_ID", retryable("alter")],
    ["GROUP_SUBSCRIBED_TO_TOPIC", retryable("alter")],
    ["GROUP_ID_NOT_FOUND", "Failed to alter consumer group offsets for connector k"],
  ])("refused with %s: Connect's answer, logged at ERROR with the broker's reason", async (kafkaError, message) => {
    const { lines, log } = capture();
    const altered = alterSinkGroupOffsets(
      "k",
      "connect-k",
      await admin(new MemoryKafka(), kafkaError),
      [{ topic: "in", partition: 0, offset: 1 }],
      [],
      log,
    );
    await expect(altered).rejects.toThrow(new ConnectError(message));
    expect(lines.map((l) => l.includes(`ERROR ${message}`) && l.includes(`refused: ${kafkaError}`))).toEqual([true]);
  });
});
