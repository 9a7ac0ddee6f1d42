import { describe, expect, test } from "bun:test";
import { bodyPlace, withOffset } from "./offset-template.ts";
import { api, startTask } from "./test-support.ts";

/** Records at `$[*]`, the CURSOR offset their `id`; the next poll a second later. */
const cursorById = {
  "http.response.records.path": "$[*]",
  "http.offset.mode": "CURSOR",
  "http.offset.field": "id",
  "http.timer.interval.ms": "1000",
};

/** `${offset}` in http.url, http.headers and http.request.body is replaced by the offset's text. */
describe("${offset} templating", () => {
  test("an offset holding $&, $$ or $` is put in the body, headers and URL literally", async () => {
    const offset = "a$&b$$c$`d$'e";
    using server = api(() => Response.json([]));
    const h = await startTask({
      "http.url": `${server.base}/query?after=\${offset}`,
      "http.method": "POST",
      "http.headers": "X-After: ${offset}",
      "http.request.body": '{"after": "${offset}"}',
      "http.response.records.path": "$[*]",
      "http.offset.mode": "CURSOR",
      "http.offset.field": "id",
      "http.initial.offset": offset,
    });
    await h.collect(1, 1);
    expect(server.seen.map((s) => [s.query.after, s.headers.get("x-after"), s.body])).toEqual([
      [offset, offset, `{"after": "${offset}"}`],
    ]);
  });

  test("a cursor from the API that a header cannot carry is percent-encoded there: no added header, no failed task", async () => {
    using server = api((_req, _url, n) => Response.json(n === 1 ? [{ id: "日本\r\nX-Evil: 1" }] : []));
    const h = await startTask({
      "http.url": `${server.base}/query`,
      "http.headers": "X-After: ${offset}",
      ...cursorById,
    });
    expect(await h.collect(1)).toHaveLength(1);
    expect(await h.collect(1, 1)).toEqual([]);
    expect(server.seen).toHaveLength(2);
    expect(server.seen[1]!.headers.get("x-after")).toBe("%E6%97%A5%E6%9C%AC%0D%0AX-Evil: 1");
    expect(server.seen[1]!.headers.get("x-evil")).toBeNull();
  });

  test("a cursor from the API holding a lone surrogate is sent as U+FFFD in the URL and a header, not a failed poll", async () => {
    using server = api(
      (_req, _url, n) =>
        new Response(n === 1 ? '[{"id": "a\\ud800b"}]' : "[]", { headers: { "content-type": "application/json" } }),
    );
    const h = await startTask({
      "http.url": `${server.base}/query?after=\${offset}`,
      "http.headers": "X-After: ${offset}",
      ...cursorById,
    });
    expect(await h.collect(1)).toHaveLength(1);
    expect(await h.collect(1, 1)).toEqual([]);
    expect(server.seen).toHaveLength(2);
    expect(server.seen[1]!.query.after).toBe("a\ufffdb");
    expect(server.seen[1]!.headers.get("x-after")).toBe("a%EF%BF%BDb");
  });

  test("each place encodes the offset its own way; a template without the placeholder is left alone", () => {
    expect(withOffset("http://h/x?since=${offset}", "2024-01-01T00:00:00+02:00", "url")).toBe(
      "http://h/x?since=2024-01-01T00%3A00%3A00%2B02%3A00",
    );
    expect(withOffset("v=${offset}", "café\t1", "header")).toBe("v=caf%C3%A9\t1");
    expect(withOffset('{"a":"${offset}"}', "café", "body")).toBe('{"a":"café"}');
    expect(withOffset("${offset}-${offset}", 12, "body")).toBe("12-12");
    expect(withOffset("${offset}", null, "url")).toBe("");
    expect(withOffset("$& plain", "x", "body")).toBe("$& plain");
  });

  test("a cursor holding quotes and backslashes goes JSON-escaped into a JSON body: the body stays JSON, no field added", async () => {
    const cursor = 'a"b\\c", "admin": true, "x": "\u0001';
    using server = api((_req, _url, n) => Response.json(n === 1 ? [{ id: cursor }] : []));
    const h = await startTask({
      "http.url": `${server.base}/query`,
      "http.method": "POST",
      "http.headers": "Content-Type: application/json",
      "http.request.body": '{"after": "${offset}", "n": ${offset}}',
      ...cursorById,
    });
    expect(await h.collect(1)).toHaveLength(1);
    expect(await h.collect(1, 1)).toEqual([]);
    expect(server.seen).toHaveLength(2);
    expect(JSON.parse(server.seen[0]!.body)).toEqual({ after: "", n: "" });
    expect(JSON.parse(server.seen[1]!.body)).toEqual({ after: cursor, n: cursor });
  });

  test("in a JSON body the offset is escaped in a string and a value outside one (a JSON cursor as it is); other bodies take it as it is", () => {
    const json = '{"a": "x ${offset} \\" ${offset}", "b": ${offset}, "c": [${offset}]}';
    expect(JSON.parse(withOffset(json, 'q"\\', "json"))).toEqual({ a: 'x q"\\ " q"\\', b: 'q"\\', c: ['q"\\'] });
    expect(JSON.parse(withOffset(json, 12, "json"))).toEqual({ a: 'x 12 " 12', b: 12, c: [12] });
    expect(JSON.parse(withOffset(json, "12345678901234567890", "json")).b).toBe(12345678901234567000);
    expect(withOffset('{"b": ${offset}}', "12345678901234567890", "json")).toBe('{"b": 12345678901234567890}');
    expect(JSON.parse(withOffset(json, null, "json"))).toEqual({ a: 'x  " ', b: null, c: [null] });
    // A cursor that is one JSON value goes outside a string as that value (it can add no field there).
    expect(JSON.parse(withOffset('{"b": ${offset}}', '{"page":2,"k":"v"}', "json"))).toEqual({
      b: { page: 2, k: "v" },
    });
    expect(JSON.parse(withOffset('{"b": ${offset}}', "true", "json"))).toEqual({ b: true });
    expect(JSON.parse(withOffset('{"b": ${offset}}', '1, "evil": 2', "json"))).toEqual({ b: '1, "evil": 2' });
    expect(withOffset('{"a":"${offset}"}', 'q"', "body")).toBe('{"a":"q""}');
    expect(bodyPlace('{"a": ${offset}}', [])).toBe("json");
    expect(bodyPlace('{"a": "${offset}"}', [["content-type", "text/plain"]])).toBe("body");
    expect(bodyPlace("after=${offset}", [])).toBe("body");
    expect(bodyPlace("${offset}", [])).toBe("body");
    expect(bodyPlace('"${offset}"', [])).toBe("body");
    expect(bodyPlace("${offset}", [["Content-Type", "application/json"]])).toBe("json");
    expect(bodyPlace("not json ${offset}", [[" Content-Type ", "application/vnd.api+json; charset=utf-8"]])).toBe(
      "json",
    );
  });
});
