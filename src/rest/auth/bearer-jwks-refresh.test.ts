/**
 * The admin API's JWKS cache is the ingest path's (util/jwks-cache.ts). Before (ingestp3), the
 * admin API's own cache fetched the set again before verifying any token once it reached its age:
 * every request then waited for the identity provider, up to the fetch timeout with the provider
 * stalled, and failed closed (503) while the provider was down; and a token naming a key the
 * cached set lacks was refused with 401 within the refetch cooldown, though a freshly rotated key is
 * known to the set fetched next.
 */
import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../util/manual-clock.ts";
import { type BearerAuthenticatorOptions, bearerAuthenticator } from "./bearer-auth.ts";
import { AUDIENCE, ISSUER, type JwksServer, jwksServer } from "./test-support.ts";

function authenticatorFor(server: JwksServer, options: Partial<BearerAuthenticatorOptions> = {}) {
  return bearerAuthenticator({
    jwksUrl: server.url,
    issuer: ISSUER,
    audience: [AUDIENCE],
    algorithms: ["RS256"],
    clockToleranceSeconds: 30,
    ...options,
  });
}

describe("admin API bearer tokens: the JWKS past its age", () => {
  test("a request does not wait for a JWKS endpoint that never answers: the cached keys verify it", async () => {
    await using server = await jwksServer();
    await server.addKey();
    const clock = new ManualClock(Date.now());
    // A fetch timeout longer than the test's: a verify that waits for the stalled fetch fails the test.
    const auth = authenticatorFor(server, { clock, jwksCacheMaxAgeMs: 60_000, jwksTimeoutMs: 600_000 });
    const token = await server.sign();
    expect((await auth.verify(token)).outcome).toBe("authenticated");
    server.stalled = true;
    clock.advance(60_000);
    expect(await auth.verify(token)).toMatchObject({ outcome: "authenticated", subject: "alice" });
    expect(await auth.verify(token)).toMatchObject({ outcome: "authenticated", subject: "alice" });
  }, 20_000);

  test("keys are kept while the refetch fails, and replaced once one succeeds", async () => {
    await using server = await jwksServer();
    const old = await server.addKey();
    const clock = new ManualClock(Date.now());
    const auth = authenticatorFor(server, { clock, jwksCacheMaxAgeMs: 60_000, jwksCooldownMs: 30_000 });
    const token = await server.sign();
    expect((await auth.verify(token)).outcome).toBe("authenticated");
    server.status = 503;
    clock.advance(60_000);
    expect((await auth.verify(token)).outcome).toBe("authenticated");
    await auth.keys.settled();
    expect((await auth.verify(token)).outcome).toBe("authenticated");
    expect(server.requests).toBe(2); // failed fetches are one per cooldown
    server.status = 200;
    server.remove(old);
    await server.addKey();
    clock.advance(30_000);
    expect((await auth.verify(token)).outcome).toBe("authenticated");
    await auth.keys.settled();
    expect(server.requests).toBe(3);
    expect((await auth.verify(token)).outcome).toBe("unavailable"); // removed; within the cooldown
  });

  // A key the provider removed (revoked) was accepted for as long as its fetches failed, unbounded
  // (review45): now one longest age past the keys' expiry at most, then 503 until a fetch succeeds.
  test("keys are used at most one longest age past their expiry while the refetch fails, with one WARN each", async () => {
    await using server = await jwksServer();
    await server.addKey();
    const clock = new ManualClock(Date.now());
    const warnings: string[] = [];
    const warn = (message: string) => warnings.push(message);
    const auth = authenticatorFor(server, { clock, jwksCacheMaxAgeMs: 60_000, jwksCooldownMs: 30_000, warn });
    const token = await server.sign();
    expect((await auth.verify(token)).outcome).toBe("authenticated");
    server.status = 503; // expires at +60 s: used until +120 s
    clock.advance(60_000);
    expect((await auth.verify(token)).outcome).toBe("authenticated");
    await auth.keys.settled();
    expect((await auth.verify(token)).outcome).toBe("authenticated");
    clock.advance(59_999);
    expect((await auth.verify(token)).outcome).toBe("authenticated");
    await auth.keys.settled();
    expect((await auth.verify(token)).outcome).toBe("authenticated");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^The JWKS at .* cannot be fetched \(the JWKS at .* answered HTTP 503\): its keys fetched 60 s ago are still used, until 60 s from now; then bearer tokens are refused \(503\) until a fetch succeeds$/,
    );
    clock.advance(1);
    expect(await auth.verify(token)).toMatchObject({ outcome: "unavailable" });
    expect((await auth.verify(token)).outcome).toBe("unavailable");
    // The refusals' start is said once (ingestp4: nothing was logged).
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(
      /^The JWKS at .* cannot be fetched \(the JWKS at .* answered HTTP 503\): its keys fetched 120 s ago are past their expiry plus the longest cache age \(60 s\) and no longer used; bearer tokens are refused \(503\) until a fetch succeeds$/,
    );
    server.status = 200;
    clock.advance(30_000);
    expect((await auth.verify(token)).outcome).toBe("authenticated");
    expect(warnings).toHaveLength(2);
  });
});

describe("admin API bearer tokens: a key id the cached set lacks", () => {
  test("within the refetch cooldown: unavailable (transient), then verified once the set is fetched again", async () => {
    await using server = await jwksServer();
    await server.addKey();
    const clock = new ManualClock(Date.now());
    const auth = authenticatorFor(server, { clock, jwksCooldownMs: 30_000 });
    expect((await auth.verify(await server.sign())).outcome).toBe("authenticated");
    const rotated = await server.rotate();
    const token = await server.sign({}, { kid: rotated });
    expect(await auth.verify(token)).toEqual({
      outcome: "unavailable",
      reason: expect.stringMatching(
        /^the token's key id is not in the JWKS at .* as last fetched; it is fetched again in 30 s$/,
      ),
      keyPendingSeconds: 30,
    });
    expect(server.requests).toBe(1);
    clock.advance(30_000);
    expect((await auth.verify(token)).outcome).toBe("authenticated");
    expect(server.requests).toBe(2);
  });
});

describe("admin API bearer tokens: concurrent requests", () => {
  test("requests arriving together share one JWKS fetch: at first use, and for a rotated key id", async () => {
    await using server = await jwksServer();
    await server.addKey();
    const clock = new ManualClock(Date.now());
    const auth = authenticatorFor(server, { clock, jwksCooldownMs: 30_000 });
    const token = await server.sign();
    const first = await Promise.all(Array.from({ length: 50 }, () => auth.verify(token)));
    expect(first.map((r) => r.outcome)).toEqual(Array(50).fill("authenticated"));
    expect(server.requests).toBe(1);
    const rotated = await server.sign({}, { kid: await server.rotate() });
    clock.advance(30_000);
    const after = await Promise.all(Array.from({ length: 50 }, () => auth.verify(rotated)));
    expect(after.map((r) => r.outcome)).toEqual(Array(50).fill("authenticated"));
    expect(server.requests).toBe(2);
  });
});
