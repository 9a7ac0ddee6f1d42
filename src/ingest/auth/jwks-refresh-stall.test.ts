/**
 * Keys past their cache age are fetched again without holding up the requests they verify: a
 * token whose kid the cached set has is verified with it while the set is fetched (Kafka's
 * RefreshingHttpsJwks refreshes in the background too). Before (security hunt 2026-12-03), every
 * request at the end of the cache age waited for the fetch, and with the provider slow or down all
 * of them stalled up to the fetch timeout (5 s), again at every cooldown.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { JwksCache } from "../../util/jwks-cache.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { jwtAuthenticator } from "./jwt-authenticator.ts";

const pair = await generateKeyPair("RS256", { extractable: true });
const other = await generateKeyPair("RS256", { extractable: true });
const keys = [{ ...(await exportJWK(pair.publicKey)), kid: "k1", use: "sig" }];

/** Answers are held while `hold` is set, until `release`; `arrived` is told of each request. */
let hold: Promise<void> | undefined;
let release = () => {};
let arrived = () => {};
let pending = 0;
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: async () => {
    pending++;
    arrived();
    if (hold) await hold;
    pending--;
    return Response.json({ keys }, { headers: { "Cache-Control": "max-age=60" } });
  },
});
afterAll(() => server.stop(true));

const clock = new ManualClock(1_000_000);
// A fetch timeout longer than the test's: a verify that waits for the held fetch fails the test.
const cache = new JwksCache({
  url: new URL(`http://127.0.0.1:${server.port}/jwks.json`),
  cooldownMs: 10_000,
  timeoutMs: 60_000,
  clock,
});
const auth = jwtAuthenticator({
  jwks: cache,
  issuer: null,
  audience: [],
  algorithms: ["RS256"],
  clockSkewSeconds: 30,
  identityClaim: "sub",
});
const token = (key: CryptoKey, kid: string) =>
  new SignJWT({ sub: "device-1" }).setProtectedHeader({ alg: "RS256", kid }).setExpirationTime("5m").sign(key);

describe("keys past their cache age", () => {
  test("verify a known kid while the set is fetched again, without waiting for the fetch", async () => {
    const t = await token(pair.privateKey, "k1");
    expect((await auth.verify(t)).outcome).toBe("authenticated");
    hold = new Promise((resolve) => {
      release = resolve;
    });
    const fetching = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    clock.advance(61_000);
    expect((await auth.verify(t)).outcome).toBe("authenticated");
    // The fetch verify started reaches the provider after verify answered (the connection is made
    // on a later turn of the event loop), and is held there.
    await fetching;
    expect({ fetches: cache.fetchCount, held: pending }).toEqual({ fetches: 2, held: 1 });
    // A kid the cached set lacks still waits for the fetch under way, and is judged by its result.
    const unknown = auth.verify(await token(other.privateKey, "k2"));
    hold = undefined;
    release();
    expect((await unknown).outcome).toBe("rejected");
    expect(cache.fetchCount).toBe(2);
  }, 10_000);
});
