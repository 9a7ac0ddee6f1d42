/**
 * SendRecovery recovering a failed send: retries with backoff while Kafka is unreachable, only the
 * unwritten records of a partly written request again, a refused record rejected alone. Failures
 * for good and stops are in send-recovery-failures.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import { NotSentError, withKafkaError } from "../kafka/send-rejection.ts";
import { meta, offsets, recoveryOver } from "./send-recovery-test-support.ts";
import { outgoing } from "./task-test-support.ts";
import { TopicCreationError } from "./topic-creation.ts";

describe("SendRecovery", () => {
  test("a request refused for good: the records a rejection lists as written are not sent again, the rest go one by one, the culprit is rejected alone", async () => {
    const r = recoveryOver();
    r.log.push("A"); // written by the failed attempt
    const written = [meta(0), null, null];
    const refused = Object.assign(withKafkaError(new ConnectError("INVALID_RECORD"), "INVALID_RECORD"), { written });
    const chunk = ["A", "BAD", "C"].map((v) => outgoing("t", v));
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
    const r = recoveryOver({ unreachable: 1 });
    const recovered = r.recovery.recover(
      ["A", "B"].map((v) => outgoing("t", v)),
      new RetriableError("Connection refused"),
    );
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

  test("Kafka unreachable for long: the first warning carries the trace, each retry after it one line", async () => {
    const r = recoveryOver({ unreachable: 3 });
    const recovered = r.recovery.recover(
      ["A", "B"].map((v) => outgoing("t", v)),
      new RetriableError("Connection refused"),
    );
    for (let i = 0; i <= 3; i++) {
      await waitFor(() => r.sends.length === i && r.clock.pending === 1, { what: `backoff ${i + 1}` });
      r.clock.advanceToNext();
    }
    expect(offsets((await recovered).metadata)).toEqual([0, 1]);
    expect(r.lines).toHaveLength(4);
    expect(r.lines[0]).toContain("Failed to send 2 records to Kafka, retrying");
    expect(r.lines[0]).toContain("\n    at ");
    for (const line of r.lines.slice(1)) {
      expect(line).toMatch(/Failed to send 2 records to Kafka, retrying in \d+ ms: Connection refused/);
      expect(line).not.toContain("\n");
    }
  });

  test("Kafka unreachable for minutes (soak, broker down): after the first warnings, one line a minute says how many attempts failed unlogged", async () => {
    // Retried every second at most, a warning per attempt was a line a second per source task for the whole
    // outage (bench/soak-outage.ts: ~40 KiB of log a minute with four source tasks).
    const unreachable = 150;
    const r = recoveryOver({ unreachable });
    r.log.push("A"); // written by the failed attempt: the recovery sends B alone, and says so at the end
    const partly = Object.assign(new RetriableError("Connection refused"), { written: [meta(0), null] });
    const recovered = r.recovery.recover(
      ["A", "B"].map((v) => outgoing("t", v)),
      partly,
    );
    for (let i = 0; i <= unreachable; i++) {
      await waitFor(() => r.sends.length === i && r.clock.pending === 1, { what: `backoff ${i + 1}`, intervalMs: 1 });
      r.clock.advanceToNext();
    }
    expect(offsets((await recovered).metadata)).toEqual([0, 1]);
    const elapsedMs = r.clock.sleeps.reduce((a, b) => a + b, 0);
    expect(elapsedMs).toBeGreaterThan(2 * 60_000);
    // Five in full, then at most one per minute of the outage, and one when Kafka answered again.
    const warnings = r.lines.filter((l) => l.includes("Failed to send 1 records to Kafka"));
    expect(warnings.length).toBeLessThanOrEqual(5 + Math.ceil(elapsedMs / 60_000));
    expect(warnings.length).toBeGreaterThan(5);
    expect(r.lines.at(-1)).toMatch(/INFO .*Sent 1 records to Kafka after retrying \(\d+ failed attempts? not logged\)/);
    const unlogged = r.lines.map((l) => Number(/\((\d+) failed attempts? not logged\)/.exec(l)?.[1] ?? 0));
    // Every failed attempt is either logged or counted in a later line.
    expect(warnings.length + unlogged.reduce((a, b) => a + b, 0)).toBe(unreachable + 1);
    for (const line of r.lines.slice(1)) expect(line).not.toContain("\n");
  });

  test("Kafka unreachable for long: the backoff grows to 1 s at most (Java's reconnect.backoff.max.ms), so a broker back is used within a second", async () => {
    const unreachable = 12;
    const r = recoveryOver({ unreachable });
    const recovered = r.recovery.recover([outgoing("t", "A")], new RetriableError("Connection refused"));
    for (let i = 0; i <= unreachable; i++) {
      await waitFor(() => r.sends.length === i && r.clock.pending === 1, { what: `backoff ${i + 1}` });
      r.clock.advanceToNext();
    }
    expect(offsets((await recovered).metadata)).toEqual([0]);
    expect(r.clock.sleeps).toHaveLength(unreachable + 1);
    // Jitter only shortens a delay (by up to 20 %): capped at 1 s, the last ones at 0.8-1 s.
    expect(Math.max(...r.clock.sleeps)).toBeLessThanOrEqual(1000);
    expect(r.clock.sleeps.at(-1)).toBeGreaterThanOrEqual(800);
  });

  test("a request only not sent because an earlier one failed goes again at once (no backoff of its own)", async () => {
    const r = recoveryOver();
    const outcome = await r.recovery.recover([outgoing("t", "A")], new NotSentError("An earlier send failed"));
    expect(offsets(outcome.metadata)).toEqual([0]);
    expect(r.clock.sleeps).toEqual([]);
  });

  test("a record refused alone that the task does not take as a rejection fails the request there", async () => {
    const r = recoveryOver({ rejectsRecords: false });
    const chunk = ["A", "BAD", "C"].map((v) => outgoing("t", v));
    const refused = withKafkaError(new ConnectError("INVALID_RECORD"), "INVALID_RECORD");
    const outcome = await r.recovery.recover(chunk, refused);
    expect(offsets(outcome.metadata)).toEqual([0]);
    expect(String(outcome.failure?.error)).toBe("ConnectError: Kafka rejected: INVALID_RECORD");
    expect(r.sends).toEqual([["A"], ["BAD"]]);
    expect(r.log).toEqual(["A"]);
    expect(r.rejections.size).toBe(0);
  });

  test("a retriable failure that wrote some records (PartlyWritten): only the others go again, also after a send again wrote some", async () => {
    const r = recoveryOver({ partly: 1 });
    r.log.push("A"); // written by the failed attempt
    const previous = Object.assign(new RetriableError("NOT_ENOUGH_REPLICAS"), { written: [meta(0), null, null] });
    const recovered = r.recovery.recover(
      ["A", "B", "C"].map((v) => outgoing("t", v)),
      previous,
    );
    await waitFor(() => r.clock.pending === 1, { what: "the backoff after the attempt" });
    r.clock.advanceToNext();
    await waitFor(() => r.sends.length === 1 && r.clock.pending === 1, { what: "the retry's backoff" });
    r.clock.advanceToNext();
    const outcome = await recovered;
    expect(offsets(outcome.metadata)).toEqual([0, 1, 2]);
    expect(outcome.failure).toBeUndefined();
    expect(r.sends).toEqual([["B", "C"], ["C"]]);
    expect(r.log).toEqual(["A", "B", "C"]);
    expect(r.failedSends).toHaveLength(1);
  });

  test.each([
    ["the backoff after the failed attempt", 0],
    ["a retry's backoff", 1],
  ])(
    "stopping in %s: the records written so far are the outcome, without a failure; nothing more is sent; not `retrying`",
    async (_what, unreachable) => {
      const r = recoveryOver({ unreachable });
      r.log.push("A"); // written by the failed attempt
      const previous = Object.assign(new RetriableError("Connection refused"), { written: [meta(0), null] });
      const recovered = r.recovery.recover(
        ["A", "B"].map((v) => outgoing("t", v)),
        previous,
      );
      for (let i = 0; i <= unreachable; i++) {
        await waitFor(() => r.sends.length === i && r.clock.pending === 1, { what: `backoff ${i + 1}` });
        if (i < unreachable) r.clock.advanceToNext();
      }
      expect(r.recovery.retrying).toBe(true);
      r.stop.abort();
      expect(await recovered).toEqual({ metadata: [meta(0)] });
      expect(r.sends).toEqual(unreachable === 0 ? [] : [["B"]]);
      expect(r.recovery.retrying).toBe(false);
      expect(r.rejections.size).toBe(0);
    },
  );

  test.each([
    ["with the failed attempt", true],
    ["when the request goes again", false],
  ])(
    "a topic that could not be created (%s) fails the request at its first unsent record; nothing is sent one by one",
    async (_what, atAttempt) => {
      const r = recoveryOver();
      const error = new TopicCreationError("Could not create topic t");
      if (!atAttempt) {
        // Only this once: a send one by one afterwards would find the topic (and go out).
        const { producerFor } = r.hooks;
        r.hooks.producerFor = async () => {
          r.hooks.producerFor = producerFor;
          throw error;
        };
      }
      const previous = atAttempt ? error : new NotSentError("An earlier send failed");
      const outcome = await r.recovery.recover(
        ["A", "B"].map((v) => outgoing("t", v)),
        previous,
      );
      expect(outcome).toEqual({ metadata: [], failure: { error } });
      expect(outcome.failure?.error).toBe(error);
      expect(r.sends).toEqual([]);
      expect(r.rejections.size).toBe(0);
      expect(r.recovery.retrying).toBe(false);
    },
  );
});
