import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { api, recordIds, startTask } from "./test-support.ts";

// Review finding P2.4, in the source: a redirect to another origin used to carry http.headers
// (an API key) and, for a 307, the request body there.
describe("PageFetcher redirects", () => {
  const seen: { method: string; headers: Record<string, string>; body: string }[] = [];
  let api: ReturnType<typeof Bun.serve>;
  let cdn: ReturnType<typeof Bun.serve>;
  beforeAll(() => {
    cdn = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        seen.push({ method: req.method, headers: Object.fromEntries(req.headers), body: await req.text() });
        return Response.json([{ id: 1 }]);
      },
    });
    api = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (req) =>
        new Response(null, {
          status: req.method === "POST" ? 307 : 302,
          headers: { location: `http://localhost:${cdn.port}/export.json` },
        }),
    });
  });
  afterAll(() => {
    api.stop(true);
    cdn.stop(true);
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const config = () => ({
    "http.url": `http://127.0.0.1:${api.port}/events`,
    "http.headers": "X-Api-Key: KEY-SECRET, Accept: application/json",
    "http.auth.type": "BASIC",
    "http.auth.user": "reader",
    "http.auth.password": "PASSWORD-SECRET",
    "http.response.records.path": "$[*]",
  });

  test("a GET redirected to another origin is followed without the configured headers or credentials", async () => {
    const h = await startTask(config());
    const records = await h.collect(1);
    expect(records.map((r) => r.value)).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers["x-api-key"]).toBeUndefined();
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(seen[0]!.headers.accept).not.toBe("application/json");
    h.task.stop();
  });

  test("a POST redirected to another origin is not sent there: the poll fails naming only the origin", async () => {
    const h = await startTask({ ...config(), "http.method": "POST", "http.request.body": '{"since":"SECRET-QUERY"}' });
    const error = await h.task.poll(new AbortController().signal).catch((e) => e);
    expect(error.message).toContain(`to another origin (http://localhost:${cdn.port})`);
    expect(error.message).not.toContain("SECRET");
    expect(seen).toEqual([]);
    h.task.stop();
  });
});

// auditsrc F1: a redirect the client does not follow (a loop, a Location that is no URL, https → http
// as a captive portal answers) failed the task whatever behavior.on.error, while a refused connection,
// a 5xx or an unreadable body let log / ignore retry the page at the next scheduled poll.
describe("HttpSourceTask and a redirect it does not follow", () => {
  const answers: Record<string, () => Response> = {
    "a redirect loop": () => new Response(null, { status: 302, headers: { location: "/e" } }),
    "a Location that is not a URL": () => new Response(null, { status: 302, headers: { location: "http://[::1" } }),
  };

  test.each(Object.keys(answers))(
    "%s follows behavior.on.error=log: the task goes on and the next poll reads the page",
    async (what) => {
      let polls = 0;
      using server = api(() => (polls >= 2 ? Response.json([{ id: 1 }]) : answers[what]!()));
      const h = await startTask({
        "http.url": `${server.base}/e`,
        "http.response.records.path": "$[*]",
        "behavior.on.error": "log",
        "http.timer.interval.ms": "60000",
      });
      polls = 1;
      expect(await h.task.poll(new AbortController().signal)).toBeNull();
      const warnings = h.logs.filter((l) => l.includes("WARN"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("skipped (behavior.on.error=log), the next poll at");
      expect(warnings[0]).toContain("retries this page");
      polls = 2;
      expect(recordIds(await h.collect(1, 70))).toEqual([1]);
      h.task.stop();
    },
  );

  test("a redirect loop with behavior.on.error=fail fails the task, saying so", async () => {
    using server = api(answers["a redirect loop"]!);
    const h = await startTask({ "http.url": `${server.base}/e`, "behavior.on.error": "fail" });
    const error = await h.task.poll(new AbortController().signal).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`GET ${server.base}/e: more than 20 redirects (behavior.on.error=fail)`);
    h.task.stop();
  });
});
