/**
 * A FileStreamSink on a gateway reading a topic of a test's own cluster (own-cluster.ts) in a group the test chose,
 * with an idempotent producer writing to that topic, for the tests that stop and kill brokers under a sink: each phase
 * sends records and waits until the sink delivered every record sent so far, its task RUNNING throughout.
 * `await using` disconnects the producer.
 */
import { expect } from "bun:test";
import { fileLines } from "./broker-kill.ts";
import { type Gateway, taskState } from "./gateway.ts";
import type { OwnCluster } from "./own-cluster.ts";
import { waitFor } from "./wait-for.ts";

export interface DeliveringSink extends AsyncDisposable {
  /**
   * Sends 30 records valued `${phase}/n` and waits until the sink's file holds every record sent so far, or its task
   * is no longer RUNNING (which fails the test).
   */
  sendAndDeliver(phase: string): Promise<void>;
  /** How many times the sink's consumer joined its group (its `Successfully joined group` lines). */
  joins(): number;
  /** How many records the phases sent. */
  sent(): number;
}

export interface DeliveringSinkOptions {
  /** The connector's name. */
  name: string;
  topic: string;
  /** Its consumer's group (consumer.override.group.id): groupCoordinatedBy picks one a node coordinates. */
  groupId: string;
  /** The file the sink writes. */
  output: string;
  /** The partition of the phase's record n; unset: the producer's partitioner picks (keyless records). */
  partitionOf?: (n: number) => number;
}

const RECORDS_PER_PHASE = 30;

/** Creates the sink connector on `gw` and connects a producer to `cluster`. */
export async function deliveringSink(
  gw: Gateway,
  cluster: OwnCluster,
  { name, topic, groupId, output, partitionOf }: DeliveringSinkOptions,
): Promise<DeliveringSink> {
  const created = await gw.rest.post("/connectors", {
    name,
    config: {
      "connector.class": "FileStreamSink",
      topics: topic,
      file: output,
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      "consumer.override.group.id": groupId,
    },
  });
  expect(created.status).toBe(201);
  // Idempotent: a send retried while leadership moves writes its records once.
  const producer = cluster.client().producer({ idempotent: true });
  await producer.connect();
  let sent = 0;
  return {
    async sendAndDeliver(phase) {
      const values = Array.from({ length: RECORDS_PER_PHASE }, (_, n) => `${phase}/${n}`);
      await producer.send({ topic, messages: values.map((value, n) => ({ value, partition: partitionOf?.(n) })) });
      sent += values.length;
      await waitFor(async () => (await taskState(gw, name)) !== "RUNNING" || fileLines(output).length >= sent, {
        timeoutMs: 60_000,
        what: `the ${phase} records delivered`,
      });
      expect(await taskState(gw, name)).toBe("RUNNING");
    },
    sent: () => sent,
    joins: () => gw.output().split(`groupId=${groupId}] Successfully joined group`).length - 1,
    [Symbol.asyncDispose]: () => producer.disconnect(),
  };
}
