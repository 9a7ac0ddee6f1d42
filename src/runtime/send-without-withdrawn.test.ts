import { describe, expect, test } from "bun:test";
import { RetriableError } from "../errors.ts";
import type { KafkaProducer, ProducedMetadata, ProducerRecord } from "../kafka/kafka-port.ts";
import { writtenRecords } from "../kafka/send-rejection.ts";
import { sendWithoutWithdrawn } from "./send-without-withdrawn.ts";
import { outgoing } from "./task-test-support.ts";

const meta = (offset: number): ProducedMetadata => ({ topic: "t", partition: 0, offset, timestamp: 1 });
const decode = (r: ProducerRecord) => new TextDecoder().decode(r.value!);

/** A producer that tells its first record written (onWritten), then writes all, or rejects listing only that one. */
function producer(fail: boolean) {
  const sent: string[][] = [];
  const p: KafkaProducer = {
    failed: false,
    close: async () => {},
    async send(records, options) {
      sent.push(records.map(decode));
      options?.onWritten?.(Int32Array.of(0), [meta(10)]);
      if (fail) {
        const written = records.map((_, i) => (i === 0 ? meta(10) : null));
        throw Object.assign(new RetriableError("NOT_ENOUGH_REPLICAS"), { written });
      }
      return records.map((_, i) => meta(10 + i));
    },
  };
  return { p, sent };
}

const records = ["A", "B", "C"].map((v) => outgoing("t", v).produced);

describe("sendWithoutWithdrawn", () => {
  test("only the live records are sent; metadata, onWritten and the result are told at the request's indexes", async () => {
    const { p, sent } = producer(false);
    const told: [number[], number[]][] = [];
    const result = await sendWithoutWithdrawn(p, records, [1, 2], {
      onWritten: (indexes, metadata) => told.push([[...indexes], metadata.map((m) => m.offset)]),
    });
    expect(sent).toEqual([["B", "C"]]);
    expect(told).toEqual([[[1], [10]]]);
    expect(result.map((m) => m?.offset ?? null)).toEqual([null, 10, 11]);
  });

  test("a rejection listing records written lists them at the request's indexes, the withdrawn one not written", async () => {
    const { p } = producer(true);
    const error = await sendWithoutWithdrawn(p, records, [1, 2]).catch((e: unknown) => e);
    expect(writtenRecords(error)?.map((m) => m?.offset ?? null)).toEqual([null, 10, null]);
  });

  test("every record withdrawn: nothing is sent", async () => {
    const { p, sent } = producer(false);
    expect(await sendWithoutWithdrawn(p, records, [])).toEqual([null, null, null]);
    expect(sent).toEqual([]);
  });
});
