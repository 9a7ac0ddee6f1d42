/**
 * KafkajsProducer over a fake kafkajs producer: its claim that the broker refused a send unwritten (the port's refused)
 * made only when the refusal was the send's only Produce answer and no Produce request of it timed out (review 14:
 * it was made for any refusal of a send to one topic, also after kafkajs had retried a timed-out request, or written
 * one broker's partitions before another broker refused the rest), its headers, forceClose, delivery.timeout.ms and a
 * send it holds. What a send that fails wrote: send-outcome.test.ts.
 */
import { describe, expect, jest, test } from "bun:test";
import { KafkaJSProtocolError, type Producer } from "kafkajs";
import { settled, waitFor } from "../../../test/support/wait-for.ts";
import { isRetriable, type JavaException } from "../../errors.ts";
import { LogManager } from "../../util/logger.ts";
import type { ProducerRecord } from "../kafka-port.ts";
import { RETRY_GRACE_MS } from "../retry-grace.ts";
import { neverSent, refused, unwritten } from "../send-rejection.ts";
import { PARTITION } from "./partitioner.ts";
import { KafkajsProducer } from "./producer.ts";
import { EVENTS, record, SETTINGS } from "./producer-test-support.ts";

/** A kafkajs producer whose sendBatch emits `events` (instrumentation event name, apiName) and then rejects as denied. */
function deniedAfter(events: readonly [keyof typeof EVENTS, string][]): Producer {
  const listeners = new Map<string, ((e: { payload: { apiName: string } }) => void)[]>();
  return {
    events: EVENTS,
    on(name: string, listener: (e: { payload: { apiName: string } }) => void) {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      return () => undefined;
    },
    async sendBatch() {
      for (const [event, apiName] of events)
        for (const l of listeners.get(EVENTS[event]) ?? []) l({ payload: { apiName } });
      const denied = new KafkaJSProtocolError("Not authorized to access topics: [Topic authorization failed]" as never);
      throw Object.assign(denied, { type: "TOPIC_AUTHORIZATION_FAILED", retriable: false });
    },
  } as unknown as Producer;
}

async function rejection(producer: Producer, records: ProducerRecord[]): Promise<unknown> {
  return new KafkajsProducer(producer, SETTINGS).send(records).then(
    () => {
      throw new Error("the send succeeded");
    },
    (error: unknown) => error,
  );
}

describe("kafkajs: a send to one topic the broker refuses the principal", () => {
  test("refused in its only Produce request: certainly unwritten", async () => {
    const error = await rejection(
      deniedAfter([
        ["REQUEST", "Metadata"],
        ["REQUEST", "Produce"],
      ]),
      [record("t")],
    );
    expect(refused(error)).toBe(true);
  });

  test("refused after an earlier Produce request of it timed out (kafkajs retried it): may have been written", async () => {
    const error = await rejection(
      deniedAfter([
        ["REQUEST_TIMEOUT", "Produce"],
        ["REQUEST", "Produce"],
      ]),
      [record("t")],
    );
    expect(unwritten(error)).toBe(false);
  });

  test("refused by one broker after another answered its partitions (written): may have been written", async () => {
    const error = await rejection(
      deniedAfter([
        ["REQUEST", "Produce"],
        ["REQUEST", "Produce"],
      ]),
      [record("t")],
    );
    expect(unwritten(error)).toBe(false);
  });

  test("a send to several topics is never claimed unwritten", async () => {
    const error = await rejection(deniedAfter([["REQUEST", "Produce"]]), [record("t"), record("u")]);
    expect(unwritten(error)).toBe(false);
  });
});

describe("kafkajs: record headers", () => {
  test("every header reaches kafkajs in its order (a list: __proto__, constructor and repeated names as any other)", async () => {
    let sent: { topicMessages: { messages: { headers?: { key: string; value: Buffer | null }[] }[] }[] } | undefined;
    const producer = {
      events: EVENTS,
      on: () => () => undefined,
      async sendBatch(batch: typeof sent) {
        sent = batch;
        return [{ topicName: "t", partition: 0, errorCode: 0, baseOffset: "0", logAppendTime: "-1" }];
      },
    } as unknown as Producer;
    const bytes = (s: string) => new TextEncoder().encode(s);
    const headers = [
      { key: "x", value: bytes("1") },
      { key: "__proto__", value: bytes("a") },
      { key: "constructor", value: null },
      { key: "x", value: bytes("2") },
    ];
    await new KafkajsProducer(producer, SETTINGS).send([{ ...record("t"), headers }]).catch(() => undefined);
    const got = sent!.topicMessages[0]!.messages[0]!.headers!;
    expect(got.map((h) => [h.key, h.value === null ? null : String(h.value)])).toEqual([
      ["x", "1"],
      ["__proto__", "a"],
      ["constructor", null],
      ["x", "2"],
    ]);
    expect(got.every((h) => h.value === null || Buffer.isBuffer(h.value))).toBe(true);
  });
});

describe("kafkajs: forceClose (Java's close(Duration.ZERO), an abandoned source task's: explore23 F1)", () => {
  test("the send under way rejects at once (may be written), the one queued behind it never reaches kafkajs; kafkajs disconnects once", async () => {
    const batches: unknown[] = [];
    let disconnects = 0;
    const stuck = {
      events: EVENTS,
      on: () => () => undefined,
      sendBatch: (batch: unknown) => {
        batches.push(batch);
        return new Promise(() => undefined); // kafkajs retrying while Kafka is unreachable
      },
      disconnect: async () => {
        disconnects++;
      },
    } as unknown as Producer;
    const producer = new KafkajsProducer(stuck, SETTINGS);
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => "written",
        (e: Error) => e,
      );
    const first = outcome(producer.send([record("t")]));
    const second = outcome(producer.send([record("t")]));
    await waitFor(() => batches.length === 1, { what: "the first send handed to kafkajs" });
    producer.forceClose();
    const [a, b] = await settled(Promise.all([first, second]), { what: "both sends settled" });
    const forced = "The producer was closed forcefully before the records were acknowledged";
    expect([String(a), neverSent(a), neverSent(b), String(b)]).toEqual([
      `ConnectError: ${forced}`,
      false,
      true,
      `NotSentError: Not sent: the producer failed earlier (${forced})`,
    ]);
    expect(neverSent(await outcome(producer.send([record("t")])))).toBe(true);
    await producer.close();
    expect([batches.length, disconnects]).toEqual([1, 1]);
  });

  test("after a close(): kafkajs disconnects again once its connections are refused (its retries may have connected since)", async () => {
    let refusals = 0;
    const disconnects: number[] = [];
    const kafkajs = {
      events: EVENTS,
      on: () => () => undefined,
      disconnect: async () => {
        disconnects.push(refusals);
      },
    } as unknown as Producer;
    const producer = new KafkajsProducer(kafkajs, SETTINGS, () => refusals++);
    await producer.close();
    producer.forceClose();
    await producer.close();
    expect(disconnects).toEqual([0, 1]);
  });
});

describe("kafkajs: delivery.timeout.ms (explore31 F1: kafkajs retries a send until it runs out)", () => {
  test("a send kafkajs still retries then rejects retriable, perhaps written; its connections refused, kafkajs disconnected, later sends never sent", async () => {
    let disconnects = 0;
    let refusals = 0;
    const retrying = {
      events: EVENTS,
      on: () => () => undefined,
      // kafkajs retrying while the broker does not answer, its partitioner having placed t's record on 3, u's on 0
      sendBatch: ({ topicMessages }: { topicMessages: { topic: string; messages: Record<symbol, number>[] }[] }) => {
        for (const { topic, messages } of topicMessages) for (const m of messages) m[PARTITION] = topic === "t" ? 3 : 0;
        return new Promise(() => undefined);
      },
      disconnect: async () => {
        disconnects++;
      },
    } as unknown as Producer;
    const producer = new KafkajsProducer(retrying, { ...SETTINGS, deliveryTimeoutMs: 50 }, () => refusals++);
    const error = await settled(
      producer.send([record("t"), record("u")]).catch((e: Error) => e),
      { what: "the send given up" },
    );
    const cause = (error as Error).cause as JavaException;
    expect([String(error), cause.javaClass, cause.message, isRetriable(error), unwritten(error)]).toEqual([
      "RetriableError: Failed to send records to Kafka: delivery.timeout.ms elapsed",
      "org.apache.kafka.common.errors.TimeoutException",
      "Expiring 2 record(s) for t-3, u-0:50 ms has passed since batch creation. The request has not been sent, or no server response has been received yet.",
      true,
      false,
    ]);
    expect(neverSent(await producer.send([record("t")]).catch((e: Error) => e))).toBe(true);
    expect([refusals, disconnects]).toEqual([1, 1]);
  });
});

describe("kafkajs: a send its producer holds (p3g: the gateway said nothing while kafkajs retried it)", () => {
  test("retryFailure and one WARN once unsettled RETRY_GRACE_MS, none before, cleared when it settles", async () => {
    jest.useFakeTimers();
    try {
      const answer = Promise.withResolvers<{ topicName: string; partition: number; errorCode: number }[]>();
      const handed = Promise.withResolvers<void>();
      const holding = {
        events: EVENTS,
        on: () => () => undefined,
        // kafkajs retrying the send while the broker does not answer, its partitioner having placed the record on 0
        sendBatch: ({ topicMessages }: { topicMessages: { messages: Record<symbol, number>[] }[] }) => {
          for (const { messages } of topicMessages) for (const m of messages) m[PARTITION] = 0;
          handed.resolve();
          return answer.promise;
        },
      } as unknown as Producer;
      const lines: string[] = [];
      const log = new LogManager({ sink: (line) => lines.push(line) }).get("org.apache.kafka.clients");
      const producer = new KafkajsProducer(holding, SETTINGS, undefined, log);
      const sent = producer.send([record("t"), record("t")]);
      await handed.promise; // waitFor's polling timer is faked here
      jest.advanceTimersByTime(RETRY_GRACE_MS - 1);
      expect([producer.retryFailure, lines]).toEqual([undefined, []]);
      jest.advanceTimersByTime(1);
      const failure = producer.retryFailure;
      expect([String(failure), isRetriable(failure)]).toEqual([
        "RetriableError: Kafka has not acknowledged a send of 2 records within 5 s",
        true,
      ]);
      jest.advanceTimersByTime(RETRY_GRACE_MS * 3);
      expect(lines.map((l) => l.replace(/^\[[^\]]*\] /, ""))).toEqual([
        "WARN Kafka has not acknowledged a send of 2 records within 5 s; the producer retries it until delivery.timeout.ms (120000 ms) (org.apache.kafka.clients)",
      ]);
      answer.resolve([{ topicName: "t", partition: 0, errorCode: 0 }]);
      await sent;
      expect(producer.retryFailure).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });
});
