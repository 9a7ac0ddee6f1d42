import { describe, expect, test } from "bun:test";
import { ManualClock } from "../util/manual-clock.ts";
import { IngestExchange } from "./ingest-exchange.ts";
import type { IngestRecord, IngestSubmission, RecordOutcome } from "./ingest-record.ts";
import { PLAIN_CONNECTION } from "./request-context.ts";
import { RequestDeadlines } from "./request-deadlines.ts";
import type { IngestWriter } from "./route-table.ts";
import { post, testSettings } from "./test-support.ts";

const record: IngestRecord = { key: null, value: "v", headers: [], partition: null, timestamp: 7, bytes: 1 };
const written: RecordOutcome = { kind: "written", topic: "t", partition: 2, offset: 41, timestamp: 7 };

/** A writer that keeps what it was given; `offer` only when asked for. */
function writer(withOffer: boolean) {
  const taken: { submission: IngestSubmission; resolve: (outcomes: RecordOutcome[]) => void }[] = [];
  const w: IngestWriter = {
    pending: 0,
    submit: (submission) => new Promise((resolve) => taken.push({ submission, resolve })),
    withdrawQueued: () => {},
    ...(withOffer ? { offer: (submission, resolve) => void taken.push({ submission, resolve }) } : {}),
  };
  return { w, taken };
}

const exchange = (server?: { requestIP(request: Request): { address: string } | null }) =>
  new IngestExchange(post("{}", "application/json"), undefined, server, 1_000, 5);

describe("IngestExchange", () => {
  test.each([true, false])(
    "is the submission its writer gets (offer: %p), resolved with the records' outcomes",
    async (withOffer) => {
      const deadlines = new RequestDeadlines(new ManualClock(0));
      const signal = deadlines.start(30_000);
      const { w, taken } = writer(withOffer);
      const e = exchange();
      const outcomes = e.submitTo(w, "t", [record], signal);
      expect(taken.length).toBe(1);
      expect(taken[0]!.submission).toBe(e);
      expect({ topic: e.topic, records: e.records, signal: e.signal }).toEqual({
        topic: "t",
        records: [record],
        signal,
      });
      taken[0]!.resolve([written]);
      expect(await outcomes).toEqual([written]);
      signal.end();
    },
  );

  test("is its own receiver of late outcomes: lateSettled resolves with them, given before or after it was asked", async () => {
    const maybe: RecordOutcome = { kind: "failed", message: "gone", retriable: true, maybeWritten: true };
    const { w, taken } = writer(true);
    const signal = new RequestDeadlines(new ManualClock(0)).start(30_000);
    const e = exchange();
    void e.submitTo(w, "t", [record], signal);
    expect(taken[0]!.submission.late).toBe(e);
    taken[0]!.resolve([maybe]);
    const waiting = e.lateSettled();
    expect(await Promise.race([waiting, Promise.resolve("waiting")])).toBe("waiting");
    e.late!.settled([written]);
    expect(await waiting).toEqual([written]);
    // Told before anyone asked: what it was told is kept.
    const told = exchange();
    told.settled([written]);
    expect(await told.lateSettled()).toEqual([written]);
    signal.end();
  });

  test("a writer refusing the records throws from submitTo", () => {
    const refusing: IngestWriter = {
      pending: 0,
      submit: () => Promise.resolve([]),
      withdrawQueued: () => {},
      offer: () => {
        throw new Error("full");
      },
    };
    const signal = new RequestDeadlines(new ManualClock(0)).start(30_000);
    expect(() => exchange().submitTo(refusing, "t", [record], signal)).toThrow("full");
    signal.end();
  });

  test("a native-path body: the exchange is the parsed request and answers as the connector's path does", async () => {
    const e = exchange();
    const settings = testSettings();
    expect(e.parsedNative([record], settings)).toBe(e);
    expect(e.records).toEqual([record]);
    const answer = e.respond([written]);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('{"topic":"t","offsets":[{"partition":2,"offset":41,"timestamp":7}]}');
  });

  test("the URL and the connection are made when a stage asks for them, once", () => {
    let lookups = 0;
    const e = exchange({
      requestIP: () => {
        lookups++;
        return { address: "10.0.0.9" };
      },
    });
    expect(e.url.pathname).toBe("/ingest/t");
    expect(e.url).toBe(e.url);
    expect(lookups).toBe(0);
    expect(e.connection.remoteAddress).toBe("10.0.0.9");
    expect(e.connection.remoteAddress).toBe("10.0.0.9");
    expect(lookups).toBe(1);
    expect(exchange().connection).toBe(PLAIN_CONNECTION);
  });
});
