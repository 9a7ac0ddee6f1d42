/**
 * SendRecovery failing for good (the producer refused before reaching a broker, the broker refused
 * the records) and cut short by a stop: whether its failure says the records were never written.
 * Recovery itself (retries, backoff, partial writes, rejections) is in send-recovery.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import { markNeverSent, markRefused, NotSentError } from "../kafka/send-rejection.ts";
import { meta, recoveryOver } from "./send-recovery-test-support.ts";
import { outgoing } from "./task-test-support.ts";

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

  test("a request to two topics, one refused (written: B of the other): the failure says A and C unwritten, B written (review 14, routedacl P3)", async () => {
    const r = recoveryOver({ rejectsRecords: true });
    r.hooks.producerFor = producerThrowing(denied);
    const partly = Object.assign(denied(), { written: [null, meta(0), null] });
    const outcome = await r.recovery.recover([outgoing("t", "A"), outgoing("u", "B"), outgoing("t", "C")], partly);
    expect(outcome.failure).toBeDefined();
    expect(outcome.metadata).toEqual([]);
    // B (after the failed A) was written: listed so, "not written" is said of the others only.
    expect(outcome.written).toEqual([undefined, meta(0), undefined]);
    expect(outcome.unwritten).toBe(true);
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

describe("SendRecovery failing for good after a long outage", () => {
  test("the last line says how many failed attempts were not logged (every attempt logged or counted)", async () => {
    const unreachable = 150;
    const r = recoveryOver({ unreachable, rejectsRecords: false });
    const recovered = r.recovery.recover([outgoing("t", "BAD")], new RetriableError("Connection refused"));
    for (let i = 0; i <= unreachable; i++) {
      await waitFor(() => r.sends.length === i && r.clock.pending === 1, { what: `backoff ${i + 1}`, intervalMs: 1 });
      r.clock.advanceToNext();
    }
    expect(String((await recovered).failure?.error)).toBe("ConnectError: Kafka rejected: INVALID_RECORD");
    const warnings = r.lines.filter((l) => l.includes("Failed to send 1 records to Kafka, retrying"));
    // Then Connect's send callback line, last (send-callback-failure.ts).
    expect(r.lines.at(-2)).toMatch(
      /WARN .*Failed to send 1 records to Kafka after retrying, not retriable \(\d+ failed attempts? not logged\): Kafka rejected: INVALID_RECORD/,
    );
    expect(r.lines.at(-1)).toContain("ERROR WorkerSourceTask{id=c-0} failed to send record to t: ");
    const unlogged = r.lines.map((l) => Number(/\((\d+) failed attempts? not logged\)/.exec(l)?.[1] ?? 0));
    expect(warnings.length + unlogged.reduce((a, b) => a + b, 0)).toBe(unreachable + 1);
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

  test("held (the gateway's graceful stop, explore7 K3) while no attempt reached a broker: nothing goes out any more, even once Kafka is reachable; the stop gives the records up as never sent", async () => {
    const r = recoveryOver();
    expect(r.recovery.retryUnwritten).toBe(false); // no send retried
    const recovered = r.recovery.recover([outgoing("t", "A")], never);
    await waitFor(() => r.clock.pending === 1, { what: "the backoff after the attempt" });
    expect(r.recovery.retryUnwritten).toBe(true);
    r.recovery.hold();
    r.clock.advanceToNext(); // the retry: the producer (reachable now) is there, but nothing is sent
    await waitFor(() => r.clock.pending === 0, { what: "the retry held" });
    expect(r.sends).toEqual([]);
    r.stop.abort();
    expect(await recovered).toEqual({ metadata: [], unwritten: true });
    expect(r.sends).toEqual([]);
  });

  test("a retry that may have reached a broker is not unwritten: the give-up may not hold it", async () => {
    const r = recoveryOver({ unreachable: 5 });
    const recovered = r.recovery.recover([outgoing("t", "A")], never);
    await waitFor(() => r.clock.pending === 1, { what: "the backoff after the attempt" });
    r.clock.advanceToNext();
    await waitFor(() => r.sends.length === 1 && r.clock.pending === 1, { what: "the retry's backoff" });
    expect(r.recovery.retryUnwritten).toBe(false);
    r.stop.abort();
    expect(await recovered).toEqual({ metadata: [] });
  });
});
