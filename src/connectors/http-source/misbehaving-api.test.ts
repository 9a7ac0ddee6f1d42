/**
 * HttpSourceTask against third-party APIs that bend HTTP: no content, bodies whose
 * Content-Encoding lies. Each ends with a clear outcome, never a task failed for the wrong reason.
 */
import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { materialized } from "../../api/data/json-text.ts";
import { ConnectError } from "../../errors.ts";
import { MAX_BATCH_RECORDS } from "./ready-records.ts";
import { api, FastForwardClock, recordIds as ids, startTask } from "./test-support.ts";

/**
 * The first poll's answer is `first` (nothing new), the next poll's one record: with
 * behavior.on.error=fail the task delivers it, no WARN nor ERROR on the way.
 */
async function nothingNewThenOneRecord(first: () => Response) {
  let n = 0;
  using server = api(() => (++n === 1 ? first() : Response.json([{ id: 1 }])));
  const h = await startTask({
    "http.url": `${server.base}/e`,
    "http.response.records.path": "$[*]",
    "behavior.on.error": "fail",
    "http.timer.interval.ms": "60000",
  });
  const signal = new AbortController().signal;
  expect(await h.task.poll(signal)).toBeNull();
  expect(ids(await h.collect(1, 70))).toEqual([1]);
  expect(server.seen.length).toBe(2);
  expect(h.logs.filter((l) => l.includes("WARN") || l.includes("ERROR"))).toEqual([]);
  return h;
}

describe("HttpSourceTask and 204 No Content (an API with nothing new)", () => {
  test("is a page without records, not an unreadable body: behavior.on.error=fail does not fail the task", async () => {
    await nothingNewThenOneRecord(() => new Response(null, { status: 204 }));
  });

  test("ends OFFSET pagination there: the records of the pages before it are delivered", async () => {
    using server = api((_req, url) =>
      url.searchParams.get("offset") === "0"
        ? Response.json([{ id: 1 }, { id: 2 }])
        : new Response(null, { status: 204 }),
    );
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "OFFSET",
      "http.pagination.limit.value": "2",
    });
    expect(ids(await h.collect(3, 2))).toEqual([1, 2]);
    expect(server.seen.map((s) => s.query.offset)).toEqual(["0", "2"]);
    expect(h.logs.filter((l) => l.includes("WARN") || l.includes("ERROR"))).toEqual([]);
  });
});

describe("HttpSourceTask and a 200 with an empty body (an API with nothing new)", () => {
  test.each([
    ["no body", ""],
    ["white space", " \r\n"],
  ])("%s is a page without records as a 204 is: behavior.on.error=fail does not fail the task", async (_what, body) => {
    const h = await nothingNewThenOneRecord(
      () => new Response(body, { headers: { "content-type": "application/json" } }),
    );
    // Not silent: a DEBUG line says what the body was taken for (a 204 needs none).
    const debug = h.logs.filter((l) => l.includes("with an empty body, a page without records"));
    expect(debug).toHaveLength(1);
    expect(debug[0]).toContain("DEBUG");
  });

  test("ends OFFSET pagination there: the records of the pages before it are delivered", async () => {
    using server = api((_req, url) =>
      url.searchParams.get("offset") === "0" ? Response.json([{ id: 1 }, { id: 2 }]) : new Response(""),
    );
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "OFFSET",
      "http.pagination.limit.value": "2",
      "behavior.on.error": "fail",
    });
    expect(ids(await h.collect(3, 2))).toEqual([1, 2]);
    expect(server.seen.map((s) => s.query.offset)).toEqual(["0", "2"]);
    expect(h.logs.filter((l) => l.includes("WARN") || l.includes("ERROR"))).toEqual([]);
  });
});

describe("HttpSourceTask and an empty page in the middle of LINK_HEADER pagination", () => {
  // The Link header, not the body, says whether a page follows: an empty page is a page without
  // records as `[]` is, and its next link is followed (ending there left the pages after it unread
  // at every poll). OFFSET and CURSOR end there as on `[]` or `{}`: no records, no cursor.
  test.each([
    ["a 200 with an empty body", () => new Response("")],
    ["a 204", () => new Response(null, { status: 204 })],
  ])("%s with a next link: the page after it is read", async (_what, empty) => {
    using server = api((_req, url) => {
      const page = url.searchParams.get("page") ?? "1";
      const next = (n: number) => ({ link: `</e?page=${n}>; rel="next"` });
      if (page === "1") return Response.json([{ id: 1 }], { headers: next(2) });
      if (page === "2") {
        const r = empty();
        r.headers.set("link", next(3).link);
        return r;
      }
      return Response.json([{ id: 3 }]);
    });
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "LINK_HEADER",
      "behavior.on.error": "fail",
    });
    expect(ids(await h.collect(2, 2))).toEqual([1, 3]);
    expect(server.seen.map((s) => s.query.page)).toEqual([undefined, "2", "3"]);
    expect(h.logs.filter((l) => l.includes("WARN") || l.includes("ERROR"))).toEqual([]);
  });
});

describe("HttpSourceTask and a body its Content-Encoding does not describe", () => {
  test.each(["gzip", "deflate", "br", "zstd"])(
    "Content-Encoding: %s over plain JSON is an unreadable body: behavior.on.error=log goes on, the next poll reads the page",
    async (encoding) => {
      let n = 0;
      using server = api(() =>
        ++n === 1
          ? new Response('[{"id":1}]', { headers: { "content-encoding": encoding } })
          : Response.json([{ id: 1 }]),
      );
      const h = await startTask({
        "http.url": `${server.base}/e`,
        "http.response.records.path": "$[*]",
        "behavior.on.error": "log",
        "http.retry.max.attempts": "1",
        "http.timer.interval.ms": "60000",
      });
      const first = await h.task.poll(new AbortController().signal).catch((e: unknown) => e);
      expect(first).toBeNull();
      expect(h.logs.some((l) => l.includes("could not be decompressed") && l.includes("retries this page"))).toBe(true);
      expect(ids(await h.collect(1, 70))).toEqual([1]);
    },
  );

  test("behavior.on.error=fail fails the task naming the encoding; a body gzipped without the header is not JSON", async () => {
    using lying = api(() => new Response('[{"id":1}]', { headers: { "content-encoding": "gzip" } }));
    const h = await startTask({
      "http.url": `${lying.base}/e`,
      "http.response.records.path": "$[*]",
      "http.retry.max.attempts": "1",
    });
    const error = await h.task.poll(new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as Error).message).toContain("could not be decompressed (Content-Encoding: gzip)");
    expect((error as Error).message).toContain("behavior.on.error=fail");

    using silent = api(() => new Response(gzipSync('[{"id":1}]'), { headers: { "content-type": "application/json" } }));
    const g = await startTask({ "http.url": `${silent.base}/e`, "http.response.records.path": "$[*]" });
    const undeclared = await g.task.poll(new AbortController().signal).catch((e: unknown) => e);
    expect((undeclared as Error).message).toContain("is not UTF-8 text");
  });
});

describe("HttpSourceTask with TIMESTAMP offsets and a record whose field is not a timestamp", () => {
  test("the record is delivered as one without the field: the offset stays a timestamp, later records still come", async () => {
    const events: { id: number; ts: string }[] = [
      { id: 1, ts: "2024-06-01T10:00:00Z" },
      { id: 2, ts: "n/a" },
    ];
    using server = api(() => Response.json(events));
    const h = await startTask({
      "http.url": `${server.base}/events?since=\${offset}`,
      "http.response.records.path": "$[*]",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "ts",
      "http.timer.interval.ms": "60000",
    });
    const first = await h.collect(2);
    expect(ids(first)).toEqual([1, 2]);
    expect(first.at(-1)!.sourceOffset!.offset).toBe("2024-06-01T10:00:00Z");
    events.push({ id: 3, ts: "2024-06-01T11:00:00Z" });
    const second = await h.collect(2, 70);
    // Record 2 has no timestamp: every poll delivers it, as a record without the field.
    expect(ids(second)).toEqual([2, 3]);
    expect(server.seen.at(-1)!.query.since).toBe("2024-06-01T10:00:00Z");
    expect(second.at(-1)!.sourceOffset!.offset).toBe("2024-06-01T11:00:00Z");
  });
});

describe("HttpSourceTask and a page of a million records (a bulk export within http.response.max.bytes)", () => {
  test("delivers them all, in order, in poll batches of at most MAX_BATCH_RECORDS; the next page waits for the last batch", async () => {
    const count = 1_000_000;
    const body = `[${'"a",'.repeat(count - 1)}"a"]`;
    using server = api(() => new Response(body));
    const h = await startTask({ "http.url": `${server.base}/e`, "http.response.records.path": "$[*]" });
    // The page is read in slices (it does not hold the event loop): a poll that ends while it is
    // read leaves it pending, and a later poll hands out its first batch.
    const sizes: number[] = [];
    let skips = 0;
    for (let polls = 0; sizes.reduce((a, b) => a + b, 0) < count && polls < 500; polls++) {
      const records = await h.task.poll(new AbortController().signal);
      if (!records) continue;
      sizes.push(records.length);
      for (const r of records) if (r.sourceOffset?.skip === skips + 1) skips++;
      expect(server.seen.length).toBe(1);
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(count);
    expect(Math.max(...sizes)).toBe(MAX_BATCH_RECORDS);
    expect(skips).toBe(count - 1); // every record in page order; the last carries the poll's final offset
  });
});

describe("HttpSourceTask and a Retry-After that outlasts the retries", () => {
  test.each([
    ["seconds", () => "30"],
    ["an HTTP date", (now: number) => new Date(now + 30_000).toUTCString()],
  ])(
    "(%s) holds the next scheduled poll's request until then, up to http.retry.backoff.max.ms",
    async (_kind, retryAfter) => {
      const clock = new FastForwardClock();
      const at: number[] = [];
      using server = api(() => {
        at.push(clock.now());
        return at.length === 1
          ? new Response("slow down", { status: 429, headers: { "retry-after": retryAfter(clock.now()) } })
          : Response.json([{ id: 1 }]);
      });
      const h = await startTask(
        {
          "http.url": `${server.base}/e`,
          "http.response.records.path": "$[*]",
          "http.timer.interval.ms": "1000",
          "http.retry.max.attempts": "1",
          "behavior.on.error": "log",
        },
        { clock },
      );
      expect(ids(await h.collect(1, 70))).toEqual([1]);
      expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(29_000);
    },
  );
});

describe("HttpSourceTask and a JSON body not in UTF-8", () => {
  const names = (records: readonly { value: unknown }[]) =>
    records.map((r) => (materialized(r.value) as { n: string }).n);
  const latin1 = Buffer.concat([Buffer.from('[{"n":"caf'), Buffer.from([0xe9]), Buffer.from('"}]')]);

  test.each([
    // castorm's connector reads bodies with Jackson, which tells UTF-16 and UTF-32 by their first bytes.
    ["UTF-16LE with a byte order mark", Buffer.from('\ufeff[{"n":"café"}]', "utf16le"), "application/json"],
    ["UTF-16BE without one", Buffer.from('[{"n":"café"}]', "utf16le").swap16(), "application/json"],
    // Not JSON as RFC 8259 sends it, so read in the charset the server names only when not UTF-8.
    ["ISO-8859-1 it names", latin1, "application/json; charset=ISO-8859-1"],
  ])("%s is read as its text", async (_what, body, type) => {
    using server = api(() => new Response(body, { headers: { "content-type": type } }));
    const h = await startTask({ "http.url": `${server.base}/e`, "http.response.records.path": "$[*]" });
    expect(names(await h.collect(1))).toEqual(["café"]);
  });

  test("UTF-8 labelled ISO-8859-1 is read as UTF-8 (RFC 8259: the charset has no effect), Latin-1 unlabelled is refused", async () => {
    using mislabelled = api(() =>
      Response.json([{ n: "café" }], { headers: { "content-type": "application/json; charset=iso-8859-1" } }),
    );
    const h = await startTask({ "http.url": `${mislabelled.base}/e`, "http.response.records.path": "$[*]" });
    expect(names(await h.collect(1))).toEqual(["café"]);
    using unlabelled = api(() => new Response(latin1, { headers: { "content-type": "application/json" } }));
    const g = await startTask({ "http.url": `${unlabelled.base}/e`, "http.response.records.path": "$[*]" });
    const error = await g.task.poll(new AbortController().signal).catch((e: unknown) => e);
    expect((error as Error).message).toContain("is not UTF-8 text");
  });
});
