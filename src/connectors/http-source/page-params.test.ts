import { describe, expect, test } from "bun:test";
import { firstPage, nextPage, type PaginationSettings, resumedPage } from "./pagination.ts";
import { api, startTask } from "./test-support.ts";

const settings = (type: PaginationSettings["type"]): PaginationSettings => ({
  type,
  offsetParam: "offset",
  limitParam: "limit",
  limit: 2,
  initialPosition: 0,
  cursorParam: "cursor",
  cursorPath: "$.next",
  maxPages: 10000,
});

/** http.url's own query, as the user wrote it: OData's `$filter`, a flag without value, `%20`. */
const QUERY = "$filter=name%20eq%20%27a%20b%27&include&tags=x,y&toString=1";

describe("the pagination parameters leave the rest of http.url's query as written", () => {
  test("OFFSET: the first, next and resumed pages only set offset and limit", () => {
    const p = settings("OFFSET");
    const first = firstPage(p, `https://api.test/v1/items?${QUERY}&offset=9`);
    expect(first.url).toBe(`https://api.test/v1/items?${QUERY}&offset=0&limit=2`);
    const next = nextPage(p, first, { headers: new Headers(), json: [], recordCount: 2 }, "https://api.test");
    expect(next).toEqual({ url: `https://api.test/v1/items?${QUERY}&offset=2&limit=2`, position: 2 });
    expect(resumedPage(p, `https://api.test/v1/items?${QUERY}`, { position: 4 })).toEqual({
      url: `https://api.test/v1/items?${QUERY}&offset=4&limit=2`,
      position: 4,
    });
  });

  test("CURSOR: the cursor is form-encoded, the rest kept", () => {
    const p = settings("CURSOR");
    const next = nextPage(
      p,
      { url: `https://api.test/x?${QUERY}` },
      {
        headers: new Headers(),
        json: { next: "a+b/c= d" },
        recordCount: 1,
      },
      "https://api.test",
    );
    expect(next).toEqual({ url: `https://api.test/x?${QUERY}&cursor=a%2Bb%2Fc%3D+d`, cursor: "a+b/c= d" });
  });

  test("the API receives the query it was configured with, page after page (a flag stays without `=`)", async () => {
    const raw: string[] = [];
    using server = api((req) => {
      raw.push(new URL(req.url).search);
      const offset = Number(new URL(req.url).searchParams.get("offset"));
      return Response.json(offset === 0 ? [{ id: 1 }, { id: 2 }] : [{ id: 3 }]);
    });
    const h = await startTask({
      "http.url": `${server.base}/items?${QUERY}`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "OFFSET",
      "http.pagination.limit.value": "2",
    });
    expect(await h.collect(3)).toHaveLength(3);
    expect(raw).toEqual([`?${QUERY}&offset=0&limit=2`, `?${QUERY}&offset=2&limit=2`]);
  });
});
