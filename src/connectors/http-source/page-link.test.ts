import { describe, expect, test } from "bun:test";
import { linkUrl, storedLink } from "./page-link.ts";
import { api, commit, recordIds as ids, startTask } from "./test-support.ts";

describe("storedLink and linkUrl", () => {
  const base = "https://u:pw@api.example.test/v1/events?api_key=S3CRET&per_page=50";

  test.each([
    [
      "https://api.example.test/v1/events?api_key=S3CRET&per_page=50&page=2",
      { link: "?page=2", linkParams: ["api_key", "per_page"] },
    ],
    ["https://api.example.test/v1/events?page=3&per_page=10", { link: "?page=3&per_page=10" }],
    ["https://api.example.test/v1/events?after=a%2Fb+c", { link: "?after=a%2Fb+c" }],
    ["https://api.example.test/v1/events", { link: "" }],
    ["https://api.example.test/v1/events/2?page=2", { link: "/v1/events/2?page=2" }],
  ])("%s is stored as %p, without http.url's path and parameters", (url, stored) => {
    expect(storedLink(new URL(url), base)).toEqual(stored);
  });

  test("a stored link is rebuilt on the current http.url: its origin, user info and parameter values", () => {
    const stored = { link: "?page=2", linkParams: ["api_key"] };
    expect(linkUrl(stored, "https://u:pw2@api.example.test/v1/events?api_key=ROTATED&per_page=50")).toBe(
      "https://u:pw2@api.example.test/v1/events?page=2&api_key=ROTATED",
    );
    // A link stored with its path (another path, or by an earlier version) keeps it.
    expect(linkUrl({ link: "/v1/events?page=2" }, "https://api.example.test/v1/events?per_page=50")).toBe(
      "https://api.example.test/v1/events?page=2",
    );
    // Whatever is stored (PATCH …/offsets), the origin is http.url's.
    expect(linkUrl({ link: "//evil.example.test/x" }, "https://api.example.test/")).toBe(
      "https://api.example.test//evil.example.test/x",
    );
  });
});

describe("a key in http.url's path (re-review)", () => {
  test("a link on http.url's own path is stored without the path; a restart uses the rotated key", () => {
    const next = new URL("https://api.example.test/botOLD-TOKEN/updates?offset=5");
    const stored = storedLink(next, "https://api.example.test/botOLD-TOKEN/updates");
    expect(stored).toEqual({ link: "?offset=5" });
    expect(linkUrl(stored, "https://api.example.test/botNEW-TOKEN/updates")).toBe(
      "https://api.example.test/botNEW-TOKEN/updates?offset=5",
    );
  });

  test("a link to another path keeps its path, the key in it included (documented)", () => {
    const next = new URL("https://api.example.test/botOLD-TOKEN/updates/2");
    expect(storedLink(next, "https://api.example.test/botOLD-TOKEN/updates")).toEqual({
      link: "/botOLD-TOKEN/updates/2",
    });
  });
});

describe("the stored offset keeps no secret of http.url (review P2.6)", () => {
  function linkedApi() {
    return api((_req, url) => {
      const page = Number(url.searchParams.get("page") ?? "1");
      const key = url.searchParams.get("api_key");
      if (key !== "NEW-KEY-2" && key !== "OLD-KEY-1") return new Response("bad key", { status: 401 });
      const next = `</events?api_key=${key}&page=${page + 1}>; rel="next"`;
      return Response.json([{ id: page * 10 }, { id: page * 10 + 1 }], {
        headers: page < 3 ? { link: next } : {},
      });
    });
  }
  const config = (server: { base: string }, key: string) => ({
    "http.url": `${server.base}/events?api_key=${key}`,
    "http.response.records.path": "$[*]",
    "http.pagination.type": "LINK_HEADER",
    "http.retry.max.attempts": "1",
  });

  test("Link pages store their path and query without the key; a restart uses the rotated key", async () => {
    using server = linkedApi();
    const before = await startTask(config(server, "OLD-KEY-1"));
    const delivered = await before.collect(6);
    expect(ids(delivered)).toEqual([10, 11, 20, 21, 30, 31]);
    for (const r of delivered) expect(JSON.stringify(r.sourceOffset)).not.toContain("OLD-KEY-1");
    expect(delivered[2]!.sourceOffset).toEqual({
      offset: "",
      offset_mode: "NONE",
      poll_time: expect.any(Number),
      next_offset: "",
      page_link: "?page=2",
      page_link_params: ["api_key"],
      skip: 1,
      page_offset: "",
    });
    commit(before, delivered.slice(0, 3)); // acknowledged up to the first record of page 2
    before.task.stop();
    const requests = server.seen.length;
    const after = await startTask(config(server, "NEW-KEY-2"), { offsets: before.offsets });
    expect(ids(await after.collect(3))).toEqual([21, 30, 31]);
    expect(server.seen.slice(requests).map((s) => s.query)).toEqual([
      { page: "2", api_key: "NEW-KEY-2" },
      { api_key: "NEW-KEY-2", page: "3" },
    ]);
    expect(
      after.logs.some((l) => l.includes("Resuming the interrupted poll at the page of a next link after 1 records")),
    ).toBe(true);
  });

  test("an offset stored with page_url by the previous version resumes on the current http.url, its secret never logged", async () => {
    using server = linkedApi();
    const partition = JSON.stringify({ url: `${server.base}/events?api_key=***` });
    const offsets = new Map([
      [
        partition,
        {
          offset: "",
          poll_time: 1,
          next_offset: "",
          page_url: `${server.base}/events?api_key=OLD-KEY-1&page=2`,
          skip: 1,
        },
      ],
    ]);
    const h = await startTask(config(server, "NEW-KEY-2"), { offsets });
    expect(ids(await h.collect(3))).toEqual([21, 30, 31]);
    expect(server.seen[0]!.query).toEqual({ page: "2", api_key: "NEW-KEY-2" });
    expect(h.logs.join("\n")).not.toContain("OLD-KEY-1");
    expect(h.logs.join("\n")).not.toContain("NEW-KEY-2");
  });

  test("an old page_url on another origin is not followed: the poll starts anew", async () => {
    using server = linkedApi();
    using other = api(() => Response.json([]));
    const offsets = new Map([
      [
        JSON.stringify({ url: `${server.base}/events?api_key=***` }),
        { offset: "", page_url: `${other.base}/events?api_key=OLD-KEY-1&page=2`, skip: 1 },
      ],
    ]);
    const h = await startTask(config(server, "NEW-KEY-2"), { offsets });
    expect(ids(await h.collect(6))).toEqual([10, 11, 20, 21, 30, 31]);
    expect(other.seen).toEqual([]);
    expect(
      h.logs.some((l) =>
        l.includes("Not resuming the interrupted poll: the stored page is not on the origin of http.url"),
      ),
    ).toBe(true);
  });

  test.each([
    ["OFFSET", { page_position: 2 }, { offset: "2", limit: "2", api_key: "NEW-KEY-2" }],
    ["CURSOR", { page_cursor: "c2" }, { cursor: "c2", api_key: "NEW-KEY-2" }],
  ])(
    "%s resumes from its stored state on the current http.url, also from an old page_url",
    async (type, state, query) => {
      using server = api(() => Response.json({ items: [{ id: 1 }] }));
      const settings = {
        "http.url": `${server.base}/events?api_key=NEW-KEY-2`,
        "http.response.records.path": "$.items[*]",
        "http.pagination.type": type,
        "http.pagination.limit.value": "2",
        "http.pagination.cursor.path": "$.next",
      };
      const partition = JSON.stringify({ url: `${server.base}/events?api_key=***` });
      for (const stored of [
        { offset: "", next_offset: "", ...state, skip: 0 },
        { offset: "", next_offset: "", ...state, page_url: `${server.base}/events?api_key=OLD-KEY-1&x=1`, skip: 0 },
      ]) {
        const h = await startTask(settings, { offsets: new Map([[partition, stored]]) });
        server.seen.length = 0;
        expect(ids(await h.collect(1))).toEqual([1]);
        expect(server.seen[0]!.query).toEqual(query);
      }
    },
  );
});

describe("a relative next link after a redirect (RFC 8288 §3.2: resolved against the URL that answered)", () => {
  const config = (server: { base: string }) => ({
    "http.url": `${server.base}/v1/events`,
    "http.response.records.path": "$[*]",
    "http.pagination.type": "LINK_HEADER",
    "http.retry.max.attempts": "1",
  });

  test("a same-origin redirect: the link is resolved against the redirect's target", async () => {
    using server = api((_req, url) => {
      if (url.pathname === "/v1/events") return Response.redirect(`${url.origin}/v2/events`, 302);
      if (url.pathname !== "/v2/events") return new Response("not found", { status: 404 });
      const page = Number(url.searchParams.get("page") ?? "1");
      const headers: Record<string, string> = page < 2 ? { link: `<events?page=${page + 1}>; rel="next"` } : {};
      return Response.json([{ id: page }], { headers });
    });
    const h = await startTask(config(server));
    expect(ids(await h.collect(2))).toEqual([1, 2]);
    expect(server.seen.map((s) => `${s.path}?${new URLSearchParams(s.query)}`)).toEqual([
      "/v1/events?",
      "/v2/events?",
      "/v2/events?page=2",
    ]);
    h.task.stop();
  });

  test("a redirect to another origin: its relative link leads there, so it is not followed (a warning)", async () => {
    using cdn = api(() => Response.json([{ id: 1 }], { headers: { link: '</v1/events?page=2>; rel="next"' } }));
    using server = api(() => Response.redirect(`${cdn.base}/export`, 302));
    const h = await startTask(config(server));
    expect(ids(await h.collect(1))).toEqual([1]);
    expect(server.seen.map((s) => s.query)).toEqual([{}]);
    expect(cdn.seen.map((s) => s.path)).toEqual(["/export"]);
    expect(h.logs.some((l) => l.includes(`the next link leads to ${cdn.base}, not to the origin of http.url`))).toBe(
      true,
    );
    h.task.stop();
  });
});
