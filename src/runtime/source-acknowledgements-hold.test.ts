import { expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { RecordMetadata } from "../api/connector.ts";
import { Schemas } from "../api/data/schema.ts";
import { type SourceRecord, sourceRecord } from "../api/record.ts";
import { RetriableError } from "../errors.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { markNeverSent } from "../kafka/send-rejection.ts";
import { type Deferred, deferred } from "../util/async.ts";
import { memorySourceTask, QueuedSource, stopAndAwait } from "./task-test-support.ts";

/** A QueuedSource whose commitRecords waits, for a batch whose first value is in `gates`, until its gate opens. */
class GatedCommits extends QueuedSource {
  readonly gates = new Map<string, Deferred<void>>();
  /** The first value of each batch commitRecords was called with, once called. */
  readonly asked: string[] = [];
  /** Per value committed, whether Kafka wrote it (metadata), in commit order. */
  readonly committed: [string, boolean][] = [];
  readonly notSentValues: string[] = [];
  async commitRecords(records: ReadonlyArray<SourceRecord>, metadata: ReadonlyArray<RecordMetadata | null>) {
    const first = records[0]!.value as string;
    this.asked.push(first);
    await this.gates.get(first)?.promise;
    for (let i = 0; i < records.length; i++) this.committed.push([records[i]!.value as string, metadata[i] !== null]);
  }
  notSent(records: ReadonlyArray<SourceRecord>): void {
    for (const r of records) this.notSentValues.push(r.value as string);
  }
  gate(value: string): Deferred<void> {
    const gate = deferred<void>();
    this.gates.set(value, gate);
    return gate;
  }
}

const rec = (value: string) => sourceRecord({ topic: "t", value, valueSchema: Schemas.STRING });

// k3stop's window (source-acknowledgements.ts): the stop's hold (SourceTaskContext.holdUnwrittenSend) asked only the
// sender, which forgets a batch once Kafka acknowledged it, before the acknowledgements hand it to commitRecords in
// poll order. A batch waiting behind an earlier batch's commitRecords was written and still the task's to answer, yet
// the hold said none of the task's unacknowledged records was: an ingest request answered 503 "not written" for it.
test("the stop's hold refuses while a batch Kafka wrote waits to be handed to commitRecords, and holds once all are", async () => {
  const kafka = new MemoryKafka();
  kafka.holdAcks();
  const plugin = new GatedCommits();
  // Each record its own produce request.
  const { task } = memorySourceTask({ plugin, taskClass: "test.GatedCommits", kafka, options: { maxRequestBytes: 1 } });
  const gateA = plugin.gate("A");
  const gateB = plugin.gate("B");
  task.start();
  plugin.queue.push([rec("A")]);
  await waitFor(() => kafka.heldSends === 1, { what: "A on the wire" });
  kafka.releaseAck(0);
  await waitFor(() => plugin.asked.length === 1, { what: "A's commitRecords called (waits for its gate)" });
  // B, then C: written while A's commitRecords waits; each waits its turn (C behind B when the chain takes both).
  plugin.queue.push([rec("B")]);
  await waitFor(() => kafka.heldSends === 2, { what: "B on the wire" });
  kafka.releaseAck(1);
  plugin.queue.push([rec("C")]);
  await waitFor(() => kafka.heldSends === 3, { what: "C on the wire" });
  kafka.releaseAck(2);
  plugin.queue.push([rec("D")]);
  await waitFor(() => kafka.heldSends === 4, { what: "D on the wire" });
  // D's request and every retry of it never reach a broker: the send being retried wrote nothing.
  kafka.failSends(...Array.from({ length: 100 }, () => markNeverSent(new RetriableError("connection refused"))));
  const sends = kafka.sends;
  kafka.failAck(3, markNeverSent(new RetriableError("no connection")));
  await waitFor(() => kafka.sends >= sends + 2, { what: "D retried" });
  expect(kafka.records("t").map((r) => r.value && new TextDecoder().decode(r.value))).toEqual(["A", "B", "C"]);
  const hold = plugin.context!.holdUnwrittenSend!;

  // B and C settled, waiting behind A's commitRecords.
  expect(hold()).toBe(false);
  // B's commitRecords under way and C taken to follow it: still not handed to the task.
  gateA.resolve();
  await waitFor(() => plugin.asked.length === 2, { what: "B's commitRecords called (waits for its gate)" });
  expect(hold()).toBe(false);
  // Everything Kafka wrote handed to the task: only D, which no attempt wrote, is left, and is held.
  gateB.resolve();
  await waitFor(() => plugin.committed.length === 3, { what: "B and C committed" });
  expect(hold()).toBe(true);

  await stopAndAwait(task);
  expect(plugin.committed).toEqual([
    ["A", true],
    ["B", true],
    ["C", true],
  ]);
  expect(plugin.notSentValues).toEqual(["D"]);
  expect(kafka.records("t")).toHaveLength(3);
});
