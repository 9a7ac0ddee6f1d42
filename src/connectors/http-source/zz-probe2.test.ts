import { describe, expect, test } from "bun:test";
import { api, startTask } from "./test-support.ts";
const sig = () => new AbortController().signal;
const oauth = (page: string, token: string, extra: Record<string, string> = {}) => ({
  "http.url": page, "http.response.records.path": "$[*]", "http.auth.type": "OAUTH2",
  "http.oauth2.token.url": token, "http.oauth2.client.id": "cid", "http.oauth2.client.secret": "sec-999",
  "http.retry.max.attempts": "2", "http.retry.backoff.ms": "10", ...extra });
describe("p2", () => {
  test("token 401", async () => {
    using s = api(() => Response.json([{ id: 1 }]));
    using t = api(() => Response.json({ error: "invalid_client" }, { status: 401 }));
    const h = await startTask(oauth(`${s.base}/e`, `${t.base}/tok`));
    const r = await h.task.poll(sig()).catch((e) => e);
    console.log("401:", r?.message, r?.constructor?.name, h.logs);
  });
  test("token slow then stop", async () => {
    using s = api(() => Response.json([{ id: 1 }]));
    using t = api(() => new Promise<Response>(() => {}));
    const h = await startTask(oauth(`${s.base}/e`, `${t.base}/tok`));
    const p = h.task.poll(sig());
    await Bun.sleep(100);
    const t0 = performance.now();
    h.task.stop();
    console.log("slow token stop:", await p.catch((e) => e), performance.now() - t0);
  });
  test("token slow timeout", async () => {
    using s = api(() => Response.json([{ id: 1 }]));
    using t = api(() => new Promise<Response>(() => {}));
    const h = await startTask(oauth(`${s.base}/e`, `${t.base}/tok`, { "http.request.timeout.ms": "300" }));
    let r: unknown;
    for (let i = 0; i < 5 && !r; i++) r = await h.task.poll(sig()).catch((e) => e);
    console.log("slow token timeout:", (r as Error)?.message);
  });
  test("page 401 always", async () => {
    using s = api(() => new Response("nope", { status: 401 }));
    using t = api(() => Response.json({ access_token: "abc" }));
    const h = await startTask(oauth(`${s.base}/e`, `${t.base}/tok`, { "behavior.on.error": "log", "http.timer.interval.ms": "1000" }));
    for (let i = 0; i < 5; i++) await h.task.poll(sig()).catch((e) => e);
    console.log("page 401:", s.seen.length, t.seen.length, h.logs.slice(0, 4));
  });
  test("token 200 non-json / html", async () => {
    using s = api(() => Response.json([{ id: 1 }]));
    using t = api(() => new Response("<html>login</html>"));
    const h = await startTask(oauth(`${s.base}/e`, `${t.base}/tok`));
    const r = await h.task.poll(sig()).catch((e) => e);
    console.log("html token:", r?.message);
  });
  test("token expires_in 0 / negative / huge", async () => {
    for (const exp of [0, -5, 1e12, "abc"]) {
      using s = api(() => Response.json([{ id: 1 }]));
      using t = api(() => Response.json({ access_token: "abc", expires_in: exp }));
      const h = await startTask(oauth(`${s.base}/e`, `${t.base}/tok`, { "http.timer.interval.ms": "1000" }));
      for (let i = 0; i < 4; i++) await h.task.poll(sig()).catch((e) => e);
      console.log("expires_in", exp, "pages", s.seen.length, "tokens", t.seen.length);
    }
  });
  test("429 retry-after date", async () => {
    let n = 0;
    using s = api(() => ++n < 3 ? new Response("slow", { status: 429, headers: { "retry-after": new Date(Date.now() + 3_600_000).toUTCString() } }) : Response.json([{ id: 1 }]));
    const h = await startTask({ "http.url": `${s.base}/e`, "http.response.records.path": "$[*]", "http.retry.max.attempts": "5" });
    const r = await h.collect(1);
    console.log("429 date:", r.length, h.clock.sleeps, h.logs);
  });
  test("cron overlap", async () => {
    using s = api(() => Response.json([{ id: 1 }]));
    const h = await startTask({ "http.url": `${s.base}/e`, "http.response.records.path": "$[*]", "http.timer.type": "cron", "http.timer.cron.expression": "* * * * * ?" });
    for (let i = 0; i < 5; i++) await h.task.poll(sig());
    console.log("cron:", s.seen.length, h.clock.sleeps);
  });
});
