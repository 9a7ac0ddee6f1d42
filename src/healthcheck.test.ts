import { afterAll, describe, expect, test } from "bun:test";
import { processResult } from "../test/support/command.ts";
import { gatewayCommand } from "../test/support/gateway.ts";
import { tempDir } from "../test/support/temp-dir.ts";
import { makeRsaCert } from "../test/support/tls.ts";
import { checkHealth, healthUrl } from "./healthcheck.ts";

const answers: Record<string, () => Response> = {
  "/up/health": () => Response.json({ status: "healthy", message: "Worker has completed startup" }),
  "/starting/health": () =>
    Response.json({ status: "starting", message: "Worker is still starting up." }, { status: 503 }),
  "/html/health": () => new Response("<html>\n<body>Bad gateway</body></html>", { status: 502 }),
  "/lying/health": () => Response.json({ status: "unhealthy", message: "x".repeat(400) }, { status: 200 }),
};
const asked: string[] = [];
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (request) => {
    const url = new URL(request.url);
    asked.push(url.pathname + url.search);
    return (answers[url.pathname] ?? (() => new Response("", { status: 404 })))();
  },
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
    // explore25 F5: whatever answered, its body is not printed unless it is a health answer.
    expect(await checkHealth(`${base}/html`)).toEqual({ healthy: false, reason: `${base}/html/health answered 502` });
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

  // explore25 F5: "/health" was appended after the query (`/?x=1/health`).
  test("/health is joined to the URL's path, its query kept", async () => {
    expect(healthUrl("http://h:1/?x=1").href).toBe("http://h:1/health?x=1");
    expect(healthUrl("http://h:1/up//?x=1#f").href).toBe("http://h:1/up/health?x=1");
    expect(await checkHealth(`${base}/up?probe=1`)).toEqual({ healthy: true });
    expect(asked.at(-1)).toBe("/up/health?probe=1");
    expect(await checkHealth("not a url")).toEqual({ healthy: false, reason: "not a URL: not a url" });
  });

  // explore25 F5: the URL's user info became a Basic header sent to a server whose certificate was not verified.
  test("credentials go to a verified server only (one NODE_EXTRA_CA_CERTS trusts too); without credentials a self-signed listener is checked", async () => {
    await using dir = await tempDir();
    await makeRsaCert(dir.path, "self", "localhost", "-addext", "subjectAltName=IP:127.0.0.1");
    const authorizations: (string | null)[] = [];
    using tls = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: Bun.file(dir.file("self.pem")), key: Bun.file(dir.file("self.key")) },
      fetch: (request) => {
        authorizations.push(request.headers.get("authorization"));
        return answers["/up/health"]!();
      },
    });
    expect(await checkHealth(`https://127.0.0.1:${tls.port}/up`)).toEqual({ healthy: true });
    const withCredentials = await checkHealth(`https://admin:s3cret@127.0.0.1:${tls.port}/up`);
    expect(withCredentials.healthy).toBe(false);
    expect(withCredentials.reason).toStartWith(`cannot reach https://***@127.0.0.1:${tls.port}/up/health: `);
    expect(authorizations).toEqual([null]);
    // review P3-5: Bun's fetch trusts the CAs NODE_EXTRA_CA_CERTS names, read when the process starts.
    const trusting = Bun.spawn([...gatewayCommand(), "healthcheck", `https://admin:s3cret@127.0.0.1:${tls.port}/up`], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: dir.file("self.pem") },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await processResult(trusting)).toEqual({ code: 0, out: "", err: "" });
    expect(authorizations).toEqual([null, `Basic ${btoa("admin:s3cret")}`]);
  });
});
