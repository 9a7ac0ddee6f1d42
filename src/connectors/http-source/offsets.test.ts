import { describe, expect, test } from "bun:test";
import { JavaDouble } from "../../api/data/java-double.ts";
import type { SourceMap } from "../../api/record.ts";
import { HttpSourceConnector } from "./connector.ts";
import { EARLIER_OFFSET_KEYS, offsetKey } from "./offset-key.ts";
import { decodeOffset, isNewRecord, MAX_SEEN, seenAfter } from "./offsets.ts";
import { api, commit, recordIds as ids, startTask } from "./test-support.ts";

describe("TIMESTAMP records at the offset's own instant (review P1.3, re-review P2-b: by record key, as castorm)", () => {
  const T1 = "2024-06-01T10:00:00Z";
  const T2 = "2024-06-01T10:00:01Z";
  /** An API answering the events at or after `since`, in the order of `order`. */
  type Event = { id?: number; ts: string; [field: string]: unknown };
  function eventsApi(events: Event[], order: (e: Event[]) => Event[] = (e) => e) {
    return api((_req, url) => {
      const since = Date.parse(url.searchParams.get("since") || "1970-01-01T00:00:00Z");
      return Response.json(order(events.filter((e) => Date.parse(e.ts) >= since)));
    });
  }
  const config = (server: { base: string }, key: string | null = "id") => ({
    "http.url": `${server.base}/events?since=\${offset}`,
    "http.response.records.path": "$[*]",
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "ts",
    ...(key === null ? {} : { "http.record.key.field": key }),
    "http.timer.interval.ms": "60000",
  });

  test("a record added at the stored instant is delivered; those delivered are not, in any order, also after a restart", async () => {
    const events = [
      { id: 1, ts: T1 },
      { id: 2, ts: T2 },
    ];
    let reversed = false;
    using server = eventsApi(events, (e) => (reversed ? [...e].reverse() : e));
    const h = await startTask(config(server));
    const first = await h.collect(2);
    expect(ids(first)).toEqual([1, 2]);
    expect(first.at(-1)!.sourceOffset).toEqual({
      offset: T2,
      offset_mode: "TIMESTAMP",
      offset_seen: [expect.any(String)],
      poll_time: expect.any(Number),
    });
    commit(h, first);
    events.push({ id: 3, ts: T2 });
    const second = await h.collect(1, 100);
    expect(ids(second)).toEqual([3]);
    expect(server.seen.at(-1)!.query.since).toBe(T2);
    expect(second[0]!.sourceOffset!.offset_seen).toHaveLength(2);
    commit(h, second);
    reversed = true;
    expect(await h.collect(1, 70)).toEqual([]);
    h.task.stop();
    events.push({ id: 4, ts: T2 });
    const restarted = await startTask(config(server), { offsets: h.offsets });
    expect(ids(await restarted.collect(1, 200))).toEqual([4]);
    expect(restarted.logs.join("\n")).not.toContain("Resuming");
  });

  test("an offset stored without offset_seen (earlier versions, REST, http.initial.offset) skips records at its instant, as before", async () => {
    using server = eventsApi([
      { id: 2, ts: T2 },
      { id: 3, ts: T2 },
      { id: 4, ts: "2024-06-01T10:00:02Z" },
    ]);
    const offsets = new Map([[JSON.stringify({ url: `${server.base}/events?since=\${offset}` }), { offset: T2 }]]);
    const h = await startTask(config(server), { offsets });
    expect(ids(await h.collect(3, 3))).toEqual([4]);
  });

  test("a record at the stored instant whose text changes per response (a signed URL) is delivered once", async () => {
    let n = 0;
    using server = api((_req, url) => {
      n++;
      const since = Date.parse(url.searchParams.get("since") || "1970-01-01T00:00:00Z");
      const events = [
        { id: 1, ts: T1, download: `https://files.test/1?sig=${n}` },
        { id: 2, ts: T2, download: `https://files.test/2?sig=${n}` },
      ];
      return Response.json(events.filter((e) => Date.parse(e.ts) >= since));
    });
    const h = await startTask(config(server));
    const records = await h.collect(10, 300);
    expect(ids(records)).toEqual([1, 2]);
    expect(records.map((r) => r.key)).toEqual(["1", "2"]);
    expect(n).toBeGreaterThan(3);
  });

  test("without http.record.key.field, records at the stored instant are skipped: nothing is remembered", async () => {
    const events: Event[] = [
      { id: 1, ts: T1 },
      { id: 2, ts: T2 },
    ];
    using server = eventsApi(events);
    const h = await startTask(config(server, null));
    const first = await h.collect(2);
    expect(ids(first)).toEqual([1, 2]);
    expect(first.map((r) => r.key)).toEqual([null, null]);
    expect(first.at(-1)!.sourceOffset).toEqual({ offset: T2, offset_mode: "TIMESTAMP", poll_time: expect.any(Number) });
    events.push({ id: 3, ts: T2 }, { id: 4, ts: "2024-06-01T10:00:02Z" });
    expect(ids(await h.collect(2, 100))).toEqual([4]);
  });

  test("a record without the key field is skipped at the stored instant, as without a key", async () => {
    const events: Event[] = [{ id: 1, ts: T1 }];
    using server = eventsApi(events);
    const h = await startTask(config(server, "$.meta.id"));
    expect(await h.collect(1, 2)).toHaveLength(1);
    events.push({ ts: T1, meta: { id: "m2" } }, { ts: T1, meta: {} });
    const second = await h.collect(2, 100);
    expect(second.map((r) => r.key)).toEqual(["m2"]);
  });

  test("an offset stored with fingerprints is read as without them when no key field is set", async () => {
    using server = eventsApi([
      { id: 2, ts: T2 },
      { id: 4, ts: "2024-06-01T10:00:02Z" },
    ]);
    const offsets = new Map([
      [JSON.stringify({ url: `${server.base}/events?since=\${offset}` }), { offset: T2, offset_seen: ["other"] }],
    ]);
    const h = await startTask(config(server, null), { offsets });
    expect(ids(await h.collect(3, 3))).toEqual([4]);
  });

  test("the fingerprints kept are bounded: past MAX_SEEN, records at the instant are no longer new", () => {
    const full = Array.from({ length: MAX_SEEN }, (_, i) => `f${i}`);
    expect(seenAfter(full, T2, T2, T2, () => "new")).toBeNull();
    expect(seenAfter(full, T2, T2, T2, () => "f7")).toBe(full);
    expect(seenAfter(["a"], T1, T2, T2, () => "b")).toEqual(["b"]);
    expect(seenAfter(["a"], T2, T2, T1, () => "b")).toEqual(["a"]);
    expect(isNewRecord("TIMESTAMP", T2, T2, null, () => "x")).toBe(false);
    expect(isNewRecord("TIMESTAMP", T2, T2, ["y"], () => "x")).toBe(true);
    expect(isNewRecord("TIMESTAMP", T2, T2, ["x"], () => "x")).toBe(false);
    // A record without a key, or no key field at all (no print): not new at the offset's instant.
    expect(isNewRecord("TIMESTAMP", T2, T2, ["y"], () => undefined)).toBe(false);
    expect(isNewRecord("TIMESTAMP", T2, T2, ["y"])).toBe(false);
    expect(seenAfter(["a"], T1, T2, T2, () => undefined)).toEqual([]);
    expect(seenAfter(["a"], T2, T2, T2, () => undefined)).toEqual(["a"]);
  });
});

describe("decodeOffset of an offset written through the REST API", () => {
  // A JSON number with a fraction or exponent is bound as a Java double (JavaDouble), as Jackson does.
  test("takes a double's value as the offset, and an integral one as poll_time", () => {
    expect(decodeOffset({ offset: new JavaDouble(1.5), poll_time: new JavaDouble(5) })).toEqual({
      offset: 1.5,
      seen: null,
      pollTime: 5,
    });
  });
});

describe("the source partition is http.url with its secrets redacted (the endpoint, as FileStreamSource's is its file)", () => {
  const stored = (url: string) =>
    new Map([[JSON.stringify({ url }), { offset: "2024-06-01T00:00:00Z", poll_time: 0 } as Record<string, unknown>]]);
  const config = (url: string) => ({
    "http.url": url,
    "http.response.records.path": "$[*]",
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "ts",
    "http.initial.offset": "2020-01-01T00:00:00Z",
  });

  test("a rotated key in the query keeps the stored offset; another endpoint starts from http.initial.offset", async () => {
    using server = api(() => Response.json([]));
    const old = `${server.base}/events?since=\${offset}&api_key=old-key`;
    const partition = `${server.base}/events?since=%24%7Boffset%7D&api_key=***`;
    const rotated = await startTask(config(old.replace("old-key", "new-key")), { offsets: stored(partition) });
    await rotated.collect(1, 1);
    await rotated.task.stop();
    const moved = await startTask(config(`${server.base}/v2/events?since=\${offset}&api_key=new-key`), {
      offsets: stored(partition),
    });
    await moved.collect(1, 1);
    await moved.task.stop();
    expect(server.seen.map((s) => `${s.path} ${s.query.since}`)).toEqual([
      "/events 2024-06-01T00:00:00Z",
      "/v2/events 2020-01-01T00:00:00Z",
    ]);
  });
});

// explore F9: PATCH …/offsets stored a partition of another URL, which the task never reads.
describe("HttpSourceConnector.alterOffsets: only the connector's own partition", () => {
  const url = "https://api.example.com/items?token=SECRET&since=${offset}";
  const alter = (
    partitionUrl: string,
    offset: SourceMap | null = { offset: "5" },
    configured = url,
    providedKeys?: ReadonlySet<string>,
  ) =>
    new HttpSourceConnector().alterOffsets(
      { "http.url": configured, "kafka.topic": "t" },
      [{ partition: { url: partitionUrl }, offset }],
      providedKeys,
    );
  const refusal = "Partition objects should contain the key 'url' with the connector's URL";

  test("the current key and each earlier version's key are accepted", () => {
    for (const key of [offsetKey(url), ...EARLIER_OFFSET_KEYS.map((v) => v.key(url))]) expect(alter(key)).toBe(true);
  });

  test("another URL's key is refused with the message of a partition without url", () => {
    expect(() => alter("http://other")).toThrow(refusal);
    expect(() => alter(offsetKey("https://api.example.com/other"))).toThrow(refusal);
  });

  test("a removal (null offset) passes for any key, so one stored before the check can go", () => {
    expect(alter("http://other", null)).toBe(true);
  });

  test("http.url with a config provider reference is not checked: the task's key is the resolved URL's", () => {
    const reference = "${file:/secrets/api.properties:url}";
    expect(alter("http://other", { offset: "5" }, reference)).toBe(true);
    expect(alter("http://other", { offset: "5" }, reference, new Set(["http.url"]))).toBe(true);
  });

  // secretp5-b P3-4: any `${a:b}` skipped the check, though the task reads a URL no provider resolved as written.
  test("http.url holding a reference no provider resolved is checked as written", () => {
    const literal = "https://api.example.com/${vault:team}/items";
    expect(() => alter("http://other", { offset: "5" }, literal, new Set())).toThrow(refusal);
    expect(alter(offsetKey(literal), { offset: "5" }, literal, new Set())).toBe(true);
  });
});

// Review nonets-b P2-2: an offset marked with another mode was accepted, then read as none (GET's output
// PATCHed back under TIMESTAMP with its `offset` edited: the edit lost, the task on http.initial.offset).
describe("HttpSourceConnector.alterOffsets of an offset written under another http.offset.mode", () => {
  const url = "https://api.example.com/items?since=${offset}";
  const alter = (offset: SourceMap, mode: string, initial = "x") =>
    new HttpSourceConnector().alterOffsets(
      {
        "http.url": url,
        "kafka.topic": "t",
        "http.offset.mode": mode,
        "http.offset.field": "at",
        "http.initial.offset": initial,
      },
      [{ partition: { url: offsetKey(url) }, offset }],
    );

  test("is refused, saying to leave out offset_mode, before the offset's form is checked", () => {
    for (const offset of ["2030-01-01T00:00:00Z", "nope"])
      expect(() => alter({ offset, offset_mode: "NONE" }, "TIMESTAMP")).toThrow(
        "The 'offset_mode' NONE of an HTTP source offset is not http.offset.mode=TIMESTAMP: the offset was written under NONE; leave out offset_mode to set a position for TIMESTAMP",
      );
    expect(() => alter({ offset: "7", offset_mode: "TIMESTAMP" }, "cursor")).toThrow(
      "The 'offset_mode' TIMESTAMP of an HTTP source offset is not http.offset.mode=CURSOR",
    );
  });

  test("its own mode, in any case, or none is accepted (NONE's with http.initial.offset as offset)", () => {
    expect(alter({ offset: "2030-01-01T00:00:00Z", offset_mode: "timestamp" }, "TIMESTAMP")).toBe(true);
    expect(alter({ offset: "2030-01-01T00:00:00Z" }, "TIMESTAMP")).toBe(true);
    expect(alter({ offset: "x", offset_mode: "NONE" }, "NONE", " x ")).toBe(true);
    expect(alter({ offset: "y" }, "NONE")).toBe(true);
  });

  test("a held poll's gap_oldest is accepted as a timestamp under TIMESTAMP, refused otherwise; absent or null is fine", () => {
    const held = { offset: "2030-01-01T00:00:00Z", next_offset: "2030-01-02T00:00:00Z", skip: 0, page_position: 10 };
    for (const gap of ["2030-01-01T12:00:00Z", null, undefined])
      expect(alter({ ...held, ...(gap === undefined ? {} : { gap_oldest: gap }) }, "TIMESTAMP")).toBe(true);
    expect(() => alter({ ...held, gap_oldest: "yesterday" }, "TIMESTAMP")).toThrow(
      `The 'gap_oldest' "yesterday" of an HTTP source offset must be a timestamp (ISO-8601 or epoch) under http.offset.mode=TIMESTAMP`,
    );
    expect(() => alter({ ...held, gap_oldest: "7" }, "CURSOR")).toThrow("The 'gap_oldest' \"7\"");
    expect(() => alter({ offset: "2030-01-01T00:00:00Z", gap_oldest: "2030-01-01T12:00:00Z" }, "TIMESTAMP")).toThrow(
      "The 'gap_oldest' of an HTTP source offset needs the 'skip' of its interrupted poll",
    );
    expect(() => alter({ ...held, gap_oldest: [] }, "TIMESTAMP")).toThrow(
      "The 'gap_oldest' of an HTTP source offset must be a string, a number or null",
    );
  });

  // Review nonets-c P2-2: accepted, then ignored (a task of NONE reads it as http.initial.offset).
  test("NONE's with another offset than http.initial.offset is refused, saying what to do instead", () => {
    for (const offset of [
      { offset: "y", offset_mode: "NONE" },
      { offset: null, offset_mode: "none" },
    ])
      expect(() => alter(offset, "NONE")).toThrow(
        `The 'offset' ${JSON.stringify(offset.offset)} with 'offset_mode' NONE is not http.initial.offset ("x"): under NONE it would be ignored; leave out offset_mode to send this offset at the next poll, or edit http.initial.offset to send it at every poll`,
      );
  });

  // srctime-b: a record's `2024-02-30T…Z` is now read as castorm's default reader reads it (02-29); an
  // offset set through REST stays refused, as castorm's Instant.parse refuses it (srctime-c: saying why;
  // P3-1: a year past 9999 too).
  test.each([
    ["2024-02-30T00:00:00Z", "a day February 2024 lacks", "2024-02-29T00:00:00Z"],
    ["2023-02-29T00:00:00.000+0100", "a day February 2023 lacks", "2023-02-27T23:00:00Z"],
    ["+10000-02-30T03:04:05Z", "a day February 10000 lacks", "+10000-02-29T03:04:05Z"],
  ])("a TIMESTAMP offset %p with a day its month lacks is refused, saying why", (offset, day, read) => {
    expect(() => alter({ offset }, "TIMESTAMP")).toThrow(
      `The 'offset' ${JSON.stringify(offset)} is no offset http.offset.mode=TIMESTAMP starts from: ${day}: castorm's Instant.parse refuses it; records with it are read as ${read}`,
    );
  });

  test("a TIMESTAMP offset with the month's last day is accepted", () => {
    expect(alter({ offset: "2024-02-29T00:00:00Z" }, "TIMESTAMP")).toBe(true);
    expect(alter({ offset: "+10000-02-29T03:04:05Z" }, "TIMESTAMP")).toBe(true);
  });

  // srctime-c P2: refused as no timestamp of the pattern, which reads it (as 2024-02-29 10:00:00).
  test("a TIMESTAMP offset with a day its month lacks that the configured pattern reads is accepted", () => {
    const config = {
      "http.url": url,
      "kafka.topic": "t",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "at",
      "http.response.record.timestamp.parser.pattern": "yyyy-MM-dd HH:mm:ss",
    };
    const partition = { url: offsetKey(url) };
    const alterTo = (offset: string) =>
      new HttpSourceConnector().alterOffsets(config, [{ partition, offset: { offset } }]);
    expect(alterTo("2024-02-30 10:00:00")).toBe(true);
    expect(() => alterTo("2024-02-30T10:00:00Z")).toThrow(
      `The 'offset' "2024-02-30T10:00:00Z" is no offset http.offset.mode=TIMESTAMP starts from: a day February 2024 lacks`,
    );
  });

  test("NONE's with a config provider reference in http.initial.offset is not compared (its value is the resolved one)", () => {
    expect(alter({ offset: "y", offset_mode: "NONE" }, "NONE", "${file:/secrets/api.properties:since}")).toBe(true);
  });
});
