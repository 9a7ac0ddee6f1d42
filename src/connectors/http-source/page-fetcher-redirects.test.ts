import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { startTask } from "./test-support.ts";

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
