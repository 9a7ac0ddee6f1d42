/**
 * A JWKS key the gateway cannot use (key data WebCrypto refuses) is the identity provider's fault:
 * tokens naming it are "unavailable" (503 with Retry-After and a WARN), as on the admin API, not
 * "Invalid token: token verification failed" (401, logged at DEBUG only) (ingestjwt hunt).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { JwksCache } from "../../util/jwks-cache.ts";
import { LogManager } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { IngestError } from "../ingest-error.ts";
import type { IngestRequestContext } from "../request-context.ts";
import { ingestAuthenticator } from "./ingest-authenticator.ts";
import { jwtAuthenticator } from "./jwt-authenticator.ts";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let pair: KeyPair;
let keys: JWK[] = [];
const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => Response.json({ keys }) });

beforeAll(async () => {
  pair = await generateKeyPair("RS256", { extractable: true });
  keys = [
    { kty: "RSA", kid: "broken", alg: "RS256", n: "AA", e: "AQAB" },
    { ...(await exportJWK(pair.publicKey)), kid: "good", alg: "RS256" },
  ];
});
afterAll(() => server.stop(true));

const token = (kid: string) =>
  new SignJWT({ sub: "device-1" })
    .setProtectedHeader({ alg: "RS256", kid })
    .setExpirationTime("5m")
    .sign(pair.privateKey);

function verifier() {
  const clock = new ManualClock(1_000_000);
  const jwks = new JwksCache({ url: new URL(`http://127.0.0.1:${server.port}/jwks`), cooldownMs: 1000, clock });
  const jwt = jwtAuthenticator({
    jwks,
    issuer: null,
    audience: [],
    algorithms: ["RS256"],
    clockSkewSeconds: 30,
    identityClaim: "sub",
  });
  return { jwt, clock };
}

test("a token naming a key the gateway cannot import is unavailable, not an invalid token", async () => {
  const { jwt } = verifier();
  expect(await jwt.verify(await token("broken"))).toEqual({
    outcome: "unavailable",
    reason: expect.stringContaining("a key of the JWKS cannot be used: "),
  });
  // The set's other keys go on verifying.
  expect((await jwt.verify(await token("good"))).outcome).toBe("authenticated");
});

test("on the ingest route: 503 with Retry-After and a WARN naming the cause, never the token", async () => {
  const { jwt, clock } = verifier();
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line) });
  const auth = ingestAuthenticator({ mtls: null, jwt, basic: null, logger: logs.get("auth"), clock });
  const bearer = await token("broken");
  const context = {
    request: new Request("http://gw/ingest", { method: "POST", headers: { Authorization: `Bearer ${bearer}` } }),
    connection: { remoteAddress: "127.0.0.1", tls: false, peerCertificate: null },
  } as unknown as IngestRequestContext;
  const refused = await auth.authenticate(context).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(IngestError);
  expect((refused as IngestError).status).toBe(503);
  expect((refused as IngestError).options.retryAfterSeconds).toBe(5);
  const warns = lines.filter((l) => l.includes("WARN"));
  expect(warns).toHaveLength(1);
  expect(warns[0]).toContain("a key of the JWKS cannot be used");
  expect(lines.join("\n")).not.toContain(bearer.split(".")[2]!);
});
