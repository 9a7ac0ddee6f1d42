import { describe, expect, test } from "bun:test";
import { materialized } from "../../api/data/json-text.ts";
import { nextPage, type PaginationSettings } from "./pagination.ts";
import { parseJsonBody } from "./records.ts";
import { api, startTask } from "./test-support.ts";

const LINK: PaginationSettings = {
  type: "LINK_HEADER",
  offsetParam: "offset",
  limitParam: "limit",
  limit: 100,
  initialPosition: 0,
  cursorParam: "cursor",
  cursorPath: null,
  maxPages: 10000,
};
const utf8 = (text: string) => new TextEncoder().encode(text);
const linkPage = (link: string) => ({ headers: new Headers({ link }), json: [], recordCount: 1 });

describe("nextPage", () => {
  describe("with LINK_HEADER (review P1.2: next links only to http.url's origin)", () => {
    const current = { url: "https://api.example.test/events?page=1" };
    const origin = "https://api.example.test";

    test.each([
      ['</events?page=2>; rel="next"', "https://api.example.test/events?page=2"],
      ['<https://api.example.test:443/events?page=2>; rel="next"', "https://api.example.test/events?page=2"],
    ])("follows %s on the same origin", (link, url) => {
      expect(nextPage(LINK, current, linkPage(link), origin)).toEqual({ url, link: "/events?page=2" });
    });

    test.each([
      ['<http://api.example.test/events?page=2>; rel="next"', "http://api.example.test"],
      ['<https://other.example.test/events?page=2>; rel="next"', "https://other.example.test"],
      ['<https://api.example.test:8443/events?page=2>; rel="next"', "https://api.example.test:8443"],
      ['<//evil.example.test/x>; rel="next"', "https://evil.example.test"],
    ])("stops at %s (another origin, https→http included)", (link, target) => {
      expect(nextPage(LINK, current, linkPage(link), origin)).toEqual({
        stop: `the next link leads to ${target}, not to the origin of http.url (${origin})`,
      });
    });

    test("stops at a link that is not a URL", () => {
      expect(nextPage(LINK, current, linkPage('<http://[::1/x>; rel="next"'), origin)).toEqual({
        stop: "the next link is not a URL",
      });
    });
  });

  describe("with CURSOR", () => {
    const CURSOR: PaginationSettings = { ...LINK, type: "CURSOR", cursorPath: "$.next" };
    const cursorPage = (text: string) => ({ headers: new Headers(), recordCount: 1, ...parseJsonBody(utf8(text)) });

    // However the page was parsed, a number cursor is the number (`5.0` is 5, `1e3` 1000), as before schemaless Doubles.
    test.each([
      ['{"next":5.0}', "5"],
      ['{"next":1e3}', "1000"],
      ['{"next":-0.0}', "0"],
      ['{"next":5}', "5"],
      // A page the exact reviver reads (a long decimal, a Connect logical type name): its numbers are texts.
      ['{"next":1.50,"x":0.12345678901234567}', "1.5"],
      ['{"next":5.0,"x":"org.apache.kafka.connect.data.Date"}', "5"],
      ['{"next":"abc"}', "abc"],
    ])("on %s follows cursor %p", (text, cursor) => {
      expect(
        nextPage(CURSOR, { url: "https://api.example.test/e" }, cursorPage(text), "https://api.example.test"),
      ).toEqual({
        url: `https://api.example.test/e?cursor=${cursor}`,
        cursor,
      });
    });

    // A path to an object or array (`$.next` where the API answers `{"next": {"cursor": …}}`) ended
    // the poll after its first page without a word (sourcehunt P3).
    test.each(['{"next":{"cursor":"abc"}}', '{"next":["abc"]}'])("on %s ends pagination with a warning", (text) => {
      expect(
        nextPage(CURSOR, { url: "https://api.example.test/e" }, cursorPage(text), "https://api.example.test"),
      ).toEqual({ stop: "the cursor at $.next is an object or array, not a string or number" });
    });

    test.each(['{"next":false}', '{"next":null}', "{}"])("on %s ends pagination quietly", (text) => {
      expect(
        nextPage(CURSOR, { url: "https://api.example.test/e" }, cursorPage(text), "https://api.example.test"),
      ).toBeNull();
    });
  });
});

describe("HttpSourceTask with a Link header to another origin", () => {
  test("sends nothing there, delivers the page read and ends the poll with a warning", async () => {
    using other = api(() => Response.json([{ id: 99 }]));
    using server = api(() =>
      // localhost is another origin than 127.0.0.1, although the same machine.
      Response.json([{ id: 1 }], {
        headers: { link: `<http://localhost:${other.port}/steal?token=link-secret-1>; rel="next"` },
      }),
    );
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "LINK_HEADER",
      "http.headers": "Authorization: Bearer api-token-1, X-Api-Key: api-key-1",
      "http.timer.interval.ms": "60000",
    });
    const records = await h.collect(2, 3);
    expect(records.map((r) => materialized(r.value))).toEqual([{ id: 1 }]);
    expect(other.seen).toEqual([]);
    expect(server.seen.length).toBe(1);
    const warning = h.logs.filter((l) => l.includes("Pagination ends"));
    expect(warning).toHaveLength(1);
    expect(warning[0]).toContain(
      `the next link leads to http://localhost:${other.port}, not to the origin of http.url (${server.base})`,
    );
    expect(h.logs.join("\n")).not.toContain("link-secret-1");
    // The poll ended: its last record carries the poll's final offset, no page to resume.
    expect(records[0]!.sourceOffset).toEqual({ offset: "", offset_mode: "NONE", poll_time: expect.any(Number) });
  });
});

describe("HttpSourceTask with OFFSET pagination under other parameter names", () => {
  test("uses http.pagination.offset.param, .limit.param, .limit.value and .offset.initial as configured", async () => {
    using server = api((_req, url) => {
      const start = Number(url.searchParams.get("start"));
      const ids = [1, 2, 3, 4, 5].filter((id) => id > start && id <= start + Number(url.searchParams.get("count")));
      return Response.json(ids.map((id) => ({ id })));
    });
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "OFFSET",
      "http.pagination.offset.param": "start",
      "http.pagination.limit.param": "count",
      "http.pagination.limit.value": "2",
      "http.pagination.offset.initial": "1",
    });
    // Polls on past the fourth record, so the short page that ends the poll is asked for too.
    const records = await h.collect(5, 2);
    expect(records.map((r) => materialized(r.value))).toEqual([{ id: 2 }, { id: 3 }, { id: 4 }, { id: 5 }]);
    expect(server.seen.map((s) => s.query)).toEqual([
      { start: "1", count: "2" },
      { start: "3", count: "2" },
      { start: "5", count: "2" },
    ]);
  });
});
