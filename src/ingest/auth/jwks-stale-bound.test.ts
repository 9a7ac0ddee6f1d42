/**
 * Ingest JWT authentication with the identity provider's JWKS endpoint failing: its keys past
 * their age go on verifying tokens (stale-if-error, one WARN), but no longer than one longest age
 * (ingest.auth.jwt.jwks.cache.max.age.ms, a day by default) past their expiry. Before (review45), a
 * key the provider removed was accepted for as long as its fetches kept failing; now the device is
 * told 503 with Retry-After until a fetch succeeds, and a WARN says so once per outage (ingestp4:
 * the bound was a day, fixed, and nothing was logged when the refusals started).
 */
import { expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { AUDIENCE, ISSUER, jwksServer } from "../../rest/auth/test-support.ts";
import { LogManager } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { IngestError } from "../ingest-error.ts";
import { type IngestRequestContext, PLAIN_CONNECTION } from "../request-context.ts";
import { ingestAuthConfigDef, ingestAuthenticatorFrom } from "./ingest-auth-config.ts";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

async function staleSetup(config: Record<string, string> = {}) {
  const server = await jwksServer();
  await server.addKey();
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line) });
  const clock = new ManualClock(Date.now());
  const auth = ingestAuthenticatorFrom(
    ingestAuthConfigDef.parse({
      "ingest.auth.methods": "jwt",
      "ingest.auth.jwt.jwks.url": server.url.href,
      "ingest.auth.jwt.issuer": ISSUER,
      "ingest.auth.jwt.audience": AUDIENCE,
      "ingest.auth.jwt.algorithms": "RS256",
      ...config,
    }),
    { mtlsIdentity: "cn", clock, logger: logs.get("auth"), connector: "telemetry" },
  );
  const token = await server.sign();
  const authenticate = (bearer = token) => {
    const request = new Request("http://gw/ingest/x", {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}` },
    });
    const context: IngestRequestContext = {
      request,
      url: new URL(request.url),
      connection: PLAIN_CONNECTION,
      receivedAt: 0,
      startedAt: 0,
    };
    return auth.authenticate(context).then(
      (identity) => identity.principal,
      (error: unknown) => error,
    );
  };
  const refusedWarnings = () => lines.filter((line) => line.includes("no longer used"));
  return { server, lines, clock, token, authenticate, refusedWarnings };
}

test("stale JWKS keys verify ingest tokens one longest age past their expiry at most, then 503", async () => {
  const { server, lines, clock, authenticate, refusedWarnings } = await staleSetup();
  await using _server = server;
  server.cacheControl = "max-age=86400"; // the longest age: expires after a day, used until two
  expect(await authenticate()).toBe("alice");
  server.status = 503;
  clock.advance(DAY_MS);
  expect(await authenticate()).toBe("alice");
  // The fetch that started fails in the background: the stale keys go on verifying, with a WARN.
  const staleWarnings = () => lines.filter((line) => line.includes("cannot be fetched"));
  await waitFor(async () => (await authenticate()) === "alice" && staleWarnings().length > 0, {
    what: "the stale keys' WARN",
  });
  clock.advance(DAY_MS - 1);
  expect(await authenticate()).toBe("alice");
  const stale = staleWarnings();
  expect(stale).toHaveLength(1);
  expect(stale[0]).toContain("WARN [telemetry] The JWKS at");
  expect(stale[0]).toContain("then bearer tokens are refused (503) until a fetch succeeds");

  clock.advance(1);
  const refused = await authenticate();
  expect(refused).toBeInstanceOf(IngestError);
  expect((refused as IngestError).status).toBe(503);
  expect((refused as IngestError).options.retryAfterSeconds).toBe(5);
  expect((refused as IngestError).message).toBe(
    "Cannot verify bearer tokens now: the identity provider's keys are unavailable",
  );
  expect(refusedWarnings()).toHaveLength(1);
  expect(refusedWarnings()[0]).toContain("WARN [telemetry] The JWKS at");
  expect(refusedWarnings()[0]).toContain(
    "s ago are past their expiry plus the longest cache age (86400 s) and no longer used; bearer tokens are refused (503) until a fetch succeeds",
  );
  server.status = 200;
  clock.advance(30_000); // the cooldown since the last attempt
  expect(await authenticate()).toBe("alice");
});

test("ingest.auth.jwt.jwks.cache.max.age.ms bounds the keys' age and their stale use; one WARN per outage when refusals start", async () => {
  const { server, clock, token, authenticate, refusedWarnings } = await staleSetup({
    "ingest.auth.jwt.jwks.cache.max.age.ms": String(HOUR_MS),
  });
  await using _server = server;
  server.cacheControl = "max-age=86400"; // cut to the hour: expires after one, used until two
  expect(await authenticate()).toBe("alice");
  expect(server.requests).toBe(1);
  server.status = 503;
  clock.advance(HOUR_MS);
  expect(await authenticate()).toBe("alice"); // past its age: fetched again in the background
  await waitFor(() => server.requests === 2, { what: "the background fetch" });
  clock.advance(HOUR_MS - 1);
  expect(await authenticate()).toBe("alice");
  expect(refusedWarnings()).toHaveLength(0);

  clock.advance(1);
  for (let i = 0; i < 3; i++) {
    const refused = await authenticate();
    expect(refused).toBeInstanceOf(IngestError);
    expect((refused as IngestError).status).toBe(503);
  }
  expect(refusedWarnings()).toHaveLength(1);
  expect(refusedWarnings()[0]).toContain("past their expiry plus the longest cache age (3600 s)");
  for (const part of token.split(".")) expect(refusedWarnings()[0]).not.toContain(part);

  // A fetch succeeds, then the next outage gets its own WARN.
  server.status = 200;
  clock.advance(30_000);
  expect(await authenticate()).toBe("alice");
  server.status = 503;
  clock.advance(2 * HOUR_MS);
  expect(await authenticate()).toBeInstanceOf(IngestError);
  expect(refusedWarnings()).toHaveLength(2);
});

// review53: 0 (or a few ms) made every request fetch the JWKS again (the set past its age is
// fetched at once, cooldown or not), and jose asks for the key before checking the signature: any
// client with a forged token drove one identity provider fetch per request.
test("ingest.auth.jwt.jwks.cache.max.age.ms below a second is refused: the JWKS would be fetched per request", () => {
  const base = {
    "ingest.auth.methods": "jwt",
    "ingest.auth.jwt.jwks.url": "https://idp.example.test/certs",
    "ingest.auth.jwt.issuer": ISSUER,
  };
  for (const value of ["0", "1", "999"])
    expect(() => ingestAuthConfigDef.parse({ ...base, "ingest.auth.jwt.jwks.cache.max.age.ms": value })).toThrow(
      `Invalid value ${value} for configuration ingest.auth.jwt.jwks.cache.max.age.ms: Value must be at least 1000`,
    );
  expect(
    ingestAuthConfigDef.parse({ ...base, "ingest.auth.jwt.jwks.cache.max.age.ms": "1000" })[
      "ingest.auth.jwt.jwks.cache.max.age.ms"
    ],
  ).toBe(1000);
});

test("the shortest max age fetches the JWKS once per age, not per request", async () => {
  const { server, clock, authenticate } = await staleSetup({ "ingest.auth.jwt.jwks.cache.max.age.ms": "1000" });
  await using _server = server;
  for (let i = 0; i < 20; i++) {
    expect(await authenticate()).toBe("alice");
    clock.advance(10);
  }
  expect(server.requests).toBe(1);
});

// review53: a token naming a kid the held set lacks, its fetch failing, logged that the keys were
// past their bound and every token refused while they still verified, and that WARN, once per
// outage, was then not logged when the bound did pass.
test("a kid the set lacks during an outage, the keys within their bound: no refusal WARN until the bound passes", async () => {
  const { server, clock, authenticate, refusedWarnings } = await staleSetup({
    "ingest.auth.jwt.jwks.cache.max.age.ms": String(HOUR_MS),
  });
  await using _server = server;
  server.cacheControl = "max-age=3600"; // expires after an hour, used until two
  expect(await authenticate()).toBe("alice");
  const unknown = await server.addKey();
  server.remove(unknown);
  const forged = await server.sign({}, { kid: unknown });
  server.status = 503;
  clock.advance(HOUR_MS + 30_000); // past the age, within the bound, past the cooldown
  expect(await authenticate(forged)).toBeInstanceOf(IngestError); // its fetch failed
  expect(await authenticate()).toBe("alice"); // the held keys still verify
  expect(refusedWarnings()).toHaveLength(0);
  clock.advance(HOUR_MS);
  expect(await authenticate()).toBeInstanceOf(IngestError);
  expect(refusedWarnings()).toHaveLength(1);
});
