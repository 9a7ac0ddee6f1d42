/**
 * A device presenting a token signed by a freshly rotated key, while the JWKS cannot be fetched
 * again (the cooldown after the last fetch): 503 with Retry-After (the rest of the cooldown), not
 * 401. The gateway has not judged the token: the key is in the set it fetches next. Before
 * (ingestp3) it answered 401 invalid_token, which devices treat as final (a new token from the
 * provider is signed by the same new key). Only a kid missing from a set fetched for it is 401,
 * as Kafka's broker validator (RefreshingHttpsJwksVerificationKeyResolver) refuses it.
 */
import { expect, test } from "bun:test";
import { jwksServer } from "../../rest/auth/test-support.ts";
import { JwksCache } from "../../util/jwks-cache.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { IngestError, ingestErrorResponse } from "../ingest-error.ts";
import { PLAIN_CONNECTION } from "../request-context.ts";
import { ingestAuthenticator } from "./ingest-authenticator.ts";
import { jwtAuthenticator } from "./jwt-authenticator.ts";

async function answer(auth: ReturnType<typeof ingestAuthenticator>, token: string) {
  const req = new Request("http://gw/ingest/x", { method: "POST", headers: { Authorization: `Bearer ${token}` } });
  try {
    const identity = await auth.authenticate({
      request: req,
      url: new URL(req.url),
      connection: PLAIN_CONNECTION,
      receivedAt: 0,
      startedAt: 0,
    });
    return { status: 200, principal: identity.principal };
  } catch (error) {
    if (!(error instanceof IngestError)) throw error;
    const res = ingestErrorResponse(error);
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.json() };
  }
}

test("a freshly rotated key within the JWKS cooldown is 503 with Retry-After, then accepted", async () => {
  await using server = await jwksServer();
  await server.addKey();
  const clock = new ManualClock(1_000_000);
  const jwks = new JwksCache({ url: server.url, cooldownMs: 30_000, minAgeMs: 30_000, clock });
  const auth = ingestAuthenticator({
    mtls: null,
    jwt: jwtAuthenticator({
      jwks,
      issuer: null,
      audience: [],
      algorithms: ["RS256"],
      clockSkewSeconds: 30,
      identityClaim: "sub",
    }),
    basic: null,
  });
  expect(await answer(auth, await server.sign({ sub: "pump-1" }))).toEqual({ status: 200, principal: "pump-1" });
  const rotated = await server.rotate();
  const token = await server.sign({ sub: "pump-1" }, { kid: rotated });
  clock.advance(12_500);
  expect(await answer(auth, token)).toEqual({
    status: 503,
    retryAfter: "18",
    body: {
      error_code: 503,
      message:
        "Cannot verify the bearer token yet: its key is not among the identity provider's keys the gateway holds; they are fetched again shortly",
    },
  });
  expect(server.requests).toBe(1);
  clock.advance(17_500);
  expect(await answer(auth, token)).toEqual({ status: 200, principal: "pump-1" });
  // A kid missing from the set fetched for it is an invalid token.
  clock.advance(30_000);
  expect((await answer(auth, await server.sign({ sub: "pump-1" }, { kid: "key-1" }))).status).toBe(401);
  expect(server.requests).toBe(3);
});
