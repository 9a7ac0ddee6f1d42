/**
 * The dead letter queue part of test/broker-kill-connectors.test.ts (the same own broker and kills
 * as the other connectors): a FileStreamSink whose JsonConverter refuses every record of its topic
 * (`errors.tolerance=all`, a DLQ), a writer that keeps producing such poison records through the
 * outages, and the check that every poison record below the committed offset is in the DLQ.
 */
import { expect } from "bun:test";
import { quickProducer } from "./broker-kill.ts";
import { committedOffsets, type OwnBroker, readOwnTopic, topicEnd } from "./own-broker.ts";
import { waitFor } from "./wait-for.ts";

/** The poisoned sink's connector name (its group is `connect-poisoned`). */
export const POISONED = "poisoned";

export interface PoisonFlow {
  /** The poisoned sink's connector config. */
  readonly config: Record<string, string>;
  /** Poison records the writer got acknowledged so far. */
  readonly produced: number;
  /** The DLQ's record count (0 while the gateway has not created it, or the broker is gone). */
  dlqSize(): Promise<number>;
  /** Stops the writer (idempotent). */
  stop(): Promise<void>;
  /** Stops the writer, waits until the group committed to the topic's end, and checks the DLQ. */
  finish(): Promise<void>;
}

/**
 * Starts the poison writer on `topic` (one partition, created by the caller); `file` is the sink's
 * output. The writer sends 5 records each time `paced` resolves (the test's feed: 100 a second),
 * so the flow lasts through the outages without loading the broker the other connectors share.
 */
export async function startPoisonFlow(
  kafka: OwnBroker,
  topic: string,
  file: string,
  paced: () => Promise<void>,
): Promise<PoisonFlow> {
  const dlq = `${topic}-dlq`;
  const config = {
    "connector.class": "FileStreamSink",
    file,
    topics: topic,
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
    "errors.tolerance": "all",
    "errors.deadletterqueue.topic.name": dlq,
    "errors.deadletterqueue.topic.replication.factor": "1",
  };
  const producer = await quickProducer(kafka, "broker-kill-dlq-writer");
  let produced = 0;
  let writing = true;
  const writer = (async () => {
    while (writing) {
      await paced();
      const values = Array.from({ length: 5 }, (_, i) => `not json ${produced + i}`);
      try {
        await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
        produced += values.length;
      } catch {
        // the broker is gone: the same values again, after a backoff (failing at once, a send loop
        // would spin in microtasks and starve every timer)
        await new Promise((retry) => setTimeout(retry, 50));
      }
    }
  })();
  let stopped: Promise<void> | undefined;
  const stop = () => {
    writing = false;
    stopped ??= writer.then(() => producer.disconnect());
    return stopped;
  };
  return {
    config,
    get produced() {
      return produced;
    },
    dlqSize: () => topicEnd(kafka, dlq).catch(() => 0),
    stop,
    async finish() {
      await stop();
      const end = await topicEnd(kafka, topic);
      await waitFor(async () => (await committedOffsets(kafka, `connect-${POISONED}`, topic)).get(0) === end, {
        what: "the poisoned sink's group committed to the end",
        timeoutMs: 60_000,
      });
      const inDlq = new Set((await readOwnTopic(kafka, dlq)).map((r) => r.value));
      const values = new Set((await readOwnTopic(kafka, topic)).map((r) => r.value));
      const lost = [...values].filter((v) => !inDlq.has(v));
      console.log(
        `DLQ across broker kill -9: ${values.size} poison records, ${inDlq.size} in the DLQ, ${lost.length} missing`,
      );
      expect(lost).toEqual([]);
    },
  };
}
