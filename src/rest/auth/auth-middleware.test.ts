import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../util/manual-clock.ts";
import { restAuthentication } from "./auth-middleware.ts";
import { bearerAuthenticator } from "./bearer-auth.ts";
import { basic, credentialsFile, middleware, PASSWORDS, serve } from "./middleware-harness.ts";
import { AUDIENCE, ISSUER, jwksServer, tempFiles } from "./test-support.ts";

const now = () => Math.floor(Date.now() / 1000);

async function answer(response: Response) {
  return {
    status: response.status,
    contentType: response.headers.get("Content-Type"),
    challenge: response.headers.get("WWW-Authenticate"),
    body: (await response.json()) as Record<string, any>,
  };
}

describe("restAuthentication", () => {
  test("is off by default: no middleware, every request is served", async () => {
    const { auth } = middleware({});
    expect(auth).toBeNull();
    expect(restAuthentication(null)).toBeNull();
    await using server = serve(auth);
    expect(await answer(await server.request("/connectors"))).toEqual({
      status: 200,
      contentType: "application/json",
      challenge: null,
      body: { principal: null },
    });
  });

  describe("with basic", () => {
    const unauthorized = (message: string) => ({
      status: 401,
      contentType: "application/json",
      challenge: 'Basic realm="Kafka Connect", charset="UTF-8"',
      body: { error_code: 401, message },
    });

    test.each([
      ["alice (argon2id)", "alice"],
      ["bob (bcrypt)", "bob"],
    ] as const)("admits %s and exposes the principal", async (_case, user) => {
      await using files = await tempFiles();
      const { auth } = middleware({
        "rest.authentication": "basic",
        "rest.authentication.basic.credentials.file": await credentialsFile(files),
      });
      await using server = serve(auth);
      const response = await server.request("/connectors", { Authorization: basic(user, PASSWORDS[user]) });
      expect(await answer(response)).toEqual({
        status: 200,
        contentType: "application/json",
        challenge: null,
        body: { principal: { scheme: "basic", name: user } },
      });
    });

    test.each([
      ["a missing header", undefined, "Missing credentials"],
      ["an empty header", "", "Missing credentials"],
      ["a wrong password", basic("alice", "wrong-password"), "Invalid credentials"],
      ["another user's password", basic("alice", PASSWORDS.bob), "Invalid credentials"],
      ["an unknown user", basic("mallory", PASSWORDS.alice), "Invalid credentials"],
      ["credentials that are not base64", "Basic alice:alice-S3cret-pw", "Malformed Basic credentials"],
      ["credentials without a colon", `Basic ${btoa("alice")}`, "Malformed Basic credentials"],
      ["the scheme alone", "Basic", "Malformed Basic credentials"],
      ["another scheme", "Digest username=alice", "Unsupported authentication scheme; use Basic"],
      ["a bearer token when only basic is on", "Bearer abc.def.ghi", "Unsupported authentication scheme; use Basic"],
    ])("refuses %s with 401", async (_case, authorization, message) => {
      await using files = await tempFiles();
      const { auth } = middleware({
        "rest.authentication": "basic",
        "rest.authentication.basic.credentials.file": await credentialsFile(files),
      });
      await using server = serve(auth);
      const headers: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization };
      expect(await answer(await server.request("/connectors", headers))).toEqual(unauthorized(message));
    });

    test("reads the scheme case-insensitively", async () => {
      await using files = await tempFiles();
      const { auth } = middleware({
        "rest.authentication": "basic",
        "rest.authentication.basic.credentials.file": await credentialsFile(files),
      });
      await using server = serve(auth);
      const authorization = basic("bob", PASSWORDS.bob).replace("Basic", "bAsIc");
      expect((await server.request("/connectors", { Authorization: authorization })).status).toBe(200);
    });

    test("announces the configured realm", async () => {
      await using files = await tempFiles();
      const { auth } = middleware({
        "rest.authentication": "basic",
        "rest.authentication.basic.credentials.file": await credentialsFile(files),
        "rest.authentication.basic.realm": "edge-gateway",
      });
      await using server = serve(auth);
      const response = await server.request("/connectors");
      expect(response.headers.get("WWW-Authenticate")).toBe('Basic realm="edge-gateway", charset="UTF-8"');
    });

    test("logs a failed login with a known user's name, never an unknown user's", async () => {
      await using files = await tempFiles();
      const { auth, lines } = middleware({
        "rest.authentication": "basic",
        "rest.authentication.basic.credentials.file": await credentialsFile(files),
      });
      await using server = serve(auth);
      await server.request("/connectors", { Authorization: basic("alice", "wrong") });
      await server.request("/connectors", { Authorization: basic(PASSWORDS.bob, "x") });
      const classes =
        "TRACE Verified a password against 2 hash classes: argon2id$m=19456,t=2, bcrypt$10 (test.rest.auth)";
      expect(lines.map((l) => l.replace(/^\[[^\]]+\] /, ""))).toEqual([
        classes,
        'WARN Failed authentication for GET /connectors from 127.0.0.1: invalid credentials for user "alice" (test.rest.auth)',
        classes,
        "WARN Failed authentication for GET /connectors from 127.0.0.1: invalid credentials for an unknown user (test.rest.auth)",
      ]);
    });
  });

  describe("with bearer", () => {
    async function setup() {
      const jwks = await jwksServer();
      await jwks.addKey("RS256");
      const { auth, lines } = middleware({
        "rest.authentication": "bearer",
        "rest.authentication.bearer.jwks.url": jwks.url.href,
        "rest.authentication.bearer.issuer": ISSUER,
        "rest.authentication.bearer.audience": AUDIENCE,
      });
      const server = serve(auth);
      return {
        jwks,
        server,
        lines,
        async [Symbol.asyncDispose]() {
          await server[Symbol.asyncDispose]();
          await jwks[Symbol.asyncDispose]();
        },
      };
    }

    /** A server whose bearer authenticator takes `algorithms` and refetches `jwksUrl` at most once in `jwksCooldownMs`. */
    const bearerServer = (jwksUrl: URL, algorithms: string[], jwksCooldownMs: number) =>
      serve(
        restAuthentication({
          basic: null,
          bearer: bearerAuthenticator({
            jwksUrl,
            issuer: ISSUER,
            audience: [AUDIENCE],
            algorithms,
            clockToleranceSeconds: 30,
            jwksCooldownMs,
          }),
          exemptPaths: [],
        }),
      );

    test("admits a valid token and exposes the subject and claims", async () => {
      await using t = await setup();
      const token = await t.jwks.sign({ sub: "svc-ci", scope: "connectors" });
      const { status, body } = await answer(
        await t.server.request("/connectors", { Authorization: `Bearer ${token}` }),
      );
      expect(status).toBe(200);
      expect(body.principal).toMatchObject({
        scheme: "bearer",
        name: "svc-ci",
        claims: { sub: "svc-ci", scope: "connectors" },
      });
    });

    test.each([
      ["an expired token", { exp: now() - 3600 }, 'Invalid token: "exp" claim timestamp check failed'],
      ["a wrong issuer", { iss: "https://evil.example" }, 'Invalid token: unexpected "iss" claim value'],
      ["a wrong audience", { aud: "billing" }, 'Invalid token: unexpected "aud" claim value'],
    ])("refuses %s with 401 and an invalid_token challenge", async (_case, claims, message) => {
      await using t = await setup();
      const token = await t.jwks.sign(claims);
      expect(await answer(await t.server.request("/connectors", { Authorization: `Bearer ${token}` }))).toEqual({
        status: 401,
        contentType: "application/json",
        challenge: 'Bearer error="invalid_token"',
        body: { error_code: 401, message },
      });
    });

    test("refuses a missing token with a plain Bearer challenge", async () => {
      await using t = await setup();
      expect(await answer(await t.server.request("/connectors"))).toEqual({
        status: 401,
        contentType: "application/json",
        challenge: "Bearer",
        body: { error_code: 401, message: "Missing credentials" },
      });
    });

    test("a token signed with a rotated key triggers a JWKS refetch once the cooldown allows", async () => {
      await using jwks = await jwksServer();
      await jwks.addKey("RS256");
      await using server = bearerServer(jwks.url, ["RS256", "ES256"], 0);
      const before = await jwks.sign();
      expect((await server.request("/connectors", { Authorization: `Bearer ${before}` })).status).toBe(200);
      expect((await server.request("/connectors", { Authorization: `Bearer ${before}` })).status).toBe(200);
      expect(jwks.requests).toBe(1);

      const kid = await jwks.rotate("ES256");
      const after = await jwks.sign({ sub: "after-rotation" }, { kid });
      const response = await server.request("/connectors", { Authorization: `Bearer ${after}` });
      expect((await answer(response)).body.principal.name).toBe("after-rotation");
      expect(jwks.requests).toBe(2);
      const old = await server.request("/connectors", { Authorization: `Bearer ${before}` });
      expect((await answer(old)).body.message).toBe("Invalid token: no applicable key found in the JSON Web Key Set");
      expect(jwks.requests).toBe(3);
    });

    // ingestp3: 401 (a token the client should give up on) while the key was not yet fetched.
    test("a rotated key within the JWKS refetch cooldown: 503 with Retry-After, not 401", async () => {
      await using jwks = await jwksServer();
      await jwks.addKey("RS256");
      await using server = bearerServer(jwks.url, ["RS256"], 600_000);
      expect((await server.request("/connectors", { Authorization: `Bearer ${await jwks.sign()}` })).status).toBe(200);
      const kid = await jwks.rotate("RS256");
      const response = await server.request("/connectors", { Authorization: `Bearer ${await jwks.sign({}, { kid })}` });
      expect(response.headers.get("Retry-After")).toMatch(/^(600|599)$/);
      expect(await answer(response)).toEqual({
        status: 503,
        contentType: "application/json",
        challenge: null,
        body: {
          error_code: 503,
          message:
            "Cannot verify the bearer token yet: its key is not among the identity provider's keys the gateway holds; they are fetched again shortly",
        },
      });
    });

    // adminauth hunt 2026-12-03: each made-up key id within the cooldown was a WARN line (503s are
    // not failed attempts, so the throttle never stopped them): a line per request for any client.
    test("tokens naming unknown key ids within the cooldown: one WARN per JWKS fetch, the others at DEBUG", async () => {
      await using jwks = await jwksServer();
      await jwks.addKey("RS256");
      const clock = new ManualClock(Date.now());
      const { auth, lines } = middleware(
        {
          "rest.authentication": "bearer",
          "rest.authentication.bearer.jwks.url": jwks.url.href,
          "rest.authentication.bearer.algorithms": "RS256",
        },
        clock,
      );
      await using server = serve(auth);
      expect((await server.request("/connectors", { Authorization: `Bearer ${await jwks.sign()}` })).status).toBe(200);
      const madeUp = async () => {
        const kid = await jwks.addKey("RS256");
        const token = await jwks.sign({}, { kid });
        jwks.remove(kid);
        return (await server.request("/connectors", { Authorization: `Bearer ${token}` })).status;
      };
      for (let i = 0; i < 5; i++) expect(await madeUp()).toBe(503);
      const pending = () => lines.filter((l) => l.includes("Cannot verify the bearer token of GET /connectors"));
      expect(pending().map((l) => l.split(" ")[2])).toEqual(["WARN", "DEBUG", "DEBUG", "DEBUG", "DEBUG"]);
      expect(pending()[0]).toContain("(more such requests are logged at DEBUG until the JWKS is fetched again)");
      clock.advance(30_000);
      expect(await madeUp()).toBe(401);
      expect(await madeUp()).toBe(503);
      expect(pending().map((l) => l.split(" ")[2])).toEqual(["WARN", "DEBUG", "DEBUG", "DEBUG", "DEBUG", "WARN"]);
      expect(jwks.requests).toBe(2);
    });

    test("answers 503 when the identity provider's keys cannot be fetched, and logs why", async () => {
      await using t = await setup();
      t.jwks.status = 502;
      const token = await t.jwks.sign();
      expect(await answer(await t.server.request("/connectors", { Authorization: `Bearer ${token}` }))).toEqual({
        status: 503,
        contentType: "application/json",
        challenge: null,
        body: {
          error_code: 503,
          message: "Cannot verify bearer tokens: the identity provider's keys are unavailable",
        },
      });
      expect(t.lines.at(-1)).toMatch(
        /WARN Cannot verify the bearer token of GET \/connectors: the JWKS is unavailable: the JWKS at http:\/\/127\.0\.0\.1:\d+\/\S* answered HTTP 502/,
      );
    });
  });

  describe("with both schemes", () => {
    async function setup() {
      const files = await tempFiles();
      const jwks = await jwksServer();
      await jwks.addKey("ES256");
      const { auth } = middleware({
        "rest.authentication": "basic,bearer",
        "rest.authentication.basic.credentials.file": await credentialsFile(files),
        "rest.authentication.bearer.jwks.url": jwks.url.href,
        "rest.authentication.bearer.audience": AUDIENCE,
      });
      const server = serve(auth);
      return {
        jwks,
        server,
        async [Symbol.asyncDispose]() {
          await server[Symbol.asyncDispose]();
          await jwks[Symbol.asyncDispose]();
          await files[Symbol.asyncDispose]();
        },
      };
    }

    test("admits either scheme", async () => {
      await using t = await setup();
      const viaBasic = await t.server.request("/connectors", { Authorization: basic("alice", PASSWORDS.alice) });
      const viaBearer = await t.server.request("/connectors", { Authorization: `Bearer ${await t.jwks.sign()}` });
      expect([(await answer(viaBasic)).body.principal.scheme, (await answer(viaBearer)).body.principal.scheme]).toEqual(
        ["basic", "bearer"],
      );
    });

    test("challenges with both schemes", async () => {
      await using t = await setup();
      const response = await t.server.request("/connectors", { Authorization: "Negotiate abc" });
      expect(await answer(response)).toEqual({
        status: 401,
        contentType: "application/json",
        challenge: 'Basic realm="Kafka Connect", charset="UTF-8", Bearer',
        body: { error_code: 401, message: "Unsupported authentication scheme; use Basic or Bearer" },
      });
    });
  });

  describe("exemptions", () => {
    async function setup() {
      const files = await tempFiles();
      const { auth } = middleware({
        "rest.authentication": "basic",
        "rest.authentication.basic.credentials.file": await credentialsFile(files),
      });
      const server = serve(auth);
      return {
        server,
        async [Symbol.asyncDispose]() {
          await server[Symbol.asyncDispose]();
          await files[Symbol.asyncDispose]();
        },
      };
    }

    test("/health is served without credentials (container health checks)", async () => {
      await using t = await setup();
      expect(await answer(await t.server.request("/health"))).toEqual({
        status: 200,
        contentType: "application/json",
        challenge: null,
        body: { status: "healthy" },
      });
    });

    test.each([
      ["/healthz", "GET"],
      ["/health/x", "GET"],
      ["/unknown", "GET"],
      ["/connectors", "OPTIONS"],
    ])("%s (%s) is not exempt: 401, and an unknown path does not reveal a 404", async (path, method) => {
      await using t = await setup();
      expect((await t.server.request(path, {}, method)).status).toBe(401);
    });

    test("a CORS preflight passes without credentials", async () => {
      await using t = await setup();
      const preflight = await t.server.request(
        "/connectors",
        { Origin: "https://ui.example", "Access-Control-Request-Method": "POST" },
        "OPTIONS",
      );
      expect(preflight.status).toBe(204);
    });
  });

  test("no response or log line ever contains a password, a token or the Authorization header", async () => {
    await using files = await tempFiles();
    await using jwks = await jwksServer();
    await jwks.addKey();
    const { auth, lines } = middleware({
      "rest.authentication": "basic,bearer",
      "rest.authentication.basic.credentials.file": await credentialsFile(files),
      "rest.authentication.bearer.jwks.url": jwks.url.href,
      "rest.authentication.bearer.issuer": ISSUER,
      "rest.authentication.bearer.audience": AUDIENCE,
    });
    await using server = serve(auth);
    const tokens = [
      await jwks.sign({ exp: now() - 60 }),
      await jwks.sign({ iss: "https://evil.example" }),
      `${await jwks.sign()}tampered`,
    ];
    const headers = [
      basic("alice", "hunter2-wrong-password"),
      basic("mallory", PASSWORDS.alice),
      basic("alice", PASSWORDS.alice),
      `Basic ${Buffer.from(PASSWORDS.bob).toString("base64")}`,
      `Digest ${PASSWORDS.alice}`,
      ...tokens.map((t) => `Bearer ${t}`),
    ];
    const secrets = [
      "hunter2-wrong-password",
      PASSWORDS.alice,
      PASSWORDS.bob,
      ...headers.map((h) => h.split(" ")[1]!),
      ...tokens.flatMap((t) => t.split(".")),
    ];
    const seen: string[] = [];
    for (const authorization of headers) {
      const response = await server.request("/connectors", { Authorization: authorization });
      seen.push(await response.text(), ...[...response.headers].map(([k, v]) => `${k}: ${v}`));
    }
    seen.push(...lines);
    const text = seen.join("\n");
    expect(text).toContain("Invalid credentials");
    expect(text).toContain("Invalid token");
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
