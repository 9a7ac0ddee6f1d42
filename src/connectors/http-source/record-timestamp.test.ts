import { describe, expect, test } from "bun:test";
import { castormKeyWarnings } from "./castorm-keys.ts";
import { httpSource } from "./index.ts";
import { api, commit, FastForwardClock, recordIds as ids, startTask } from "./test-support.ts";

/**
 * castorm's http.response.record.timestamp.pointer: the Kafka timestamp of a record is the instant
 * of its field there (castorm's SourceRecord carries the timestamp it parsed), else the poll's time.
 */
describe("http.response.record.timestamp.pointer", () => {
  const events = [
    { id: 1, meta: { created: "2024-07-01T10:00:00.123Z" } },
    { id: 2, meta: { created: 1719835200456 } },
    { id: 3, meta: {} },
    { id: 4, meta: { created: "n/a" } },
    { id: 5, meta: { created: "1969-12-31T23:59:59Z" } },
  ];

  test("a record's Kafka timestamp is its field's instant; without one there, the poll's time", async () => {
    using server = api(() => Response.json(events));
    const clock = new FastForwardClock();
    const h = await startTask(
      {
        "http.url": `${server.base}/events`,
        "http.response.records.path": "$[*]",
        "http.response.record.timestamp.pointer": "/meta/created",
      },
      { clock },
    );
    const records = await h.collect(5);
    expect(records.map((r) => r.timestamp)).toEqual([
      Date.parse("2024-07-01T10:00:00.123Z"),
      1719835200456,
      clock.now(),
      clock.now(),
      clock.now(),
    ]);
  });

  test("a timestamp more than an hour after the poll (a broker refuses it by default) is the poll's time", async () => {
    const clock = new FastForwardClock();
    const soon = new Date(clock.now() + 30 * 60_000).toISOString();
    const later = new Date(clock.now() + 2 * 3600_000).toISOString();
    using server = api(() => Response.json([{ at: soon }, { at: later }]));
    const h = await startTask(
      {
        "http.url": `${server.base}/events`,
        "http.response.records.path": "$[*]",
        "http.response.record.timestamp.pointer": "/at",
      },
      { clock },
    );
    const records = await h.collect(2);
    expect(records.map((r) => r.timestamp)).toEqual([Date.parse(soon), clock.now()]);
  });

  test("read with castorm's timestamp parser keys, as a TIMESTAMP offset field is", async () => {
    using server = api(() => Response.json([{ id: 1, at: "02/07/2024 01:30:00" }]));
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$[*]",
      "http.response.record.timestamp.pointer": "/at",
      "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm:ss",
      "http.response.record.timestamp.parser.zone": "Europe/Madrid",
    });
    const [record] = await h.collect(1);
    expect(record!.timestamp).toBe(Date.parse("2024-07-01T23:30:00Z"));
  });

  test("unset, every record has the poll's time", async () => {
    using server = api(() => Response.json(events.slice(0, 2)));
    const clock = new FastForwardClock();
    const h = await startTask({ "http.url": `${server.base}/events`, "http.response.records.path": "$[*]" }, { clock });
    expect((await h.collect(2)).map((r) => r.timestamp)).toEqual([clock.now(), clock.now()]);
  });

  test("validation refuses a value that is no JSON Pointer, and no longer warns about the key as castorm's alone", () => {
    const config = {
      "http.url": "https://api.example.com/events",
      "kafka.topic": "t",
      "http.response.record.timestamp.pointer": "meta.created",
    };
    expect(httpSource.validationOnly!(config)).toContainEqual({
      key: "http.response.record.timestamp.pointer",
      message: "Not a JSON Pointer (RFC 6901): empty, or starting with / (/updated_at)",
    });
    expect(
      httpSource.validationOnly!({ ...config, "http.response.record.timestamp.pointer": "/meta/created" }),
    ).toEqual([]);
    expect(castormKeyWarnings(config)).toEqual([]);
    expect(
      castormKeyWarnings({ ...config, "http.response.record.offset.pointer": "key=/id, timestamp=/updated" }),
    ).toEqual([
      "http.response.record.offset.pointer is a key of castorm's HTTP source connector, not read by this one: use http.offset.mode with http.offset.field (timestamp=/updated: TIMESTAMP and updated; the records' Kafka timestamps too: http.response.record.timestamp.pointer=/updated) and http.record.key.field (key=/id)",
    ]);
  });
});

/** castorm's http.response.list.order.direction (OrderDirectionSourceRecordSorter, default IMPLICIT). */
describe("http.response.list.order.direction", () => {
  const newestFirst = [
    { id: 3, ts: "2024-07-03T00:00:00Z" },
    { id: 2, ts: "2024-07-02T00:00:00Z" },
    { id: 1, ts: "2024-07-01T00:00:00Z" },
  ];
  const config = (base: string, extra: Record<string, string> = {}) => ({
    "http.url": `${base}/events?since=\${offset}`,
    "http.response.records.path": "$[*]",
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "ts",
    "http.initial.offset": "2024-01-01T00:00:00Z",
    ...extra,
  });
  /** CURSOR on the records' `id`, from 0, their Kafka timestamps at `/ts`. */
  const cursorConfig = (base: string) => ({
    "http.url": `${base}/events?since=\${offset}`,
    "http.response.records.path": "$[*]",
    "http.offset.mode": "CURSOR",
    "http.offset.field": "id",
    "http.initial.offset": "0",
    "http.response.record.timestamp.pointer": "/ts",
  });

  test("IMPLICIT (the default) with a timestamp pointer: a newest-first page goes to Kafka oldest first, as castorm sorts it", async () => {
    using server = api(() => Response.json(newestFirst));
    const h = await startTask(config(server.base, { "http.response.record.timestamp.pointer": "/ts" }));
    const records = await h.collect(3);
    expect(ids(records)).toEqual([1, 2, 3]);
    expect(records.map((r) => r.timestamp)).toEqual(newestFirst.map((e) => Date.parse(e.ts)).reverse());
    // The poll's last record carries the newest offset: the next poll asks since it.
    expect(records.at(-1)!.sourceOffset).toMatchObject({ offset: "2024-07-03T00:00:00Z" });
  });

  test("a poll resumed after its first record (a crash) delivers the rest of the reversed page, none twice", async () => {
    using server = api(() => Response.json(newestFirst));
    const extra = { "http.response.record.timestamp.pointer": "/ts" };
    const first = await startTask(config(server.base, extra));
    const records = await first.collect(3);
    commit(first, records.slice(0, 1));
    const resumed = await startTask(config(server.base, extra), { offsets: first.offsets });
    expect(ids(await resumed.collect(2))).toEqual([2, 3]);
  });

  test("CURSOR on reversed pages (explore16 F1): the cursor is the page's greatest id, never a page back", async () => {
    // Ids ascending, event times descending (id 1 the latest): IMPLICIT reverses every page.
    const items = Array.from({ length: 10 }, (_, i) => ({
      id: i + 1,
      ts: new Date(Date.UTC(2024, 6, 1, 12, -i)).toISOString(),
    }));
    using server = api((_req, url) =>
      Response.json(items.filter((e) => e.id > Number(url.searchParams.get("since"))).slice(0, 5)),
    );
    const h = await startTask(cursorConfig(server.base));
    const records = await h.collect(10, 200);
    expect(ids(records)).toEqual([5, 4, 3, 2, 1, 10, 9, 8, 7, 6]);
    expect(await h.collect(1, 70)).toEqual([]);
    const since = server.seen.map((s) => s.query.since);
    expect(since.slice(0, 3)).toEqual(["0", "5", "10"]);
    expect(new Set(since.slice(2))).toEqual(new Set(["10"]));
    // Where each record resumes (mid-poll: next_offset) and each poll's final offset: never a page back.
    const cursors = records.map((r) => r.sourceOffset?.next_offset ?? r.sourceOffset?.offset);
    expect(cursors).toEqual([5, 5, 5, 5, 5, 10, 10, 10, 10, 10]);
  });

  test("CURSOR on a reversed page resumed after a crash: the cursor is still the page's greatest id", async () => {
    const page = [
      { id: 1, ts: "2024-07-03T00:00:00Z" },
      { id: 2, ts: "2024-07-02T00:00:00Z" },
      { id: 3, ts: "2024-07-01T00:00:00Z" },
    ];
    using server = api((_req, url) => Response.json(page.filter((e) => e.id > Number(url.searchParams.get("since")))));
    const config = cursorConfig(server.base);
    const first = await startTask(config);
    const records = await first.collect(3);
    commit(first, records.slice(0, 2));
    const resumed = await startTask(config, { offsets: first.offsets });
    const rest = await resumed.collect(1);
    expect(ids(rest)).toEqual([1]);
    expect(rest[0]!.sourceOffset).toMatchObject({ offset: 3 });
  });

  test("IMPLICIT without a timestamp pointer, and ASC: the response's order", async () => {
    using server = api(() => Response.json(newestFirst));
    expect(ids(await (await startTask(config(server.base))).collect(3))).toEqual([3, 2, 1]);
    const asc = { "http.response.record.timestamp.pointer": "/ts", "http.response.list.order.direction": "ASC" };
    expect(ids(await (await startTask(config(server.base, asc))).collect(3))).toEqual([3, 2, 1]);
  });

  test("DESC reverses every page, a timestamp pointer or not", async () => {
    using server = api(() => Response.json([{ id: "a" }, { id: "b" }, { id: "c" }]));
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$[*]",
      "http.response.list.order.direction": "desc",
    });
    expect(ids<string>(await h.collect(3))).toEqual(["c", "b", "a"]);
  });

  test("validation refuses another direction", () => {
    const problems = httpSource.validationOnly!({
      "http.url": "https://api.example.com/events",
      "kafka.topic": "t",
      "http.response.list.order.direction": "NEWEST_FIRST",
    });
    expect(problems.map((p) => p.key)).toEqual(["http.response.list.order.direction"]);
  });
});
