import { describe, expect, test } from "bun:test";
import type { RecordOutcome } from "./ingest-record.ts";
import { rejectedOutcome } from "./ingest-record.ts";
import { nativeResponse } from "./native-response.ts";

/** A record Kafka wrote to `topic` (the route's own in most tests). */
const written = (partition: number, offset: number, timestamp: number | null, topic = "t"): RecordOutcome => ({
  kind: "written",
  topic,
  partition,
  offset,
  timestamp,
});

describe("nativeResponse", () => {
  describe("when Kafka acknowledged every record", () => {
    test.each([
      ["one record", "telemetry", [written(2, 41, 1_764_500_000_000, "telemetry")]],
      ["no timestamp", "telemetry", [written(0, 0, null, "telemetry")]],
      [
        "dropped, spooled and written in request order",
        "t",
        [written(1, 9_007_199_254_740_991, 0), { kind: "dropped" }, { kind: "spooled", sequence: 3 }],
      ],
      ["a topic that needs escaping", 'a"b\\c\u00e9\u2028', [written(0, 1, 2, 'a"b\\c\u00e9\u2028')]],
      ["no records", "t", []],
    ] as [string, string, RecordOutcome[]][])(
      "%s: 200 with the body JSON.stringify would write",
      async (_, topic, outcomes) => {
        const response = nativeResponse(topic, outcomes, 3);
        const offsets = outcomes.map((o) =>
          o.kind === "written"
            ? { partition: o.partition, offset: o.offset, timestamp: o.timestamp }
            : { partition: null, offset: null, [o.kind]: true },
        );
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("application/json");
        expect(await response.text()).toBe(JSON.stringify({ topic, offsets }));
      },
    );

    test("consecutive answers for other topics and timestamps each match JSON.stringify (nothing cached leaks)", async () => {
      const cases: [string, RecordOutcome[]][] = [
        ["a", [written(0, 1, 1_764_500_000_000, "a")]],
        ["a", [written(1, 2, 1_764_500_000_000, "a")]],
        ["a", [written(1, 3, 1_764_500_000_001, "a")]],
        ["b", [written(0, 4, null, "b")]],
        ["b", [written(0, 5, 1_764_500_000_001, "b"), written(0, 6, null, "b")]],
        ["a", [written(2, 7, null, "a")]],
        ["a", [{ kind: "dropped" }]],
      ];
      for (const [topic, outcomes] of cases) {
        const offsets = outcomes.map((o) =>
          o.kind === "written"
            ? { partition: o.partition, offset: o.offset, timestamp: o.timestamp }
            : { partition: null, offset: null, [o.kind]: true },
        );
        expect(await nativeResponse(topic, outcomes, 3).text()).toBe(JSON.stringify({ topic, offsets }));
      }
    });

    test.each([
      [0, 0, 0],
      [9, 9, 9],
      [10, 10, 10],
      [3, 99, null],
      [1, 1_000_000, 1_764_500_000_000],
      [2_147_483_647, 2_147_483_648, 4_294_967_296],
      [0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
      [0, 2 ** 53, 1], // past the safe integers: printed as JSON.stringify prints it
      [0, 1.5, -1], // never sent by Kafka; still JSON.stringify's text
    ])(
      "one record at partition %p, offset %p, timestamp %p: the bytes JSON.stringify would write",
      async (partition, offset, timestamp) => {
        const outcome = written(partition, offset, timestamp, "telemetry");
        const response = nativeResponse("telemetry", [outcome], 3);
        expect(response.headers.get("content-type")).toBe("application/json");
        expect(await response.text()).toBe(
          JSON.stringify({ topic: "telemetry", offsets: [{ partition, offset, timestamp }] }),
        );
      },
    );

    test("answers in a row, as the digits, the partition, the timestamp and the topic change: each its own bytes", async () => {
      const steps: [string, number, number, number | null][] = [
        ["telemetry", 0, 7, 100],
        ["telemetry", 0, 8, 100],
        ["telemetry", 0, 10, 100],
        ["telemetry", 0, 11, 101],
        ["telemetry", 1, 12, 101],
        ["telemetry", 1, 3, null],
        ["other", 1, 13, null],
        ["other", 1, 99, 5],
      ];
      for (const [topic, partition, offset, timestamp] of steps) {
        const response = nativeResponse(topic, [written(partition, offset, timestamp, topic)], 3);
        expect(await response.text()).toBe(JSON.stringify({ topic, offsets: [{ partition, offset, timestamp }] }));
      }
    });

    test("each answer has headers of its own: a header set on one is not on the next", () => {
      const first = nativeResponse("t", [written(0, 1, 2)], 3);
      first.headers.set("x-extra", "1");
      const next = nativeResponse("t", [written(0, 2, 2)], 3);
      expect(next.headers.get("x-extra")).toBeNull();
      expect([...next.headers]).toEqual([["content-type", "application/json"]]);
    });
  });

  // explore12 F1: a record a transformation (RegexRouter) wrote to another topic than the route's.
  describe("when a record was written to another topic than the route's", () => {
    test("its entry names that topic first; the others keep the route's shape, byte for byte", async () => {
      const response = nativeResponse(
        "from",
        [written(0, 1, 7, "from"), written(0, 0, 7, "to"), { kind: "dropped" }, written(3, 2, null, 'a"b')],
        3,
      );
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(
        '{"topic":"from","offsets":[{"partition":0,"offset":1,"timestamp":7},{"topic":"to","partition":0,"offset":0,"timestamp":7},{"partition":null,"offset":null,"dropped":true},{"topic":"a\\"b","partition":3,"offset":2,"timestamp":null}]}',
      );
    });

    test("a one-record answer names it too, between one-record answers of the route's topic", async () => {
      const answers: string[] = [];
      for (const topic of ["from", "to", "from"])
        answers.push(await nativeResponse("from", [written(0, 4, 7, topic)], 3).text());
      const own = '{"topic":"from","offsets":[{"partition":0,"offset":4,"timestamp":7}]}';
      expect(answers).toEqual([
        own,
        '{"topic":"from","offsets":[{"topic":"to","partition":0,"offset":4,"timestamp":7}]}',
        own,
      ]);
    });

    test("a failed request's list names it as well", async () => {
      const failed = { kind: "failed", message: "paused", retriable: true, maybeWritten: false } as const;
      const response = nativeResponse("from", [written(0, 5, 7, "to"), failed], 3);
      expect(response.status).toBe(500);
      expect(((await response.json()) as { offsets: unknown[] }).offsets).toEqual([
        { topic: "to", partition: 0, offset: 5, timestamp: 7 },
        { partition: null, offset: null, error_code: 50003, error: "paused" },
      ]);
    });
  });

  describe("when a record failed", () => {
    const notWritten = (message: string) =>
      ({ kind: "failed", message, retriable: true, maybeWritten: false }) as const;

    test("503 with Retry-After when nothing of the request reached Kafka, each record's fate listed", async () => {
      const response = nativeResponse("t", [{ kind: "dropped" }, notWritten("queue closed")], 3);
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("3");
      expect(await response.json()).toEqual({
        error_code: 50003,
        message: "1 of 2 records were not acknowledged by Kafka (none of them was written): queue closed",
        topic: "t",
        offsets: [
          { partition: null, offset: null, dropped: true },
          { partition: null, offset: null, error_code: 50003, error: "queue closed" },
        ],
      });
    });

    // The reviewer's sequence: a request split across two polls, its first part acknowledged,
    // the rest withdrawn (connector paused). "Retry is safe" would write the first part twice.
    test("500 without Retry-After when part of the request was written and the rest certainly not", async () => {
      const response = nativeResponse("t", [written(0, 5, 7), written(0, 6, 7), notWritten("paused")], 3);
      expect(response.status).toBe(500);
      expect(response.headers.get("retry-after")).toBeNull();
      expect(await response.json()).toEqual({
        error_code: 50002,
        message:
          "1 of 3 records were not acknowledged by Kafka (the others were written: sending the request again writes them again): paused",
        topic: "t",
        offsets: [
          { partition: 0, offset: 5, timestamp: 7 },
          { partition: 0, offset: 6, timestamp: 7 },
          { partition: null, offset: null, error_code: 50003, error: "paused" },
        ],
      });
    });

    test("500 without Retry-After when part of the request is in the spool", async () => {
      const response = nativeResponse("t", [{ kind: "spooled", sequence: 1 }, notWritten("spool full")], 3);
      expect(response.status).toBe(500);
      expect(response.headers.get("retry-after")).toBeNull();
      const body = (await response.json()) as { message: string };
      expect(body.message).not.toContain("none of them was written");
    });

    test("500 without Retry-After when a failed record may still be written", async () => {
      const response = nativeResponse(
        "t",
        [{ kind: "failed", message: "timed out", retriable: true, maybeWritten: true }],
        3,
      );
      expect(response.status).toBe(500);
      expect(response.headers.get("retry-after")).toBeNull();
      expect(((await response.json()) as { error_code: number }).error_code).toBe(50002);
    });

    test("422 without Retry-After when Kafka refused a record for good on its own (P1.1), the others listed", async () => {
      const refused = rejectedOutcome({ error: "INVALID_TIMESTAMP", message: "Kafka rejected 1 record(s) for t-0" });
      const response = nativeResponse("t", [written(0, 5, 7), refused], 3);
      expect(response.status).toBe(422);
      expect(response.headers.get("retry-after")).toBeNull();
      const error =
        "Kafka refused the record (INVALID_TIMESTAMP); sending it again will not help: Kafka rejected 1 record(s) for t-0";
      expect(await response.json()).toEqual({
        error_code: 42206,
        message: `1 of 2 records were not written: Kafka refused them (sending them again will not help): ${error}`,
        topic: "t",
        offsets: [
          { partition: 0, offset: 5, timestamp: 7 },
          { partition: null, offset: null, error_code: 50002, error },
        ],
      });
    });

    test("422 naming the stage and its error when a transformation or converter failed on a record (poison record)", async () => {
      const poison = rejectedOutcome({
        error: "TRANSFORMATION",
        message: "TRANSFORMATION failed in org.apache.kafka.connect.transforms.ValueToKey: Field does not exist: id",
        stage: "TRANSFORMATION",
      });
      const response = nativeResponse("t", [poison, written(0, 5, 7)], 3);
      expect(response.status).toBe(422);
      const error =
        "The record could not be converted for Kafka, so it was not written; sending it again will not help: TRANSFORMATION failed in org.apache.kafka.connect.transforms.ValueToKey: Field does not exist: id";
      expect(await response.json()).toEqual({
        error_code: 42206,
        message: `1 of 2 records were not written: a transformation or converter failed on them (sending them again will not help): ${error}`,
        topic: "t",
        offsets: [
          { partition: null, offset: null, error_code: 50002, error },
          { partition: 0, offset: 5, timestamp: 7 },
        ],
      });
    });

    test("a refused record beside one not written is no 422: 503 with Retry-After (nothing reached Kafka), 500 once some did", async () => {
      const poison = rejectedOutcome({ error: "TRANSFORMATION", message: "bad", stage: "TRANSFORMATION" });
      const withdrawn: RecordOutcome = { kind: "failed", message: "paused", retriable: true, maybeWritten: false };
      const nothing = nativeResponse("t", [poison, withdrawn], 3);
      expect([nothing.status, nothing.headers.get("retry-after")]).toEqual([503, "3"]);
      const partly = nativeResponse("t", [written(0, 5, 7), poison, withdrawn], 3);
      expect([partly.status, partly.headers.get("retry-after")]).toEqual([500, null]);
    });

    test("413 when every refused record was too large for the topic", async () => {
      const tooLarge = rejectedOutcome({ error: "MESSAGE_TOO_LARGE", message: "too large" });
      const response = nativeResponse("t", [tooLarge], 3);
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error_code: number }).error_code).toBe(413);
    });
  });
});
