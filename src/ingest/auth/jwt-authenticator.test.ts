import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from "jose";
import { JwksCache } from "../../util/jwks-cache.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { type JwtAuthenticatorOptions, jwtAuthenticator } from "./jwt-authenticator.ts";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** A local JWKS endpoint on port 0 whose key set and Cache-Control a test can change. */
class JwksServer {
  keys: JWK[] = [];
  cacheControl = "max-age=300";
  requests = 0;
  down = false;
  readonly server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () => {
      this.requests += 1;
      if (this.down) return new Response("unavailable", { status: 503 });
      return Response.json({ keys: this.keys }, { headers: { "Cache-Control": this.cacheControl } });
    },
  });
  get url(): URL {
    return new URL(`http://127.0.0.1:${this.server.port}/.well-known/jwks.json`);
  }
}

let jwks: JwksServer;
let rsa1: KeyPair;
let rsa2: KeyPair;

async function publicJwk(pair: KeyPair, kid: string): Promise<JWK> {
  return { ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" };
}

async function token(
  pair: KeyPair,
  kid: string,
  claims: Record<string, unknown> = {},
  expiresIn: string | number = "5m",
): Promise<string> {
  const { iat, ...rest } = claims as { iat?: number };
  return new SignJWT({ iss: "https://idp.test", sub: "device-1", aud: "ingest", ...rest })
    .setProtectedHeader({ alg: "RS256", kid })
    .setIssuedAt(iat)
    .setExpirationTime(expiresIn)
    .sign(pair.privateKey);
}

beforeAll(async () => {
  jwks = new JwksServer();
  rsa1 = await generateKeyPair("RS256", { extractable: true });
  rsa2 = await generateKeyPair("RS256", { extractable: true });
  jwks.keys = [await publicJwk(rsa1, "k1")];
});

afterAll(() => jwks.server.stop(true));

function authenticator(overrides: Partial<JwtAuthenticatorOptions> = {}, clock = new ManualClock(1_000_000)) {
  const cache = new JwksCache({ url: jwks.url, cooldownMs: 10_000, clock });
  const auth = jwtAuthenticator({
    jwks: cache,
    issuer: "https://idp.test",
    audience: ["ingest"],
    algorithms: ["RS256", "ES256"],
    clockSkewSeconds: 30,
    identityClaim: "sub",
    ...overrides,
  });
  return { auth, cache, clock };
}

describe("jwtAuthenticator", () => {
  test("a valid token gives the sub claim as the principal and the claims as attributes", async () => {
    const { auth } = authenticator();
    expect(await auth.verify(await token(rsa1, "k1", { fleet: "north" }))).toEqual({
      outcome: "authenticated",
      identity: {
        principal: "device-1",
        source: "jwt",
        attributes: expect.objectContaining({ "claim.fleet": "north", "claim.sub": "device-1", "claim.aud": "ingest" }),
      },
    });
  });

  test("an array claim of several values keeps each one for ACL conditions (joined in attributes)", async () => {
    const { auth } = authenticator();
    const result = await auth.verify(await token(rsa1, "k1", { groups: ["readers", "writers"], one: ["x"] }));
    expect(result.outcome === "authenticated" && result.identity.attributes["claim.groups"]).toBe("readers,writers");
    expect(result.outcome === "authenticated" && result.identity.multiValued).toEqual({
      "claim.groups": ["readers", "writers"],
    });
  });

  test("the identity claim is configurable", async () => {
    const { auth } = authenticator({ identityClaim: "device_id" });
    const result = await auth.verify(await token(rsa1, "k1", { device_id: "pump-7" }));
    expect(result.outcome === "authenticated" && result.identity.principal).toBe("pump-7");
    const missing = await auth.verify(await token(rsa1, "k1"));
    expect(missing).toEqual({
      outcome: "rejected",
      reason: 'Invalid token: the "device_id" claim must be a non-empty string',
    });
  });

  // ingestp3: a numeric sub was accepted here (as the string of the number), refused by the admin API.
  test.each([
    ["sub", { sub: 1234 }],
    ["device_id", { device_id: 7 }],
    ["sub", { sub: true }],
    // review45: an identity of spaces only was accepted (every such device one blank principal).
    ["sub", { sub: "   " }],
    ["device_id", { device_id: "\t " }],
  ])("a non-string or blank identity claim %s is rejected, as by the admin API and Kafka", async (claim, claims) => {
    const { auth } = authenticator({ identityClaim: claim });
    expect(await auth.verify(await token(rsa1, "k1", claims))).toEqual({
      outcome: "rejected",
      reason: `Invalid token: the "${claim}" claim must be a non-empty string`,
    });
  });

  test.each([
    ["expired beyond the skew", { exp: Math.floor(Date.now() / 1000) - 60 }, /"exp" claim timestamp check failed/],
    [
      "not yet valid beyond the skew",
      { nbf: Math.floor(Date.now() / 1000) + 600 },
      /"nbf" claim timestamp check failed/,
    ],
    ["for another audience", { aud: "billing" }, /unexpected "aud" claim value/],
    ["from another issuer", { iss: "https://evil.test" }, /unexpected "iss" claim value/],
  ])("a token %s is rejected", async (_what, claims, reason) => {
    const { auth } = authenticator();
    const { exp, ...rest } = claims as { exp?: number };
    const result = await auth.verify(await token(rsa1, "k1", rest, exp ?? "5m"));
    expect(result.outcome).toBe("rejected");
    expect(result.outcome === "rejected" && result.reason).toMatch(reason);
  });

  test("a token issued in the future beyond the clock skew is rejected, within it accepted", async () => {
    const now = 1_700_000_000;
    const { auth } = authenticator({ nowSeconds: () => now });
    const issuedAt = async (iat: number) => auth.verify(await token(rsa1, "k1", { iat }, now + 300));
    expect(await issuedAt(now + 31)).toEqual({
      outcome: "rejected",
      reason: 'Invalid token: "iat" claim timestamp check failed (it should be in the past)',
    });
    expect((await issuedAt(now + 30)).outcome).toBe("authenticated");
    expect((await issuedAt(now - 3600)).outcome).toBe("authenticated");
  });

  test("a token expired within the clock skew is accepted", async () => {
    const { auth } = authenticator();
    const result = await auth.verify(await token(rsa1, "k1", {}, Math.floor(Date.now() / 1000) - 10));
    expect(result.outcome).toBe("authenticated");
  });

  test("alg none is rejected", async () => {
    const { auth } = authenticator();
    const unsecured = new UnsecuredJWT({ sub: "device-1", aud: "ingest" })
      .setIssuer("https://idp.test")
      .setExpirationTime("5m")
      .encode();
    expect(await auth.verify(unsecured)).toEqual({ outcome: "rejected", reason: expect.stringMatching(/alg/) });
  });

  test("an HS256 token signed with the RSA public key as the secret is rejected (HS/RS confusion)", async () => {
    const pem = await exportSPKI(rsa1.publicKey);
    const forged = await new SignJWT({ aud: "ingest" })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setIssuer("https://idp.test")
      .setSubject("admin")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(pem));
    for (const auth of [authenticator().auth, authenticator({ jwks: undefined, publicKey: pem }).auth]) {
      expect(await auth.verify(forged)).toEqual({ outcome: "rejected", reason: expect.stringMatching(/alg/) });
    }
  });

  test("symmetric algorithms cannot be configured", () => {
    expect(() => authenticator({ algorithms: ["HS256"] })).toThrow(/not asymmetric/);
  });

  test("a static public key verifies without a JWKS", async () => {
    const { auth } = authenticator({ jwks: undefined, publicKey: await exportSPKI(rsa2.publicKey) });
    expect((await auth.verify(await token(rsa2, "any"))).outcome).toBe("authenticated");
    expect((await auth.verify(await token(rsa1, "any"))).outcome).toBe("rejected");
  });
});

describe("JwksCache", () => {
  test("an unknown kid refreshes once and a rotated key is then accepted", async () => {
    jwks.keys = [await publicJwk(rsa1, "k1")];
    const { auth, cache, clock } = authenticator();
    expect((await auth.verify(await token(rsa1, "k1"))).outcome).toBe("authenticated");
    expect(cache.fetchCount).toBe(1);
    clock.advance(10_001); // past the cooldown since the first fetch
    jwks.keys = [await publicJwk(rsa1, "k1"), await publicJwk(rsa2, "k2")];
    expect((await auth.verify(await token(rsa2, "k2"))).outcome).toBe("authenticated");
    expect(cache.fetchCount).toBe(2);
  });

  test("refreshes for unknown kids are rate-limited by the cooldown", async () => {
    jwks.keys = [await publicJwk(rsa1, "k1")];
    const { auth, cache, clock } = authenticator();
    await auth.verify(await token(rsa1, "k1"));
    clock.advance(10_001);
    expect((await auth.verify(await token(rsa2, "made-up-1"))).outcome).toBe("rejected");
    expect(cache.fetchCount).toBe(2);
    // Within the cooldown a kid the set lacks is not judged: 503 with Retry-After, no fetch.
    const floods = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => auth.verify(await token(rsa2, `made-up-${i + 2}`))),
    );
    expect(floods.every((r) => r.outcome === "unavailable" && r.keyPendingSeconds === 10)).toBe(true);
    expect(cache.fetchCount).toBe(2);
  });

  test("keys are used for the Cache-Control max-age, then fetched again", async () => {
    jwks.keys = [await publicJwk(rsa1, "k1")];
    jwks.cacheControl = "public, max-age=120";
    try {
      const { auth, cache, clock } = authenticator();
      const t = await token(rsa1, "k1");
      await auth.verify(t);
      clock.advance(119_000);
      await auth.verify(t);
      expect(cache.fetchCount).toBe(1);
      clock.advance(2_000);
      await auth.verify(t);
      expect(cache.fetchCount).toBe(2);
    } finally {
      jwks.cacheControl = "max-age=300";
    }
  });

  test("expired keys keep verifying known kids while the provider is down (stale-if-error)", async () => {
    jwks.keys = [await publicJwk(rsa1, "k1")];
    const { auth, cache, clock } = authenticator();
    const t = await token(rsa1, "k1");
    expect((await auth.verify(t)).outcome).toBe("authenticated");
    jwks.down = true;
    try {
      clock.advance(301_000);
      expect((await auth.verify(t)).outcome).toBe("authenticated");
      expect(cache.fetchCount).toBe(2);
      expect((await auth.verify(await token(rsa2, "k-new"))).outcome).toBe("unavailable");
      for (let i = 0; i < 5; i++) await auth.verify(t);
      expect(cache.fetchCount).toBe(2); // failed fetches are rate-limited too
      clock.advance(10_001);
      await auth.verify(t);
      expect(cache.fetchCount).toBe(3);
    } finally {
      jwks.down = false;
    }
  });

  describe("when the host's wall clock is stepped (NTP on a device without a real-time clock)", () => {
    test.each([
      ["back", -3_600_000],
      ["forward", 3_600_000],
    ])("a step %s by an hour: keys refresh on schedule, exp is still judged on the wall clock", async (_d, step) => {
      jwks.keys = [await publicJwk(rsa1, "k1")]; // served with max-age=300
      const clock = new ManualClock(Date.now());
      const { auth, cache } = authenticator({ nowSeconds: () => clock.now() / 1000 }, clock);
      expect((await auth.verify(await token(rsa1, "k1"))).outcome).toBe("authenticated");
      clock.stepWallClock(step);
      const wallSeconds = () => Math.floor(clock.now() / 1000);
      const valid = await token(rsa1, "k1", { iat: wallSeconds() }, wallSeconds() + 600);
      const expired = await token(rsa1, "k1", { iat: wallSeconds() - 600 }, wallSeconds() - 60);
      expect((await auth.verify(valid)).outcome).toBe("authenticated");
      expect(await auth.verify(expired)).toEqual({
        outcome: "rejected",
        reason: expect.stringMatching(/"exp" claim timestamp check failed/),
      });
      expect((await auth.verify(await token(rsa2, "made-up"))).outcome).toBe("unavailable");
      expect(cache.fetchCount).toBe(1); // neither expired early nor out of its cooldown
      clock.advance(299_000);
      await auth.verify(valid);
      expect(cache.fetchCount).toBe(1);
      clock.advance(1_000); // 300 s after the fetch on the monotonic clock: due
      expect((await auth.verify(valid)).outcome).toBe("authenticated");
      expect(cache.fetchCount).toBe(2);
    });
  });

  test("concurrent first verifications share one fetch", async () => {
    const { auth, cache } = authenticator();
    const t = await token(rsa1, "k1");
    await Promise.all(Array.from({ length: 10 }, () => auth.verify(t)));
    expect(cache.fetchCount).toBe(1);
  });

  test("an unreachable JWKS is 'unavailable', not a rejected token", async () => {
    const down = Bun.serve({ port: 0, fetch: () => new Response("no", { status: 502 }) });
    const url = new URL(`http://127.0.0.1:${down.port}/jwks`);
    await down.stop(true);
    const auth = jwtAuthenticator({
      jwks: new JwksCache({ url }),
      issuer: null,
      audience: [],
      algorithms: ["RS256"],
      clockSkewSeconds: 30,
      identityClaim: "sub",
    });
    expect(await auth.verify(await token(rsa1, "k1"))).toEqual({
      outcome: "unavailable",
      reason: expect.stringMatching(/^cannot fetch the JWKS from http:\/\/127\.0\.0\.1:\d+\/jwks/),
    });
  });
});
