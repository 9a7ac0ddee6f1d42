// kafkajs: a send refused in part in its only Produce answer claims written only the records whose partition answered 0
// (partlyRefused's guards, review-splitacl P2); anything else claims nothing.
import { expect, test } from "bun:test";
import type { Producer } from "kafkajs";
import * as v7 from "kafkajs/src/protocol/requests/produce/v7/response";
import type { ProducerRecord } from "../kafka-port.ts";
import { refused, writtenRecords } from "../send-rejection.ts";
import { KafkajsProducer } from "./producer.ts";
import { EVENTS, SETTINGS } from "./producer-test-support.ts";

const parse = ((v7 as { default?: { parse: (d: unknown) => Promise<unknown> } }).default ?? v7).parse;

function answering(answer: unknown, answers = 1): Producer {
  const listeners = new Map<string, ((e: { payload: { apiName: string } }) => void)[]>();
  return {
    events: EVENTS,
    on(name: string, l: (e: { payload: { apiName: string } }) => void) {
      listeners.set(name, [...(listeners.get(name) ?? []), l]);
      return () => undefined;
    },
    async sendBatch() {
      for (let i = 0; i < answers; i++)
        for (const l of listeners.get(EVENTS.REQUEST) ?? []) l({ payload: { apiName: "Produce" } });
      await parse(answer); // throws, carrying the answer
      throw new Error("parse did not throw");
    },
  } as unknown as Producer;
}
const rec = (topic: string, partition: number): ProducerRecord => ({
  topic,
  partition,
  key: null,
  value: new Uint8Array([1]),
  headers: [],
  timestamp: 7,
});
const p = (partition: number, errorCode: number, baseOffset = "-1") => ({
  partition,
  errorCode,
  baseOffset,
  logAppendTime: "-1",
  logStartOffset: "0",
});
const send = async (answer: unknown, records: ProducerRecord[], answers = 1) => {
  const producer = new KafkajsProducer(answering(answer, answers), { ...SETTINGS, idempotent: false });
  return (await producer.send(records).catch((e) => e)) as Error;
};

test("refused topic + written topic: refused, written listed with offsets", async () => {
  const e = await send(
    {
      topics: [
        { topicName: "a", partitions: [p(0, 29)] },
        { topicName: "b", partitions: [p(0, 0, "5")] },
      ],
    },
    [rec("a", 0), rec("b", 0), rec("b", 0)],
  );
  expect(refused(e)).toBe(true);
  expect(writtenRecords(e)).toEqual([
    null,
    { topic: "b", partition: 0, offset: 5, timestamp: 7 },
    { topic: "b", partition: 0, offset: 6, timestamp: 7 },
  ]);
});

for (const code of [6, 7, 19, 20, 46]) {
  test(`a partition of the written topic answered ${code}: nothing claimed`, async () => {
    const e = await send(
      {
        topics: [
          { topicName: "a", partitions: [p(0, 29)] },
          { topicName: "b", partitions: [p(0, 0, "5"), p(1, code)] },
        ],
      },
      [rec("a", 0), rec("b", 0), rec("b", 1)],
    );
    expect(refused(e)).toBe(false);
    expect(writtenRecords(e)).toBeUndefined();
  });
}

test("a partition missing from the answer (another broker's): nothing claimed", async () => {
  const e = await send(
    {
      topics: [
        { topicName: "a", partitions: [p(0, 29)] },
        { topicName: "b", partitions: [p(0, 0, "5")] },
      ],
    },
    [rec("a", 0), rec("b", 1)],
  );
  expect(refused(e)).toBe(false);
  expect(writtenRecords(e)).toBeUndefined();
});

test("two Produce answers: nothing claimed", async () => {
  const e = await send(
    {
      topics: [
        { topicName: "a", partitions: [p(0, 29)] },
        { topicName: "b", partitions: [p(0, 0, "5")] },
      ],
    },
    [rec("a", 0), rec("b", 0)],
    2,
  );
  expect(refused(e)).toBe(false);
  expect(writtenRecords(e)).toBeUndefined();
});
