import { describe, expect, test } from "bun:test";
import type { Clock } from "../../util/clock.ts";
import { Slicer } from "../../util/sliced.ts";
import { cursorAdvance, cursorNumber, cursorOrder } from "./cursor-offset.ts";
import { epochNanos } from "./instant.ts";
import type { OffsetValue } from "./offsets.ts";
import { firstPage, paginationSettings } from "./pagination.ts";
import { newRun, pageRecords, pageRecordsOptions, readPage } from "./poll-run.ts";
import { api, PAGE_URL, pageConfig, startTask } from "./test-support.ts";

/** The cursor after each record of a page whose fields, in Kafka order, are `values`, from `start`. */
async function cursors(start: OffsetValue, values: OffsetValue[]): Promise<OffsetValue[]> {
  const advance = cursorAdvance(await cursorOrder(values, epochNanos, new Slicer()), start);
  return values.map((v, i) => advance(v, i));
}

describe("cursorNumber", () => {
  test.each([
    [5, 5],
    [1.5, 1.5],
    ["0", 0n],
    ["-12", -12n],
    ["9007199254740993", 9007199254740993n],
  ] as const)("%p is the number %p", (value, number) => {
    expect(cursorNumber(value)).toBe(number);
  });

  test.each(["007", "+5", "-0", "1.0", " 5", "5 ", "", "1e3", "0x10", "abc"])(
    "%p is no number (not an integer in canonical form)",
    (value) => {
      expect(cursorNumber(value)).toBeNull();
    },
  );
});

describe("cursorAdvance", () => {
  test("numbers: the greatest, in whatever order the page lists them", async () => {
    expect(await cursors(0, [3, 5, 4])).toEqual([3, 5, 5]);
    expect(await cursors("0", [10, 9, 8])).toEqual([10, 10, 10]);
  });

  test("integer strings compare as numbers, exactly past 2^53 (not as text: 10 is after 9)", async () => {
    expect(await cursors("0", ["10", "9"])).toEqual(["10", "10"]);
    expect(await cursors(null, ["9007199254740993", "9007199254740992"])).toEqual([
      "9007199254740993",
      "9007199254740993",
    ]);
    expect(await cursors(null, [9007199254740992, "9007199254740993"])).toEqual([9007199254740992, "9007199254740993"]);
  });

  test("the cursor the page starts from counts when of the same kind: a page never moves it back", async () => {
    expect(await cursors("12", [11, 10])).toEqual(["12", "12"]);
    expect(await cursors("2024-07-05T00:00:00Z", [3, 2])).toEqual([3, 3]);
  });

  test("timestamps: the newest instant, zones and fractions read as TIMESTAMP reads them", async () => {
    // 10:00Z, 11:00Z, then a nanosecond before 11:00Z: as text the first would be the greatest.
    const page = ["2024-07-01T12:00:00+02:00", "2024-07-01T11:00:00Z", "2024-07-01T10:59:59.999999999Z"];
    expect(await cursors("2024-01-01T00:00:00Z", page)).toEqual([
      "2024-07-01T12:00:00+02:00",
      "2024-07-01T11:00:00Z",
      "2024-07-01T11:00:00Z",
    ]);
  });

  test("a value equal to the cursor does not move it: the first spelling stays", async () => {
    expect(await cursors(null, [5, "5"])).toEqual([5, 5]);
    expect(await cursors("7", [7])).toEqual(["7"]);
    // The same instant twice, at +02:00 and in UTC.
    expect(await cursors(null, ["2024-07-01T12:00:00+02:00", "2024-07-01T10:00:00Z"])).toEqual([
      "2024-07-01T12:00:00+02:00",
      "2024-07-01T12:00:00+02:00",
    ]);
    expect(await cursors("2024-07-01T10:00:00.000Z", ["2024-07-01T10:00:00Z"])).toEqual(["2024-07-01T10:00:00.000Z"]);
  });

  test("records without the field neither move the cursor nor make the page opaque", async () => {
    expect(await cursors(0, [null, 7, null, 3])).toEqual([0, 7, 7, 7]);
  });

  test.each([
    [
      "UUIDs",
      [
        "0b6e6b86-5f8e-4f4e-9d5e-1c2f3a4b5c6d",
        "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        "1a2b3c4d-0000-4000-8000-000000000000",
      ],
    ],
    ["tokens", ["cD2", "zz1", "aB9"]],
    ["numbers mixed with tokens", [9, "next-page", 3]],
    // Date.parse reads each as a date (2024-01-01, 2001-03-01, 2001-01-01): no timestamps all the same.
    ["tokens with a number", ["token-2024", "page 3", "page 1"]],
  ])("opaque values (%s): the field of the last record in Kafka order", async (_what, page) => {
    expect((await cursors("start", page)).at(-1)).toBe(page.at(-1)!);
  });
});

describe("cursorOrder", () => {
  test("a page of timestamps: each record's instant at its place, null for a record without the field", async () => {
    const values = [null, "2024-01-01T00:00:00Z", null, "2024-01-01T01:00:00+01:00"];
    expect(await cursorOrder(values, epochNanos, new Slicer())).toEqual({
      kind: "instant",
      instants: [null, 1704067200000000000n, null, 1704067200000000000n],
    });
  });

  test.each([
    ["numbers", [null, 3, "4"], { kind: "number" }],
    ["no field at all", [null, null], { kind: "number" }],
    ["no record", [], { kind: "number" }],
    ["timestamps and a token", ["2024-01-01T00:00:00Z", "tok_1"], { kind: "opaque" }],
  ] as const)("%s", async (_what, values, order) => {
    expect(await cursorOrder(values, epochNanos, new Slicer())).toEqual(order);
  });
});

describe("a CURSOR page read by readPage and pageRecords", () => {
  const config = pageConfig({ "http.offset.mode": "CURSOR", "http.offset.field": "id" });
  const o = pageRecordsOptions(config, { now: () => 0 } as unknown as Clock);
  const p = paginationSettings(config);
  const read = (status: number, text: string) => {
    const run = newRun({ wall: 0, monotonic: 0 }, PAGE_URL, 0, null, firstPage(p, PAGE_URL));
    const body = new TextEncoder().encode(text);
    return readPage({ status, headers: new Headers(), body }, run, o, p).then(({ page }) => ({ run, page }));
  };

  test("JSON without records is a page of numbers; a page without a body has no order", async () => {
    expect((await read(200, '{"data":[]}')).page.cursor).toEqual({ kind: "number" });
    expect((await read(204, "")).page.cursor).toBeUndefined();
    expect((await read(200, " \n")).page.cursor).toBeUndefined();
  });

  test("pageRecords reads the order of a page given without one: numbers are compared, not taken as opaque", async () => {
    const { run, page } = await read(200, '{"data":[{"id":3},{"id":5},{"id":4}]}');
    const { cursor, ...unordered } = page;
    expect(cursor).toEqual({ kind: "number" });
    expect((await pageRecords(run, page, o)).best).toBe(5);
    expect((await pageRecords(run, unordered, o)).best).toBe(5);
  });
});

/** The HTTP source task polling a real loopback API with http.offset.mode CURSOR. */
describe("HttpSourceTask with CURSOR offsets", () => {
  const cursorConfig = (url: string, field: string, initial: string, extra: Record<string, string> = {}) => ({
    "http.url": url,
    "http.response.records.path": "$[*]",
    "http.offset.mode": "CURSOR",
    "http.offset.field": field,
    "http.initial.offset": initial,
    "http.timer.interval.ms": "1000",
    ...extra,
  });
  const field = (records: { value: unknown }[], name: string) => records.map((r) => JSON.parse(String(r.value))[name]);
  const offsetOf = (records: { sourceOffset: unknown }[]) =>
    (records.at(-1)!.sourceOffset as { offset: unknown }).offset;

  test("a newest-first API asked since_id: the cursor is the newest id, the next poll asks after it, nothing written twice", async () => {
    const ids = [1, 2, 3];
    using server = api((_req, url) =>
      Response.json(
        ids
          .filter((id) => id > Number(url.searchParams.get("since_id")))
          .toReversed()
          .map((id) => ({ id })),
      ),
    );
    const h = await startTask(cursorConfig(`${server.base}/events?since_id=\${offset}`, "id", "0"));
    const first = await h.collect(3);
    expect(field(first, "id")).toEqual([3, 2, 1]);
    expect(offsetOf(first)).toBe(3);
    ids.push(4, 5);
    const second = await h.collect(2, 10);
    expect(field(second, "id")).toEqual([5, 4]);
    expect(offsetOf(second)).toBe(5);
    expect(await h.collect(1, 10)).toEqual([]);
    expect(server.seen.slice(0, 3).map((s) => s.query.since_id)).toEqual(["0", "3", "5"]);
  });

  test("ids as integer strings, newest first: compared as numbers, exactly past 2^53", async () => {
    const ids = ["8", "9", "10"];
    using server = api((_req, url) => {
      const since = BigInt(url.searchParams.get("since_id")!);
      return Response.json(
        ids
          .filter((id) => BigInt(id) > since)
          .toReversed()
          .map((id) => ({ id })),
      );
    });
    const h = await startTask(cursorConfig(`${server.base}/events?since_id=\${offset}`, "id", "0"));
    const first = await h.collect(3);
    expect(offsetOf(first)).toBe("10");
    ids.push("9007199254740992", "9007199254740993");
    const second = await h.collect(2, 10);
    expect(field(second, "id")).toEqual(["9007199254740993", "9007199254740992"]);
    expect(offsetOf(second)).toBe("9007199254740993");
    expect(await h.collect(1, 10)).toEqual([]);
  });

  test("timestamps, newest first: the cursor is the newest instant", async () => {
    const events = [
      { id: 3, at: "2024-07-03T00:00:00Z" },
      { id: 2, at: "2024-07-02T00:00:00Z" },
      { id: 1, at: "2024-07-01T00:00:00Z" },
    ];
    using server = api((_req, url) =>
      Response.json(events.filter((e) => Date.parse(e.at) > Date.parse(url.searchParams.get("since")!))),
    );
    const h = await startTask(cursorConfig(`${server.base}/events?since=\${offset}`, "at", "2024-01-01T00:00:00Z"));
    const records = await h.collect(3);
    expect(offsetOf(records)).toBe("2024-07-03T00:00:00Z");
    expect(await h.collect(1, 10)).toEqual([]);
    expect(server.seen.slice(0, 2).map((s) => s.query.since)).toEqual(["2024-01-01T00:00:00Z", "2024-07-03T00:00:00Z"]);
  });

  test("opaque cursors on a page IMPLICIT reverses: the field of the last record in Kafka order", async () => {
    const page = [
      { token: "tok_c9f", ts: "2024-07-03T00:00:00Z" },
      { token: "tok_a1b", ts: "2024-07-02T00:00:00Z" },
      { token: "tok_b7e", ts: "2024-07-01T00:00:00Z" },
    ];
    using server = api(() => Response.json(page));
    const h = await startTask(
      cursorConfig(`${server.base}/events?after=\${offset}`, "token", "start", {
        "http.response.record.timestamp.pointer": "/ts",
      }),
    );
    const records = await h.collect(3);
    expect(field(records, "token")).toEqual(["tok_b7e", "tok_a1b", "tok_c9f"]);
    expect(offsetOf(records)).toBe("tok_c9f");
  });
});
