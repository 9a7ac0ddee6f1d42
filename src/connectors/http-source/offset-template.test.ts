import { describe, expect, test } from "bun:test";
import { api, startTask } from "./test-support.ts";

/** `${offset}` in http.url, http.headers and http.request.body is replaced by the offset's text, as it is. */
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
});
