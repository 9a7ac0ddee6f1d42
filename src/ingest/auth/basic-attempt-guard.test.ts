/**
 * Basic authentication's attempt limits on the ingest route (security review 2026-12-01, P2.8):
 * per-address lockout, a global failure rate, a cap on concurrent password verifies answered at
 * once, and cached successes that are never refused. The verify is a fake the test resolves, so
 * "running at once" is exact and nothing waits on a real clock.
 */
import { describe, expect, test } from "bun:test";
import { basicAuthenticator } from "../../rest/auth/basic-auth.ts";
import { fastHash } from "../../rest/auth/test-support.ts";
import { LogManager } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { IngestError } from "../ingest-error.ts";
import { type IngestRequestContext, PLAIN_CONNECTION } from "../request-context.ts";
import { BasicAttemptGuard, type BasicAttemptLimits, GLOBAL_LIMIT_LOG_INTERVAL_MS } from "./basic-attempt-guard.ts";
import { IngestAuthMetrics } from "./ingest-auth-metrics.ts";
import { ingestAuthenticator } from "./ingest-authenticator.ts";

const PASSWORD = "right-pass";

/** An authenticator whose verifies wait until `settle()`; `verifies` counts them. */
async function setup(limits: Partial<BasicAttemptLimits>) {
  const clock = new ManualClock(1_000_000);
  const hash = await fastHash.bcrypt(PASSWORD);
  const waiting: (() => void)[] = [];
  let verifies = 0;
  const authenticator = basicAuthenticator({
    credentials: new Map([["meter-1", hash]]),
    clock,
    verifyPassword: async (password) => {
      verifies++;
      await new Promise<void>((resolve) => waiting.push(resolve));
      return password === PASSWORD;
    },
  });
  const guard = new BasicAttemptGuard(
    { maxFailures: 0, lockoutMs: 60_000, globalFailuresPerSecond: 0, maxConcurrentVerifications: 0, ...limits },
    clock,
  );
  const lines: string[] = [];
  const logger = new LogManager({ sink: (line) => lines.push(line) }).get("auth").withContext("[tel]");
  const metrics = new IngestAuthMetrics(["basic"], true);
  const auth = ingestAuthenticator({
    mtls: null,
    jwt: null,
    basic: { authenticator, realm: "r", guard },
    logger,
    metrics,
    clock,
  });
  const attempt = (password: string, address = "10.0.0.1") => {
    const headers = { Authorization: `Basic ${Buffer.from(`meter-1:${password}`).toString("base64")}` };
    const req = new Request("http://gw/ingest/x", { method: "POST", headers });
    const context: IngestRequestContext = {
      request: req,
      url: new URL(req.url),
      connection: { ...PLAIN_CONNECTION, remoteAddress: address },
      receivedAt: 0,
      startedAt: 0,
    };
    return auth.authenticate(context).then(
      (identity) => identity.principal,
      (error: unknown) => {
        if (!(error instanceof IngestError)) throw error;
        return { status: error.status, retryAfter: error.options.retryAfterSeconds };
      },
    );
  };
  /** Resolves every verify started so far, and awaits the attempts given. */
  const settle = async <T>(...attempts: Promise<T>[]): Promise<T[]> => {
    for (let i = 0; i < 100 && waiting.length === 0; i++) await Promise.resolve();
    for (const resolve of waiting.splice(0)) resolve();
    return Promise.all(attempts);
  };
  const warnings = () => lines.filter((l) => l.includes("WARN"));
  return { clock, guard, attempt, settle, verifies: () => verifies, warnings, metrics };
}

describe("BasicAttemptGuard behind the ingest authenticator", () => {
  test("over max.concurrent.verifications an attempt is 503 with Retry-After at once, without a verify", async () => {
    const s = await setup({ maxConcurrentVerifications: 2 });
    const first = s.attempt("wrong-1");
    const second = s.attempt("wrong-2");
    await Promise.resolve();
    expect(await s.attempt("wrong-3")).toEqual({ status: 503, retryAfter: 1 });
    expect(s.guard.inFlight).toBe(2);
    expect(await s.settle(first, second)).toEqual([
      { status: 401, retryAfter: undefined },
      { status: 401, retryAfter: undefined },
    ]);
    expect(s.verifies()).toBe(2);
    expect(s.guard.inFlight).toBe(0);
  });

  test("failures.max failures from one address block it (429) for the lockout, other addresses go on", async () => {
    const s = await setup({ maxFailures: 3 });
    for (let i = 0; i < 3; i++)
      expect(await s.settle(s.attempt(`wrong-${i}`))).toEqual([{ status: 401, retryAfter: undefined }]);
    expect(await s.attempt(PASSWORD)).toEqual({ status: 429, retryAfter: 60 });
    expect(s.verifies()).toBe(3);
    expect(await s.settle(s.attempt(PASSWORD, "10.0.0.2"))).toEqual(["meter-1"]);
    s.clock.advance(60_000);
    expect(await s.settle(s.attempt(PASSWORD))).toEqual(["meter-1"]);
  });

  test("a block is one WARN naming the address, the connector and its length, and one lockout counted; the 429s in it are not (explore4 J3)", async () => {
    const s = await setup({ maxFailures: 2 });
    const lockouts = () =>
      s.metrics.families({}).find((f) => f.name === "ingest_auth_lockouts_total")?.samples[0]?.value;
    for (let block = 1; block <= 2; block++) {
      for (let i = 0; i < 2; i++) await s.settle(s.attempt(`wrong-${block}-${i}`, "2001:db8:0:1::7"));
      for (let i = 0; i < 3; i++)
        expect(await s.attempt(PASSWORD, "2001:db8:0:1::7")).toEqual({ status: 429, retryAfter: 60 });
      expect(s.warnings()).toEqual(
        Array(block).fill(
          expect.stringContaining(
            "WARN [tel] Blocking 2001:db8:0:1::/64 for 60 s after repeated failed basic authentication attempts (ingest.auth.basic.failures.max)",
          ),
        ),
      );
      expect(lockouts()).toBe(block);
      s.clock.advance(60_000);
    }
    expect(s.warnings().join("\n")).not.toContain("wrong-");
  });

  test("past failures.global.per.second failures of all addresses, attempts needing a verify are 429 until the rate drops", async () => {
    const s = await setup({ globalFailuresPerSecond: 1 });
    for (let i = 0; i < 10; i++)
      expect(await s.settle(s.attempt(`wrong-${i}`, `10.0.1.${i}`))).toEqual([{ status: 401, retryAfter: undefined }]);
    expect(await s.attempt(PASSWORD, "10.0.2.1")).toEqual({ status: 429, retryAfter: 1 });
    expect(s.verifies()).toBe(10);
    s.clock.advance(1_000);
    expect(await s.settle(s.attempt(PASSWORD, "10.0.2.1"))).toEqual(["meter-1"]);
  });

  // testdup: the global rate running out was logged and counted nowhere, unlike a block of one address.
  test("the global rate's refusals: a WARN at most once a minute saying how many were not logged, each counted", async () => {
    const s = await setup({ globalFailuresPerSecond: 1 });
    const refusals = () =>
      s.metrics.families({}).find((f) => f.name === "ingest_auth_global_limit_refusals_total")?.samples[0]?.value;
    const WARN =
      "WARN [tel] Refusing basic authentication attempts that need a password verify (429): failed attempts of all clients together passed ingest.auth.basic.failures.global.per.second";
    /** Ten failures (the burst) from as many addresses, then `refused` attempts refused 429. */
    const exhaust = async (refused: number) => {
      for (let i = 0; i < 10; i++) await s.settle(s.attempt(`wrong-${i}`, `10.0.1.${i}`));
      for (let i = 0; i < refused; i++)
        expect(await s.attempt(`guess-${i}`, "10.0.2.1")).toEqual({ status: 429, retryAfter: 1 });
    };
    expect(refusals()).toBe(0);
    await exhaust(3);
    expect(s.warnings()).toEqual([expect.stringContaining(WARN)]);
    expect(refusals()).toBe(3);
    s.clock.advance(GLOBAL_LIMIT_LOG_INTERVAL_MS);
    await exhaust(2);
    expect(s.warnings()).toEqual([
      expect.stringContaining(WARN),
      expect.stringContaining(`${WARN} (and 2 more like it in the last 60 s, not logged)`),
    ]);
    expect(refusals()).toBe(5);
    for (const secret of ["10.0.", "meter-1", "guess-", "wrong-"])
      expect(s.warnings().join("\n")).not.toContain(secret);
  });

  test("a pair in the success cache is never refused: a device keeps working from a blocked address", async () => {
    const s = await setup({ maxFailures: 1, maxConcurrentVerifications: 1 });
    expect(await s.settle(s.attempt(PASSWORD))).toEqual(["meter-1"]);
    expect(await s.settle(s.attempt("wrong"))).toEqual([{ status: 401, retryAfter: undefined }]);
    expect(await s.attempt("wrong-again")).toEqual({ status: 429, retryAfter: 60 });
    const busy = s.attempt("wrong", "10.0.0.9");
    await Promise.resolve();
    expect(await s.attempt(PASSWORD)).toBe("meter-1");
    await s.settle(busy);
    expect(s.verifies()).toBe(3);
  });
});
