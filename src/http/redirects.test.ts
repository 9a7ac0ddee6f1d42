// Review finding P2.4: fetch's own redirect handling sent custom credential headers (X-Api-Key…)
// and 307 bodies to whatever host a Location named.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { makeTls, type TlsFiles } from "../../test/support/tls.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { DEFAULT_USER_AGENT, HttpClient, HttpRedirectError } from "./http-client.ts";
import { TokenProvider } from "./token-provider.ts";
import { TokenRequestError } from "./token-request-errors.ts";

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

const CREDENTIALS: [string, string][] = [
  ["Authorization", "Bearer SECRET-TOKEN"],
  ["X-Api-Key", "KEY-SECRET"],
  ["Cookie", "session=COOKIE-SECRET"],
  ["X-Tenant", "tenant-7"],
];

/** A server that records what reaches it and answers with `route(path)` (a redirect or 200). */
function recordingServer(seen: Seen[], route: (path: string) => Response | undefined) {
  return Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      seen.push({ method: req.method, path, headers: Object.fromEntries(req.headers), body: await req.text() });
      return route(path) ?? new Response("[]");
    },
  });
}

const redirect = (status: number, location: string) => new Response(null, { status, headers: { location } });

describe("HttpClient redirects", () => {
  const seenA: Seen[] = [];
  const seenB: Seen[] = [];
  let a: ReturnType<typeof Bun.serve>;
  let b: ReturnType<typeof Bun.serve>;
  const client = new HttpClient();

  beforeAll(() => {
    // Another port is another origin; "localhost" names the same host under another origin too.
    b = recordingServer(seenB, (path) => (path === "/back" ? redirect(302, `${a.url}final`) : undefined));
    a = recordingServer(seenA, (path) => {
      const status = Number(path.split("/")[1]);
      if (path.startsWith(`/${status}/same`)) return redirect(status, "/final");
      if (path.startsWith(`/${status}/away`)) return redirect(status, `http://localhost:${b.port}/steal?x=1`);
      if (path === "/loop") return redirect(302, "/loop");
      if (path === "/ftp") return redirect(302, "ftp://files.example/x");
      if (path === "/bad-location") return redirect(302, "http://[oops/x");
      if (path === "/no-location") return new Response("moved", { status: 302 });
      return undefined;
    });
  });
  afterAll(() => {
    a.stop(true);
    b.stop(true);
  });
  beforeEach(() => {
    seenA.length = 0;
    seenB.length = 0;
  });

  describe("to the same origin", () => {
    test("a GET is followed with every header", async () => {
      const res = await client.request({ method: "GET", url: `${a.url}302/same`, headers: CREDENTIALS });
      expect(res.status).toBe(200);
      expect(seenA.map((s) => s.path)).toEqual(["/302/same", "/final"]);
      expect(seenA[1]!.headers).toMatchObject({
        authorization: "Bearer SECRET-TOKEN",
        "x-api-key": "KEY-SECRET",
        cookie: "session=COOKIE-SECRET",
        "x-tenant": "tenant-7",
      });
    });

    test.each([301, 302, 307, 308])("a POST after %d repeats method, headers and body", async (status) => {
      await client.request({ method: "POST", url: `${a.url}${status}/same`, headers: CREDENTIALS, body: '[{"n":1}]' });
      expect(seenA[1]).toMatchObject({ method: "POST", path: "/final", body: '[{"n":1}]' });
      expect(seenA[1]!.headers["x-api-key"]).toBe("KEY-SECRET");
    });

    test("a 303 after a POST becomes a GET without body or Content-Type", async () => {
      await client.request({
        method: "POST",
        url: `${a.url}303/same`,
        headers: [...CREDENTIALS, ["Content-Type", "application/json"]],
        body: "{}",
      });
      expect(seenA[1]).toMatchObject({ method: "GET", path: "/final", body: "" });
      expect(seenA[1]!.headers["content-type"]).toBeUndefined();
      expect(seenA[1]!.headers.authorization).toBe("Bearer SECRET-TOKEN");
    });
  });

  describe("to another origin", () => {
    test.each([301, 302, 303, 307, 308])(
      "a GET after %d is followed without any of the caller's headers",
      async (status) => {
        const res = await client.request({ method: "GET", url: `${a.url}${status}/away`, headers: CREDENTIALS });
        expect(res.status).toBe(200);
        expect(seenB).toHaveLength(1);
        const { headers } = seenB[0]!;
        for (const name of ["authorization", "x-api-key", "cookie", "x-tenant"]) expect(headers[name]).toBeUndefined();
        expect(headers["user-agent"]).toBe(DEFAULT_USER_AGENT);
      },
    );

    test.each([307, 308])(
      "a POST with a body after %d is refused: nothing reaches the other origin",
      async (status) => {
        const error = await client
          .request({
            method: "POST",
            url: `${a.url}${status}/away?api_key=Q-SECRET`,
            headers: CREDENTIALS,
            body: "[1]",
          })
          .catch((e) => e);
        expect(error).toBeInstanceOf(HttpRedirectError);
        expect(error.message).toContain(`another origin (http://localhost:${b.port})`);
        expect(error.about).toBe("origin");
        expect(error.message).not.toContain("SECRET");
        expect(error.message).not.toContain("/steal");
        expect(seenB).toEqual([]);
      },
    );

    test("a POST after 303 goes on as a GET without body or headers", async () => {
      await client.request({ method: "POST", url: `${a.url}303/away`, headers: CREDENTIALS, body: "[1]" });
      expect(seenB).toHaveLength(1);
      expect(seenB[0]).toMatchObject({ method: "GET", body: "" });
      expect(seenB[0]!.headers.authorization).toBeUndefined();
      expect(seenB[0]!.headers["x-api-key"]).toBeUndefined();
    });

    test("headers dropped on the way out stay dropped when a later hop comes back", async () => {
      const res = await client.request({ method: "GET", url: `http://localhost:${b.port}/back`, headers: CREDENTIALS });
      expect(res.status).toBe(200);
      expect(seenA.map((s) => s.path)).toEqual(["/final"]);
      expect(seenA[0]!.headers.authorization).toBeUndefined();
      expect(seenA[0]!.headers["x-api-key"]).toBeUndefined();
    });
  });

  test("a redirect loop ends with an error", async () => {
    const error = await client.request({ method: "GET", url: `${a.url}loop` }).catch((e) => e);
    expect(error).toBeInstanceOf(HttpRedirectError);
    expect(error.message).toContain("more than 20 redirects");
    expect(error.about).toBe("path");
  });

  // What the HTTP sink tells apart: a refusal about where the chain leads, or about this chain alone.
  test.each([
    ["/ftp", "which is not http or https", "origin"],
    ["/bad-location", "with a Location that is not a URL", "path"],
  ])("a redirect from %s is refused (%s), about its %s", async (path, text, about) => {
    const error = await client.request({ method: "GET", url: `${a.url}${path.slice(1)}` }).catch((e) => e);
    expect(error).toBeInstanceOf(HttpRedirectError);
    expect(error.message).toContain(text);
    expect(error.about).toBe(about);
  });

  test("a 3xx without Location is the response", async () => {
    const res = await client.request({ method: "GET", url: `${a.url}no-location` });
    expect(res.status).toBe(302);
  });

  test("with followRedirects false a 3xx is the response", async () => {
    const res = await client.request({ method: "GET", url: `${a.url}302/away`, followRedirects: false });
    expect(res.status).toBe(302);
    expect(seenB).toEqual([]);
  });

  test("a token request is never redirected: the client secret stays with the configured endpoint", async () => {
    const tokens = new TokenProvider({
      tokenUrl: `${a.url}307/away`,
      form: { grant_type: "client_credentials", client_id: "gw", client_secret: "FORM-SECRET" },
      basicAuth: { user: "gw", password: "BASIC-SECRET" },
      expiryReductionMs: 1000,
      client,
      clock: new ManualClock(0),
    });
    const error = await tokens.token().catch((e) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.message).toContain("answered HTTP 307 (token requests do not follow redirects)");
    expect(error.message).not.toContain("SECRET");
    expect(seenB).toEqual([]);
  });

  describe("from https", () => {
    let dir: TempDir;
    let tls: TlsFiles;
    beforeAll(async () => {
      dir = await tempDir();
      tls = await makeTls(dir.path);
    });
    afterAll(() => dir[Symbol.asyncDispose]());

    test("to plain http is refused", async () => {
      using secure = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        tls: { cert: Bun.file(tls.serverCert), key: Bun.file(tls.serverKey) },
        fetch: () => redirect(302, `${b.url}steal`),
      });
      const httpsClient = new HttpClient({
        tls: { ca: [await Bun.file(tls.caCert).text()], rejectUnauthorized: true },
      });
      const error = await httpsClient
        .request({ method: "GET", url: `https://127.0.0.1:${secure.port}/`, headers: CREDENTIALS })
        .catch((e) => e);
      expect(error).toBeInstanceOf(HttpRedirectError);
      expect(error.message).toContain("https → http");
      expect(error.about).toBe("origin");
      expect(seenB).toEqual([]);
    });
  });
});
