import { afterAll, describe, expect, test } from "bun:test";
import { checkHealth } from "./healthcheck.ts";

const answers: Record<string, () => Response> = {
  "/up/health": () => Response.json({ status: "healthy", message: "Worker has completed startup" }),
  "/starting/health": () =>
    Response.json({ status: "starting", message: "Worker is still starting up." }, { status: 503 }),
  "/html/health": () => new Response("<html>\n<body>Bad gateway</body></html>", { status: 502 }),
  "/lying/health": () => Response.json({ status: "unhealthy", message: "x".repeat(400) }, { status: 200 }),
};
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (request) => (answers[new URL(request.url).pathname] ?? (() => new Response("", { status: 404 })))(),
});
afterAll(() => server.stop(true));
const base = `http://127.0.0.1:${server.port}`;

describe("gateway healthcheck", () => {
  test("healthy: 200 with status healthy, nothing to say", async () => {
    expect(await checkHealth(`${base}/up/`)).toEqual({ healthy: true });
  });

  test("not healthy: the status and the health message, or the answer's text", async () => {
    expect(await checkHealth(`${base}/starting`)).toEqual({
      healthy: false,
      reason: `${base}/starting/health answered 503 (starting: Worker is still starting up.)`,
    });
    expect(await checkHealth(`${base}/html`)).toEqual({
      healthy: false,
      reason: `${base}/html/health answered 502 (<html> <body>Bad gateway</body></html>)`,
    });
    const lying = await checkHealth(`${base}/lying`);
    expect(lying.healthy).toBe(false);
    expect(lying.reason).toBe(`${base}/lying/health answered 200 (unhealthy: ${"x".repeat(289)}…)`);
  });

  test("unreachable: says it could not reach the URL", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const port = closed.port;
    closed.stop(true);
    const result = await checkHealth(`http://127.0.0.1:${port}`);
    expect(result.healthy).toBe(false);
    expect(result.reason).toStartWith(`cannot reach http://127.0.0.1:${port}/health: `);
  });

  test("the URL's user info is not shown", async () => {
    const answered = await checkHealth(`http://admin:s3cret@127.0.0.1:${server.port}/starting`);
    expect(answered.reason).toStartWith(`http://***@127.0.0.1:${server.port}/starting/health answered 503`);
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const port = closed.port;
    closed.stop(true);
    const unreachable = await checkHealth(`http://admin:s3cret@127.0.0.1:${port}`);
    expect(unreachable.reason).toStartWith(`cannot reach http://***@127.0.0.1:${port}/health: `);
    expect(unreachable.reason).not.toContain("s3cret");
  });
});
