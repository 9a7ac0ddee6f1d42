/**
 * A token without `kid` against a key set of several keys of its algorithm (an identity provider
 * publishing the next key beside the current one during a rotation): each candidate key is tried,
 * as jose documents for JWKSMultipleMatchingKeys (security hunt 2026-12-03: every such token was
 * refused, "multiple matching keys found in the JSON Web Key Set", so every device of a provider
 * that signs without `kid` was locked out for the whole rotation).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { JwksCache } from "../../util/jwks-cache.ts";
import { jwtAuthenticator } from "./jwt-authenticator.ts";

const current = await generateKeyPair("RS256", { extractable: true });
const next = await generateKeyPair("RS256", { extractable: true });
const stranger = await generateKeyPair("RS256", { extractable: true });
const keys = [
  { ...(await exportJWK(current.publicKey)), use: "sig" },
  { ...(await exportJWK(next.publicKey)), use: "sig" },
];
const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => Response.json({ keys }) });
afterAll(() => server.stop(true));

const auth = jwtAuthenticator({
  jwks: new JwksCache({ url: new URL(`http://127.0.0.1:${server.port}/jwks.json`) }),
  issuer: "https://idp.test",
  audience: ["ingest"],
  algorithms: ["RS256"],
  clockSkewSeconds: 30,
  identityClaim: "sub",
});

const token = (key: CryptoKey, claims: Record<string, unknown> = {}) =>
  new SignJWT({ iss: "https://idp.test", aud: "ingest", sub: "device-1", ...claims })
    .setProtectedHeader({ alg: "RS256" })
    .setExpirationTime("5m")
    .sign(key);

describe("a token without kid and several matching keys", () => {
  test("is verified by whichever key signed it", async () => {
    for (const pair of [current, next])
      expect(await auth.verify(await token(pair.privateKey))).toMatchObject({
        outcome: "authenticated",
        identity: { principal: "device-1", source: "jwt" },
      });
  });

  test("is refused when none of them signed it, or when its claims fail with the key that did", async () => {
    expect(await auth.verify(await token(stranger.privateKey))).toEqual({
      outcome: "rejected",
      reason: "Invalid token: signature verification failed",
    });
    expect(await auth.verify(await token(next.privateKey, { aud: "other" }))).toEqual({
      outcome: "rejected",
      reason: 'Invalid token: unexpected "aud" claim value',
    });
  });
});
