import { beforeAll, describe, expect, test } from "bun:test";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { basicAuthenticator } from "../../rest/auth/basic-auth.ts";
import { fastHash } from "../../rest/auth/test-support.ts";
import type { Logger } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { IngestError, ingestErrorResponse } from "../ingest-error.ts";
import {
  ANONYMOUS,
  type IngestRequestContext,
  type PeerCertificateInfo,
  PLAIN_CONNECTION,
} from "../request-context.ts";
import { BasicAttemptGuard } from "./basic-attempt-guard.ts";
import { IngestAuthMetrics } from "./ingest-auth-metrics.ts";
import {
  type IngestAuthenticator,
  type IngestAuthenticatorOptions,
  ingestAuthenticator,
  JWKS_UNAVAILABLE_LOG_INTERVAL_MS,
} from "./ingest-authenticator.ts";
import { jwtAuthenticator } from "./jwt-authenticator.ts";

const peer: PeerCertificateInfo = {
  subject: { CN: "device-9" },
  subjectAltName: null,
  fingerprint256: "CD:EF",
  raw: null,
};

let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let fullOptions: IngestAuthenticatorOptions;
let full: IngestAuthenticator;

beforeAll(async () => {
  keys = await generateKeyPair("ES256", { extractable: true });
  const hash = await fastHash.bcrypt("s3cret-pass");
  fullOptions = {
    mtls: "cn",
    jwt: jwtAuthenticator({
      publicKey: await exportSPKI(keys.publicKey),
      issuer: null,
      audience: ["ingest"],
      algorithms: ["ES256"],
      clockSkewSeconds: 30,
      identityClaim: "sub",
    }),
    basic: { authenticator: basicAuthenticator({ credentials: new Map([["meter-1", hash]]) }), realm: "devices" },
  };
  full = ingestAuthenticator(fullOptions);
});

const request = (
  headers: Record<string, string> = {},
  peerCertificate: PeerCertificateInfo | null = null,
): IngestRequestContext => {
  const req = new Request("http://gw/ingest/x", { method: "POST", headers });
  return {
    request: req,
    url: new URL(req.url),
    connection: { ...PLAIN_CONNECTION, tls: true, peerCertificate },
    receivedAt: 0,
    startedAt: 0,
  };
};
const basicHeader = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

async function refusal(
  auth: IngestAuthenticator,
  req: IngestRequestContext,
): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
  try {
    await auth.authenticate(req);
  } catch (error) {
    if (!(error instanceof IngestError)) throw error;
    const res = ingestErrorResponse(error);
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.json() };
  }
  throw new Error("expected a refusal");
}

describe("ingestAuthenticator", () => {
  test("without methods every request is anonymous", async () => {
    const none = ingestAuthenticator({ mtls: null, jwt: null, basic: null });
    expect(await none.authenticate(request())).toBe(ANONYMOUS);
  });

  test("a valid bearer token authenticates", async () => {
    const jwt = await new SignJWT({ sub: "sensor-4", aud: "ingest" })
      .setProtectedHeader({ alg: "ES256" })
      .setExpirationTime("1m")
      .sign(keys.privateKey);
    const identity = await full.authenticate(request({ Authorization: `Bearer ${jwt}` }));
    expect([identity.principal, identity.source]).toEqual(["sensor-4", "jwt"]);
  });

  test("a bad bearer token is 401 with an invalid_token challenge in REST Proxy's shape", async () => {
    expect(await refusal(full, request({ Authorization: "Bearer not.a.jwt" }))).toEqual({
      status: 401,
      headers: {
        "content-type": "application/json",
        "www-authenticate": 'Bearer realm="ingest", error="invalid_token", Basic realm="devices", charset="UTF-8"',
      },
      body: { error_code: 40101, message: expect.stringMatching(/^Invalid token: /) },
    });
  });

  test("basic credentials are checked against the hashed password", async () => {
    const identity = await full.authenticate(request({ Authorization: basicHeader("meter-1", "s3cret-pass") }));
    expect(identity).toEqual({ principal: "meter-1", source: "basic", attributes: {} });
    const wrong = await refusal(full, request({ Authorization: basicHeader("meter-1", "guess") }));
    expect([wrong.status, wrong.body]).toEqual([401, { error_code: 40101, message: "Invalid credentials" }]);
  });

  test("the verified client certificate authenticates when no Authorization header is sent", async () => {
    const identity = await full.authenticate(request({}, peer));
    expect([identity.principal, identity.source]).toEqual(["device-9", "mtls"]);
  });

  // Review 2026-12-02: a single-method connector stamps the bare name, so a token whose sub is
  // `mtls:pump-1` wrote the identity value of the certificate CN pump-1 on a multi-method connector.
  test("a name starting with a method qualifier is 401 for every method", async () => {
    const message = "The identity's name must not start with a method qualifier (mtls:, jwt:, basic:)";
    for (const sub of ["mtls:pump-1", "jwt:pump-1", "BASIC:pump-1"]) {
      const jwt = await new SignJWT({ sub, aud: "ingest" })
        .setProtectedHeader({ alg: "ES256" })
        .setExpirationTime("1m")
        .sign(keys.privateKey);
      const result = await refusal(full, request({ Authorization: `Bearer ${jwt}` }));
      expect([result.status, result.body]).toEqual([401, { error_code: 40101, message }]);
    }
    const cert = await refusal(full, request({}, { ...peer, subject: { CN: "jwt:pump-1" } }));
    expect([cert.status, cert.body]).toEqual([401, { error_code: 40101, message }]);
    // A colon elsewhere in the name is fine.
    const other = await full.authenticate(request({}, { ...peer, subject: { CN: "site:pump-1" } }));
    expect(other.principal).toBe("site:pump-1");
  });

  // explore25 F7: README states which credential counts when a request carries several.
  test("with mtls,jwt an enabled Authorization scheme decides alone; another scheme leaves it to the certificate", async () => {
    const mtlsJwt = ingestAuthenticator({ ...fullOptions, basic: null });
    const jwtOnly = ingestAuthenticator({ ...fullOptions, mtls: null, basic: null });
    const jwt = await new SignJWT({ sub: "sensor-4", aud: "ingest" })
      .setProtectedHeader({ alg: "ES256" })
      .setExpirationTime("1m")
      .sign(keys.privateKey);
    const token = await mtlsJwt.authenticate(request({ Authorization: `Bearer ${jwt}` }, peer));
    expect([token.principal, token.source]).toEqual(["sensor-4", "jwt"]);
    expect((await refusal(mtlsJwt, request({ Authorization: "Bearer not.a.jwt" }, peer))).status).toBe(401);
    const cert = await mtlsJwt.authenticate(request({ Authorization: basicHeader("meter-1", "s3cret-pass") }, peer));
    expect([cert.principal, cert.source]).toEqual(["device-9", "mtls"]);
    const unsupported = await refusal(jwtOnly, request({ Authorization: basicHeader("meter-1", "s3cret-pass") }));
    expect([unsupported.status, unsupported.body]).toEqual([
      401,
      { error_code: 40101, message: "Unsupported authentication scheme; use a bearer token" },
    ]);
  });

  test("nothing offered is 401 naming what is accepted", async () => {
    const result = await refusal(full, request());
    expect(result.body).toEqual({
      error_code: 40101,
      message: "Authentication required: send a bearer token or basic credentials or a client certificate",
    });
  });
});

test("refusals are counted by the method whose credential was refused, a REST Proxy gate's trials not (explore4 J3)", async () => {
  const metrics = new IngestAuthMetrics(["mtls", "jwt", "basic"], true);
  const auth = ingestAuthenticator({ ...fullOptions, metrics });
  await refusal(auth, request({ Authorization: "Bearer not.a.jwt" }));
  await refusal(auth, request({ Authorization: basicHeader("meter-1", "guess") }));
  await refusal(auth, request({ Authorization: "Basic bm8tY29sb24=" }));
  await refusal(auth, request({}, { ...peer, subject: { O: "no CN" } }));
  await refusal(auth, request());
  await refusal(auth, request({ Authorization: "Digest x" }));
  const trial = { trial: true, beforeVerify: () => {}, failedVerify: () => {} };
  await expect(auth.authenticate(request({ Authorization: basicHeader("meter-1", "guess-2") }), trial)).rejects.toThrow(
    "Invalid credentials",
  );
  await auth.authenticate(request({ Authorization: basicHeader("meter-1", "s3cret-pass") }));
  expect(metrics.families({ connector: "c" })).toEqual([
    {
      name: "ingest_auth_failures_total",
      type: "counter",
      help: expect.any(String),
      samples: [
        { labels: { connector: "c", method: "jwt" }, value: 1 },
        { labels: { connector: "c", method: "basic" }, value: 2 },
        { labels: { connector: "c", method: "mtls" }, value: 1 },
        { labels: { connector: "c", method: "none" }, value: 2 },
      ],
    },
    {
      name: "ingest_auth_lockouts_total",
      type: "counter",
      help: expect.any(String),
      samples: [{ labels: { connector: "c" }, value: 0 }],
    },
    {
      name: "ingest_auth_global_limit_refusals_total",
      type: "counter",
      help: expect.any(String),
      samples: [{ labels: { connector: "c" }, value: 0 }],
    },
  ]);
});

// review-testdup P2-1: a REST Proxy gate's trial refused by this connector's empty global budget was
// counted in its ingest_auth_global_limit_refusals_total and WARNed under it, though another
// connector admitted the request.
test("a REST Proxy gate's trial refused by the connector's global failure rate is neither counted nor WARNed", async () => {
  const clock = new ManualClock(1_000_000);
  const warnings: string[] = [];
  const logger = { warn: (m: string) => warnings.push(m), debug: () => {} } as unknown as Logger;
  const metrics = new IngestAuthMetrics(["basic"], true);
  // A burst of one failure: the first wrong password empties the budget.
  const guard = new BasicAttemptGuard(
    { maxFailures: 0, lockoutMs: 0, globalFailuresPerSecond: 0.1, maxConcurrentVerifications: 0 },
    clock,
  );
  const auth = ingestAuthenticator({ ...fullOptions, basic: { ...fullOptions.basic!, guard }, metrics, logger, clock });
  expect((await refusal(auth, request({ Authorization: basicHeader("meter-1", "guess") }))).status).toBe(401);
  const trial = { trial: true, beforeVerify: () => {}, failedVerify: () => {} };
  for (let i = 0; i < 3; i++)
    await expect(
      auth.authenticate(request({ Authorization: basicHeader("meter-1", `guess-${i}`) }), trial),
    ).rejects.toThrow("Too many failed authentication attempts; try again later");
  const globalRefusals = () =>
    metrics.families({ connector: "c" }).find((f) => f.name === "ingest_auth_global_limit_refusals_total")!.samples[0]!
      .value;
  expect(globalRefusals()).toBe(0);
  expect(warnings).toEqual([]);
  // The connector's own requests are still counted and WARNed.
  expect((await refusal(auth, request({ Authorization: basicHeader("meter-1", "guess") }))).status).toBe(429);
  expect(globalRefusals()).toBe(1);
  expect(warnings).toEqual([
    expect.stringContaining("Refusing basic authentication attempts that need a password verify (429)"),
  ]);
});

// Security hunt 2026-12-02: every request with a token logged a WARN while the key set was
// unavailable, so a fleet could fill the log of an edge device during an identity provider outage.
test("an unavailable key set is 503 for every request but a WARN at most once a minute", async () => {
  const clock = new ManualClock(1_000_000);
  const warnings: string[] = [];
  const logger = { warn: (m: string) => warnings.push(m), debug: () => {} } as unknown as Logger;
  const down = ingestAuthenticator({
    mtls: null,
    jwt: { verify: async () => ({ outcome: "unavailable", reason: "the JWKS at http://idp/ answered HTTP 503" }) },
    basic: null,
    logger,
    clock,
  });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await refusal(down, request({ Authorization: "Bearer a.b.c" }))).status);
  expect(statuses).toEqual([503, 503, 503, 503, 503]);
  expect(warnings).toEqual(["Cannot verify a bearer token: the JWKS at http://idp/ answered HTTP 503"]);
  clock.advance(JWKS_UNAVAILABLE_LOG_INTERVAL_MS);
  await refusal(down, request({ Authorization: "Bearer a.b.c" }));
  expect(warnings[1]).toBe(
    "Cannot verify a bearer token (and 4 more since the last such line): the JWKS at http://idp/ answered HTTP 503",
  );
});

// Security hunt 2026-12-02: a connection kept busy outlived its client certificate, and each of its
// requests still authenticated as the device.
test("a client certificate is refused once it has expired, though its connection is still open", async () => {
  const clock = new ManualClock(Date.parse("2026-12-02T00:00:00Z"));
  const mtls = ingestAuthenticator({ mtls: "cn", jwt: null, basic: null, clock });
  const dated: PeerCertificateInfo = { ...peer, notAfter: Date.parse("2026-12-03T00:00:00Z") };
  expect((await mtls.authenticate(request({}, dated))).principal).toBe("device-9");
  clock.set(Date.parse("2026-12-03T00:00:00Z"));
  expect((await mtls.authenticate(request({}, dated))).principal).toBe("device-9");
  clock.advance(1);
  expect(await refusal(mtls, request({}, dated))).toEqual({
    status: 401,
    headers: { "content-type": "application/json" },
    body: { error_code: 40101, message: "The client certificate has expired" },
  });
});
