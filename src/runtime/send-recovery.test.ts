import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { RecordRejection } from "../api/connector.ts";
import type { SourceRecord } from "../api/record.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import type { KafkaProducer, ProducedMetadata } from "../kafka/kafka-port.ts";
import { markNeverSent, markRefused, NotSentError, withKafkaError } from "../kafka/send-rejection.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { SendRecovery, type SendRecoveryOptions } from "./send-recovery.ts";
import { outgoing, taskBasics } from "./task-test-support.ts";
import { TopicCreationError } from "./topic-creation.ts";

const decode = (b: Uint8Array | null) => new TextDecoder().decode(b!);

const meta = (offset: number): ProducedMetadata => ({ topic: "t", partition: 0, offset, timestamp: 1 });

/**
 * A producer that writes to one log, refuses a send holding "BAD" (INVALID_RECORD, going on), fails the next
 * `unreachable` sends retriably and the next `partly` sends retriably after writing their first record
 * (PartlyWritten); a recovery over it with a clock the test drives and a stop signal (`stop`).
 */
function recoveryOver(o: { unreachable?: number; partly?: number; rejectsRecords?: boolean } = {}) {
  const log: string[] = [];
  const sends: string[][] = [];
  const failedSends: KafkaProducer[] = [];
  const failures = { unreachable: o.unreachable ?? 0, partly: o.partly ?? 0 };
  const producer: KafkaProducer = {
    failed: false,
    close: async () => {},
    async send(records) {
      const values = records.map((r) => decode(r.value));
      sends.push(values);
      if (failures.unreachable-- > 0) throw new RetriableError("Connection refused");
      if (failures.partly-- > 0) {
        log.push(values[0]!);
        const written = values.map((_, i) => (i === 0 ? meta(log.length - 1) : null));
        throw Object.assign(new RetriableError("NOT_ENOUGH_REPLICAS"), { written });
      }
      if (values.includes("BAD"))
        throw withKafkaError(new ConnectError("Kafka rejected: INVALID_RECORD"), "INVALID_RECORD");
      log.push(...values);
      return values.map((_, i) => meta(log.length - values.length + i));
    },
  };
  const clock = new ManualClock();
  const basics = taskBasics("none");
  const rejections = new Map<SourceRecord, RecordRejection>();
  const stop = new AbortController();
  const lines: string[] = [];
  /** The producer to send with; none once stopping (`SendRecoveryOptions.producerFor`). A test may replace it. */
  const hooks: { producerFor: SendRecoveryOptions["producerFor"] } = {
    producerFor: async () => (stop.signal.aborted ? undefined : producer),
  };
  const recovery = new SendRecovery({
    ...basics,
    log: new LogManager({ sink: (line) => void lines.push(line) }).get("test"),
    clock,
    rejectsRecords: o.rejectsRecords ?? true,
    rejections,
    stopSignal: () => stop.signal,
    producerFor: (records) => hooks.producerFor(records),
    sendFailed: (p) => void failedSends.push(p),
  });
  return { recovery, log, sends, failedSends, clock, rejections, stop, hooks, lines };
}

const offsets = (metadata: readonly (ProducedMetadata | null)[]) => metadata.map((m) => m?.offset ?? null);

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
    const recovered = r.recovery.recover([outgoing("t", "A")], new RetriableError("Connection refused"));
    for (let i = 0; i <= unreachable; i++) {
      await waitFor(() => r.sends.length === i && r.clock.pending === 1, { what: `backoff ${i + 1}`, intervalMs: 1 });
      r.clock.advanceToNext();
    }
    expect(offsets((await recovered).metadata)).toEqual([0]);
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

describe("SendRecovery failed for good before any attempt reached a broker (the producer refused: SASL)", () => {
  const refused = () => markNeverSent(new ConnectError("SaslAuthenticationException: authentication failed"));

  test.each([
    ["one record", ["A"]],
    ["records sent one by one", ["A", "B", "C"]],
  ])("%s: the failure says the records never reached a broker", async (_what, values) => {
    const r = recoveryOver();
    r.hooks.producerFor = async () => ({
      failed: true,
      close: async () => {},
      send: async () => {
        throw refused();
      },
    });
    const outcome = await r.recovery.recover(
      values.map((v) => outgoing("t", v)),
      refused(),
    );
    expect(outcome).toEqual({ metadata: [], failure: { error: expect.any(Error) }, unwritten: true });
  });

  test("one record whose own attempts may have reached a broker: the failure does not say never sent", async () => {
    const r = recoveryOver({ rejectsRecords: false });
    const refusal = new ConnectError("The broker closed the connection");
    r.hooks.producerFor = async () => ({
      failed: false,
      close: async () => {},
      send: async () => {
        throw refusal;
      },
    });
    const outcome = await r.recovery.recover(
      ["A", "B"].map((v) => outgoing("t", v)),
      refused(),
    );
    expect(outcome.failure).toBeDefined();
    expect(outcome.unwritten).toBeUndefined();
  });
});

describe("SendRecovery failed for good because the broker refused the records (the port's refused: an ACL)", () => {
  const denied = () =>
    markRefused(new ConnectError("TopicAuthorizationException: Not authorized to access topics: [t]"));
  const producerThrowing = (error: () => Error) => async () => ({
    failed: false,
    close: async () => {},
    send: async (): Promise<never> => {
      throw error();
    },
  });

  test.each([
    ["one record", ["A"]],
    ["records sent one by one", ["A", "B", "C"]],
  ])("%s: the failure says the records are not written", async (_what, values) => {
    const r = recoveryOver({ rejectsRecords: true });
    r.hooks.producerFor = producerThrowing(denied);
    const outcome = await r.recovery.recover(
      values.map((v) => outgoing("t", v)),
      denied(),
    );
    expect(outcome).toEqual({ metadata: [], failure: { error: expect.any(Error) }, unwritten: true });
  });

  test("a request to two topics, one refused (written: B of the other): the failure does not say unwritten, B is written (review 14)", async () => {
    const r = recoveryOver({ rejectsRecords: true });
    r.hooks.producerFor = producerThrowing(denied);
    const partly = Object.assign(denied(), { written: [null, meta(0), null] });
    const outcome = await r.recovery.recover([outgoing("t", "A"), outgoing("u", "B"), outgoing("t", "C")], partly);
    expect(outcome.failure).toBeDefined();
    expect(outcome.metadata).toEqual([]);
    // B (after the failed A) was written: "not written" is no claim to make of the records after A.
    expect(outcome.unwritten).toBeUndefined();
  });

  test("refused alone after an attempt at the request that may have written it: the failure does not say unwritten", async () => {
    const r = recoveryOver({ rejectsRecords: true });
    r.hooks.producerFor = producerThrowing(denied);
    const outcome = await r.recovery.recover(
      ["A", "B"].map((v) => outgoing("t", v)),
      new ConnectError("Expiring 2 record(s) for t-0"),
    );
    expect(outcome.failure).toBeDefined();
    expect(outcome.unwritten).toBeUndefined();
  });
});

describe("SendRecovery cut short by a stop (notsent-503)", () => {
  const never = markNeverSent(new RetriableError("The task is stopping"));

  test("an attempt that never reached a broker, and no send since: the records are given up as never sent", async () => {
    const r = recoveryOver();
    r.stop.abort();
    const outcome = await r.recovery.recover([outgoing("t", "A")], never);
    expect(outcome).toEqual({ metadata: [], unwritten: true });
    expect(r.sends).toEqual([]);
  });

  test("an attempt that may have reached a broker: given up without saying never sent", async () => {
    const r = recoveryOver();
    r.stop.abort();
    expect(await r.recovery.recover([outgoing("t", "A")], new RetriableError("Request timed out"))).toEqual({
      metadata: [],
    });
  });

  test("a retry that may have reached a broker before the stop: given up without saying never sent", async () => {
    const r = recoveryOver({ unreachable: 1 });
    const recovered = r.recovery.recover([outgoing("t", "A")], never);
    await waitFor(() => r.clock.pending === 1, { what: "the backoff after the attempt" });
    r.clock.advanceToNext();
    await waitFor(() => r.sends.length === 1 && r.clock.pending === 1, { what: "the retry's backoff" });
    r.stop.abort();
    expect(await recovered).toEqual({ metadata: [] });
  });

  test("retries that never reached a broker either (the port's neverSent): given up as never sent", async () => {
    const r = recoveryOver();
    let sends = 0;
    r.hooks.producerFor = async () => ({
      failed: true,
      close: async () => {},
      send: async () => {
        sends++;
        throw markNeverSent(new NotSentError("The producer failed earlier"));
      },
    });
    const recovered = r.recovery.recover([outgoing("t", "A")], never);
    await waitFor(() => r.clock.pending === 1, { what: "the backoff after the attempt" });
    r.clock.advanceToNext();
    await waitFor(() => sends === 1 && r.clock.pending === 1, { what: "the retry's backoff" });
    r.stop.abort();
    expect(await recovered).toEqual({ metadata: [], unwritten: true });
  });
});
