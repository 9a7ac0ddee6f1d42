/**
 * For the tests of a consumer's reset out of range against the shared broker (test/kafkajs-out-of-range-reset-position,
 * test/out-of-range-reset-commit): a one-partition topic holding `before1` and `before2`, its group's offset committed
 * at 100, past the log end; the consumer properties resetting to latest; the lines the port logged; and the records
 * produced after the first reset, `after1` and `after2`, awaited as they are handed over (or a second reset).
 */
import { expect } from "bun:test";
import type { Admin } from "kafkajs";
import type { ConsumedRecord } from "../../src/kafka/kafka-port.ts";
import { createTopic, kafkaBroker, produce, testClient, uniqueTopic } from "./kafka.ts";
import { waitFor } from "./wait-for.ts";

const RESET = "Resetting offset for partition";

export interface OutOfRangeGroup extends AsyncDisposable {
  readonly topic: string;
  readonly groupId: string;
  /** A kafkajs admin client of the broker, connected. */
  readonly admin: Admin;
  /** The consumer's properties: the broker, `auto.offset.reset=latest`. */
  readonly properties: Record<string, string>;
  /** Every line the port logged (its LogManager's sink pushes here). */
  readonly lines: string[];
  /** The reset lines logged (`Resetting offset for partition … to position …`). */
  resets(): string[];
  /** Produces `after1` and `after2`, once the first reset (to offset 2) is logged. */
  sendAfterReset(): Promise<void>;
  /** The values of the records `received` once the two produced after the reset came, or a second reset. */
  handedOver(received: readonly ConsumedRecord[]): Promise<string[]>;
  /** Runs `body`; the last lines logged are printed when it throws. */
  logged(body: () => Promise<void>): Promise<void>;
}

export async function outOfRangeGroup(name: string): Promise<OutOfRangeGroup> {
  const info = await kafkaBroker();
  const topic = uniqueTopic(name);
  await createTopic(topic, 1);
  const admin = (await testClient()).admin();
  await admin.connect();
  const groupId = `group-${topic}`;
  const send = (...values: string[]) =>
    produce(
      topic,
      values.map((value) => ({ value, partition: 0 })),
    );
  await send("before1", "before2");
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "100" }] });
  const lines: string[] = [];
  const resets = () => lines.filter((line) => line.includes(RESET));
  return {
    topic,
    groupId,
    admin,
    properties: { "bootstrap.servers": info.bootstrap, "fetch.max.wait.ms": "500", "auto.offset.reset": "latest" },
    lines,
    resets,
    async sendAfterReset() {
      expect(resets()[0]).toContain("offset=2");
      await send("after1", "after2");
    },
    async handedOver(received) {
      await waitFor(() => received.length >= 2 || resets().length >= 2, {
        what: "the records produced after the reset, or a second reset",
        timeoutMs: 30_000,
      });
      return received.map((r) => new TextDecoder().decode(r.value!));
    },
    async logged(body) {
      try {
        await body();
      } catch (error) {
        console.error(lines.slice(-40).join("\n"));
        throw error;
      }
    },
    async [Symbol.asyncDispose]() {
      await admin.disconnect();
    },
  };
}
