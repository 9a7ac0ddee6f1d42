import { describe, expect, test } from "bun:test";
import { parseHttpSourceConfig } from "./config-rules.ts";
import { withOffset } from "./offset-template.ts";
import { pageRequest } from "./page-request.ts";
import { api, startTask } from "./test-support.ts";

describe("page-request", () => {
  describe("withOffset", () => {
    test.each([
      ["?since=${offset}", "a b&c", "url", "?since=a%20b%26c"],
      ["since ${offset}", "a b&c", "body", "since a b&c"],
      ["?since=${offset}&again=${offset}", 42, "url", "?since=42&again=42"],
      ["?since=${offset}", null, "url", "?since="],
      ["no placeholder", "x", "url", "no placeholder"],
    ] as const)("%p with %p (in the %p) is %p", (template, offset, place, expected) => {
      expect(withOffset(template, offset, place)).toBe(expected);
    });
  });

  test("the request carries the method in capitals and the offset in its headers and body, as is", () => {
    const c = parseHttpSourceConfig({
      "http.url": "http://127.0.0.1:1/events?since=${offset}",
      "kafka.topic": "t",
      "http.method": "post",
      "http.request.body": '{"since":"${offset}"}',
    });
    const headers: [string, string][] = [["X-Since", "${offset}"]];
    expect(pageRequest(c, headers, "http://127.0.0.1:1/events?since=a%20b", "a b")).toEqual({
      method: "POST",
      url: "http://127.0.0.1:1/events?since=a%20b",
      headers: [
        ["X-Since", "a b"],
        ["Content-Type", "application/json"],
      ],
      body: '{"since":"a b"}',
    });
  });

  describe("the Content-Type of http.request.body", () => {
    test.each([
      [
        "a JSON object, none in http.headers: application/json",
        '{"query": "SELECT * FROM events"}',
        null,
        "application/json",
      ],
      ["a JSON array with ${offset}: application/json", "[${offset}]", null, "application/json"],
      ["set in http.headers: that one alone", '{"q":1}', "content-type: text/plain", "text/plain"],
      ["a body that is no JSON object or array: none", "q=${offset}", null, null],
    ])("%s", async (_name, body, headers, expected) => {
      await using server = api(() => Response.json({ id: 1 }));
      const h = await startTask({
        "http.url": `${server.base}/query`,
        "http.method": "POST",
        "http.request.body": body,
        ...(headers === null ? {} : { "http.headers": headers }),
      });
      try {
        expect(await h.collect(1)).toHaveLength(1);
        expect(server.seen[0]!.headers.get("content-type")).toBe(expected);
      } finally {
        await h.task.stop();
      }
    });
  });

  test("without http.request.body the request has no body", () => {
    const c = parseHttpSourceConfig({ "http.url": "http://127.0.0.1:1/events", "kafka.topic": "t" });
    expect(pageRequest(c, [], "http://127.0.0.1:1/events", null)).toEqual({
      method: "GET",
      url: "http://127.0.0.1:1/events",
      headers: [],
      body: undefined,
    });
  });
});
