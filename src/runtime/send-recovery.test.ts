import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { RecordRejection } from "../api/connector.ts";
import { Schemas } from "../api/data/schema.ts";
import { type SourceRecord, sourceRecord } from "../api/record.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import { type KafkaProducer, NotSentError, type ProducedMetadata, withKafkaError } from "../kafka/kafka-port.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { SendRecovery } from "./send-recovery.ts";
import type { Outgoing } from "./source-task-sender.ts";
import { taskBasics } from "./task-test-support.ts";

const decode = (b: Uint8Array | null) => new TextDecoder().decode(b!);

function outgoing(value: string): Outgoing {
  const record = sourceRecord({
    topic: "t",
    value,
    valueSchema: Schemas.STRING,
    sourcePartition: { f: 1 },
    sourceOffset: { v: value },
  });
  return {
    record,
    produced: {
      topic: "t",
      partition: 0,
      key: null,
      value: new TextEncoder().encode(value),
      headers: [],
      timestamp: 1,
    },
  };
}

/**
 * A producer that writes to one log, refuses a send holding "BAD" (INVALID_RECORD, going on) and fails the next
 * `unreachable` sends retriably; a recovery over it with a clock the test drives.
 */
function recoveryOver(unreachable = 0, rejectsRecords = true) {
  const log: string[] = [];
  const sends: string[][] = [];
  const failedSends: KafkaProducer[] = [];
  const failures = { unreachable };
  const producer: KafkaProducer = {
    failed: false,
    close: async () => {},
    async send(records) {
      const values = records.map((r) => decode(r.value));
      sends.push(values);
      if (failures.unreachable-- > 0) throw new RetriableError("Connection refused");
      if (values.includes("BAD"))
        throw withKafkaError(new ConnectError("Kafka rejected: INVALID_RECORD"), "INVALID_RECORD");
      log.push(...values);
      return values.map((_, i) => ({ topic: "t", partition: 0, offset: log.length - values.length + i, timestamp: 1 }));
    },
  };
  const clock = new ManualClock();
  const basics = taskBasics("none");
  const rejections = new Map<SourceRecord, RecordRejection>();
  const recovery = new SendRecovery({
    ...basics,
    clock,
    rejectsRecords,
    rejections,
    stopSignal: () => new AbortController().signal,
    producerFor: async () => producer,
    sendFailed: (p) => void failedSends.push(p),
  });
  return { recovery, log, sends, failedSends, clock, rejections };
}

const offsets = (metadata: readonly (ProducedMetadata | null)[]) => metadata.map((m) => m?.offset ?? null);

describe("SendRecovery", () => {
  test("a request refused for good: the records a rejection lists as written are not sent again, the rest go one by one, the culprit is rejected alone", async () => {
    const r = recoveryOver();
    r.log.push("A"); // written by the failed attempt
    const written = [{ topic: "t", partition: 0, offset: 0, timestamp: 1 }, null, null];
    const refused = Object.assign(withKafkaError(new ConnectError("INVALID_RECORD"), "INVALID_RECORD"), { written });
    const chunk = ["A", "BAD", "C"].map(outgoing);
    const outcome = await r.recovery.recover(chunk, refused);
    expect(offsets(outcome.metadata)).toEqual([0, null, 1]);
    expect(outcome.failure).toBeUndefined();
    expect(r.sends).toEqual([["BAD"], ["C"]]);
    expect(r.log).toEqual(["A", "C"]);
    expect([...r.rejections.entries()].map(([record, rejection]) => [record.value, rejection.error])).toEqual([
      ["BAD", "INVALID_RECORD"],
    ]);
    expect(r.failedSends).toHaveLength(1);
  });

  test("Kafka unreachable: the request is retried after a backoff until it answers, `retrying` meanwhile", async () => {
    const r = recoveryOver(1);
    const recovered = r.recovery.recover(["A", "B"].map(outgoing), new RetriableError("Connection refused"));
    expect(r.recovery.retrying).toBe(true);
    await waitFor(() => r.clock.pending === 1, { what: "the backoff after the attempt" });
    r.clock.advanceToNext();
    await waitFor(() => r.sends.length === 1 && r.clock.pending === 1, { what: "the retry's backoff" });
    r.clock.advanceToNext();
    const outcome = await recovered;
    expect(offsets(outcome.metadata)).toEqual([0, 1]);
    expect(r.sends).toEqual([
      ["A", "B"],
      ["A", "B"],
    ]);
    expect(r.recovery.retrying).toBe(false);
  });

  test("a request only not sent because an earlier one failed goes again at once (no backoff of its own)", async () => {
    const r = recoveryOver();
    const outcome = await r.recovery.recover([outgoing("A")], new NotSentError("An earlier send failed"));
    expect(offsets(outcome.metadata)).toEqual([0]);
    expect(r.clock.sleeps).toEqual([]);
  });

  test("a record refused alone that the task does not take as a rejection fails the request there", async () => {
    const r = recoveryOver(0, false);
    const chunk = ["A", "BAD", "C"].map(outgoing);
    const refused = withKafkaError(new ConnectError("INVALID_RECORD"), "INVALID_RECORD");
    const outcome = await r.recovery.recover(chunk, refused);
    expect(offsets(outcome.metadata)).toEqual([0]);
    expect(String(outcome.failure?.error)).toBe("ConnectError: Kafka rejected: INVALID_RECORD");
    expect(r.sends).toEqual([["A"], ["BAD"]]);
    expect(r.log).toEqual(["A"]);
    expect(r.rejections.size).toBe(0);
  });
});
