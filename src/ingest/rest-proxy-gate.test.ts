/**
 * The REST Proxy authentication gate: off (no promise, nothing asked) unless every serving
 * connector authenticates; other connectors than the topic's only try the credentials, and a
 * request no connector admits counts their failed password verifies once, on the gate's budget
 * (gatecount, review80).
 */
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fastHash } from "../rest/auth/test-support.ts";
import { systemClock } from "../util/clock.ts";
import { LogManager } from "../util/logger.ts";
import { IngestError } from "./ingest-error.ts";
import { IngestExchange } from "./ingest-exchange.ts";
import { IngestSecurity } from "./ingest-security.ts";
import { type IngestStages, PLAIN_CONNECTION, passThroughStages } from "./request-context.ts";
import { admitBeforeRouting, gateFailureLimits, restProxyGate, restProxyGateFamilies } from "./rest-proxy-gate.ts";
import { IngestRouteTable } from "./route-table.ts";
import { post, testSettings } from "./test-support.ts";

const exchange = (headers: Record<string, string> = {}) =>
  new IngestExchange(
    post("{}", "application/json", headers),
    { ...PLAIN_CONNECTION, remoteAddress: "192.0.2.7" },
    undefined,
    0,
    0,
  );
const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

const dir = mkdtempSync(join(tmpdir(), "rest-proxy-gate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// One per test: it keeps each connector's attempt guard (and so its blocks of this one address) across its stages.
let security: IngestSecurity;
beforeEach(() => {
  security = new IngestSecurity({ mtlsIdentity: "cn", clock: systemClock });
});

/** A connector's real stages with basic authentication of `users` (user → password), failures.max 2, no global rate. */
async function basicStages(
  name: string,
  users: Record<string, string>,
  max = "2",
  globalPerSecond = "0",
): Promise<IngestStages> {
  const lines = await Promise.all(Object.entries(users).map(async ([u, p]) => `${u}:${await fastHash.bcrypt(p)}\n`));
  writeFileSync(join(dir, `${name}.creds`), lines.join(""));
  return security.stagesFactory(name, {
    "ingest.auth.methods": "basic",
    "ingest.auth.basic.credentials.file": join(dir, `${name}.creds`),
    "ingest.auth.basic.failures.max": max,
    "ingest.auth.basic.failures.global.per.second": globalPerSecond,
  }) as IngestStages;
}

/** Routes of connectors a (topic ta) and b (tb), in that order, each with basic authentication. */
async function twoConnectors(maxA = "2", maxB = "2") {
  const a = await basicStages("a", { "meter-a": "pass-a", "meter-a2": "pass-a2" }, maxA);
  const b = await basicStages("b", { "meter-b": "pass-b" }, maxB);
  const table = new IngestRouteTable();
  table.open("a", testSettings({ "ingest.path": "/ingest/a", "kafka.topic": "ta" }), a);
  table.open("b", testSettings({ "ingest.path": "/ingest/b", "kafka.topic": "tb" }), b);
  return { a, b, table };
}

/** The gate's counters on /metrics. */
function gateCounters(table: IngestRouteTable) {
  const value = (name: string) => restProxyGateFamilies(table).find((f) => f.name === name)?.samples[0]?.value;
  return {
    lockouts: value("ingest_rest_proxy_auth_lockouts_total"),
    globalLimitRefusals: value("ingest_rest_proxy_auth_global_limit_refusals_total"),
  };
}

const outcome = (admitting: Promise<void> | undefined) =>
  Promise.resolve(admitting).then(
    () => ({ status: 200 }),
    (e: IngestError) => ({ status: e.status, retryAfter: e.options.retryAfterSeconds }),
  );

/** Stages that refuse every request (401), counting the attempts. */
function refusing(): IngestStages & { calls: number } {
  const stages = {
    ...passThroughStages,
    authenticates: true,
    calls: 0,
    authenticate: () => {
      stages.calls++;
      throw new IngestError(401, 40101, "Authentication required");
    },
  };
  return stages;
}

describe("admitBeforeRouting", () => {
  test("a connector without authentication turns the gate off: no promise, no stage asked", () => {
    const table = new IngestRouteTable();
    const gated = refusing();
    table.open("a", testSettings({ "ingest.path": "/ingest/a", "kafka.topic": "ta" }), gated);
    table.open("b", testSettings({ "ingest.path": "/ingest/b", "kafka.topic": "tb" }), passThroughStages);
    expect(admitBeforeRouting(table, exchange(), "ta")).toBeUndefined();
    expect(gated.calls).toBe(0);
  });

  test("every connector authenticating: each is asked once, the refusal is a 401", async () => {
    const table = new IngestRouteTable();
    const [a, b] = [refusing(), refusing()];
    table.open("a", testSettings({ "ingest.path": "/ingest/a", "kafka.topic": "ta" }), a);
    table.open("b", testSettings({ "ingest.path": "/ingest/b", "kafka.topic": "tb" }), b);
    const refused = await Promise.resolve(admitBeforeRouting(table, exchange(), "tb")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IngestError);
    expect((refused as IngestError).status).toBe(401);
    expect([a.calls, b.calls]).toEqual([1, 1]);
  });

  test("a valid device of one connector posting to unknown topics counts no failure on another", async () => {
    const { a, b, table } = await twoConnectors();
    for (let i = 0; i < 4; i++) {
      const context = exchange(basic("meter-b", "pass-b"));
      expect(await outcome(admitBeforeRouting(table, context, "misspelled"))).toEqual({ status: 200 });
      expect(context.preauthenticated?.stages).toBe(b);
    }
    // Connector a tried meter-b's password four times (failures.max=2): a's device from the same
    // address, whose password a has not verified before, is still let in.
    const own = await a.authenticate(exchange(basic("meter-a", "pass-a")));
    expect(own.principal).toBe("meter-a");
  });

  test("wrong passwords to an unknown topic: one failure each on the gate's budget, 429 after failures.max", async () => {
    const { a, b, table } = await twoConnectors("3", "2");
    const lines: string[] = [];
    const log = new LogManager({ sink: (line) => lines.push(line) }).get("gate");
    const wrong = () => outcome(admitBeforeRouting(table, exchange(basic("meter-a", "guess")), "nobody", log));
    expect((await wrong()).status).toBe(401);
    expect((await wrong()).status).toBe(401);
    // The strictest failures.max (2): blocked, Retry-After as a connector's lockout says.
    expect(await wrong()).toEqual({ status: 429, retryAfter: 60 });
    expect(await wrong()).toEqual({ status: 429, retryAfter: 60 });
    // One WARN for the block, not one per refusal (explore4 J3).
    expect(lines.filter((l) => l.includes("WARN"))).toEqual([
      expect.stringContaining(
        "WARN Blocking 192.0.2.7 on the REST Proxy routes for 60 s after repeated failed basic authentication attempts (ingest.auth.basic.failures.max)",
      ),
    ]);
    // Counted on /metrics (testdup: the block had a WARN but no metric).
    expect(gateCounters(table)).toEqual({ lockouts: 1, globalLimitRefusals: 0 });
    // The connectors counted none: their devices from that address are let in on their own topics.
    expect((await a.authenticate(exchange(basic("meter-a2", "pass-a2")))).principal).toBe("meter-a2");
    expect((await b.authenticate(exchange(basic("meter-b", "pass-b")))).principal).toBe("meter-b");
    // A device of b's whose password was verified before is let in on an unknown topic (cache).
    expect(await outcome(admitBeforeRouting(table, exchange(basic("meter-b", "pass-b")), "nobody"))).toEqual({
      status: 200,
    });
  });

  // testdup: the gate's global rate running out was logged and counted nowhere.
  test("past the gate's global failure rate: 429, a WARN at most once a minute, every refusal counted", async () => {
    // 0.01/s: a burst of a tenth, so one failure leaves the budget empty for more than a minute.
    const a = await basicStages("ga", { "meter-a": "pass-a" }, "0", "0.01");
    const b = await basicStages("gb", { "meter-b": "pass-b" }, "0", "0.01");
    const table = new IngestRouteTable();
    table.open("ga", testSettings({ "ingest.path": "/ingest/ga", "kafka.topic": "tga" }), a);
    table.open("gb", testSettings({ "ingest.path": "/ingest/gb", "kafka.topic": "tgb" }), b);
    expect(gateCounters(table)).toEqual({ lockouts: 0, globalLimitRefusals: 0 });
    const lines: string[] = [];
    const log = new LogManager({ sink: (line) => lines.push(line) }).get("gate");
    const wrong = () => outcome(admitBeforeRouting(table, exchange(basic("meter-a", "guess")), "nobody", log));
    expect((await wrong()).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await wrong()).status).toBe(429);
    expect(lines.filter((l) => l.includes("WARN"))).toEqual([
      expect.stringContaining(
        "WARN Refusing basic authentication attempts on the REST Proxy routes that need a password verify (429): failed attempts of all clients together passed ingest.auth.basic.failures.global.per.second",
      ),
    ]);
    expect(gateCounters(table)).toEqual({ lockouts: 0, globalLimitRefusals: 3 });
    // The connectors' own budgets are untouched: their devices are let in on their own topics.
    expect((await a.authenticate(exchange(basic("meter-a", "pass-a")))).principal).toBe("meter-a");
  });

  // review-testdup P2-1: each admitted request added one to a's global-limit refusals.
  test("requests another connector admits count no global-limit refusal on a connector whose budget is empty", async () => {
    const a = await basicStages("ea", { "meter-a": "pass-a" }, "0", "0.01");
    const b = await basicStages("eb", { "meter-b": "pass-b" }, "0");
    const table = new IngestRouteTable();
    table.open("ea", testSettings({ "ingest.path": "/ingest/ea", "kafka.topic": "tea" }), a);
    table.open("eb", testSettings({ "ingest.path": "/ingest/eb", "kafka.topic": "teb" }), b);
    // One wrong password on a's own path empties a's global budget.
    await expect(a.authenticate(exchange(basic("meter-a", "guess")))).rejects.toMatchObject({ status: 401 });
    const refusalsOfA = () =>
      security
        .families()
        .find((f) => f.name === "ingest_auth_global_limit_refusals_total")!
        .samples.find((s) => s.labels.connector === "ea")!.value;
    expect(refusalsOfA()).toBe(0);
    for (let i = 0; i < 3; i++)
      expect(await outcome(admitBeforeRouting(table, exchange(basic("meter-b", "pass-b")), "nobody"))).toEqual({
        status: 200,
      });
    expect(refusalsOfA()).toBe(0);
  });

  test("the gate is kept with the route table: not rebuilt per request, rebuilt when a route changes", async () => {
    const { table } = await twoConnectors();
    await outcome(admitBeforeRouting(table, exchange(), "ta")); // the gate made on first use
    const routes = table.routes.bind(table);
    let built = 0;
    table.routes = () => {
      built++;
      return routes();
    };
    for (let i = 0; i < 3; i++) await outcome(admitBeforeRouting(table, exchange(), "ta"));
    expect(built).toBe(0);
    table.open("open", testSettings({ "ingest.path": "/ingest/open", "kafka.topic": "to" }), passThroughStages);
    expect(admitBeforeRouting(table, exchange(), "ta")).toBeUndefined();
  });

  // auditreconf: stopping and resuming the only REST Proxy connector with basic authentication dropped the
  // gate's budget, unblocking the addresses it had blocked.
  test("the gate's budget is taken up again when its routes come back: a stop and resume keeps its blocks", async () => {
    const a = await basicStages("gate-back", { "meter-g": "pass-g" });
    const table = new IngestRouteTable();
    const settings = testSettings({ "ingest.path": "/ingest/g", "kafka.topic": "tg" });
    table.open("gate-back", settings, a);
    const wrong = () => outcome(admitBeforeRouting(table, exchange(basic("meter-g", "guess")), "nobody"));
    expect([(await wrong()).status, (await wrong()).status, (await wrong()).status]).toEqual([401, 401, 429]);
    table.suspend("gate-back"); // stopped: no writer, so the route goes
    expect(table.routes()).toEqual([]);
    table.open("gate-back", settings, a);
    expect((await wrong()).status).toBe(429);
  });

  // auditreconf-b P2-2: a budget was kept per limits ever seen, for the route table's life.
  test("the gate keeps its current budget and the one before: limits changed and back take it up again", () => {
    const table = new IngestRouteTable();
    const settings = testSettings({ "ingest.path": "/ingest/l", "kafka.topic": "tl" });
    const limited = (lockoutMs: number): IngestStages => ({
      ...passThroughStages,
      authenticates: true,
      failureLimits: { maxFailures: 2, lockoutMs, globalFailuresPerSecond: 0 },
    });
    table.open("l", settings, limited(60_000));
    const gate = restProxyGate(table);
    const first = gate.budget;
    table.open("l", settings, limited(1000));
    expect(gate.budget).not.toBe(first);
    table.open("l", settings, limited(60_000));
    expect(gate.budget).toBe(first);
    for (let lockoutMs = 1; lockoutMs <= 500; lockoutMs++) table.open("l", settings, limited(lockoutMs));
    expect(gate.budgetsKept).toBe(2);
  });

  test("the gate's budget: the smallest failures.max and global rate, the longest lockout", () => {
    const stages = (maxFailures: number, lockoutMs: number, globalFailuresPerSecond: number): IngestStages => ({
      ...passThroughStages,
      failureLimits: { maxFailures, lockoutMs, globalFailuresPerSecond },
    });
    expect(gateFailureLimits([stages(5, 1000, 0), stages(0, 9000, 2), passThroughStages])).toEqual({
      maxFailures: 5,
      lockoutMs: 9000,
      globalFailuresPerSecond: 2,
    });
    expect(gateFailureLimits([stages(0, 1000, 0)])).toEqual({
      maxFailures: 0,
      lockoutMs: 1000,
      globalFailuresPerSecond: 0,
    });
    expect(gateFailureLimits([passThroughStages])).toBeUndefined();
  });

  test("a topic whose connector limits no address: trials of another's passwords through it stay bounded", async () => {
    // (Each connector counted every attempt before: the trials must not lift that bound.)
    const { table } = await twoConnectors("0", "2");
    // Guessing meter-b's password on a's topic: a verifies (and has no per-address limit), b tries.
    const guess = () => outcome(admitBeforeRouting(table, exchange(basic("meter-b", "guess")), "ta"));
    expect((await guess()).status).toBe(401);
    expect((await guess()).status).toBe(401);
    expect((await guess()).status).toBe(429);
  });

  test("guessing a connector's password through other connectors' topics: failures.max trials in all", async () => {
    // (Each topic's connector counting its own failures and the gate none gave a guesser failures.max
    // trials of a's passwords through every other connector's topic; before the gate counted, every
    // connector counted every failure.)
    const { table } = await twoConnectors();
    const c = await basicStages("c", { "meter-c": "pass-c" });
    table.open("c", testSettings({ "ingest.path": "/ingest/c", "kafka.topic": "tc" }), c);
    const guess = (topic: string, password: string) =>
      outcome(admitBeforeRouting(table, exchange(basic("meter-a", password)), topic));
    expect((await guess("tb", "guess-1")).status).toBe(401);
    expect((await guess("tb", "guess-2")).status).toBe(401);
    // The gate's budget (failures.max=2) is spent: a does not try meter-a's right password through c's topic.
    expect((await guess("tc", "pass-a")).status).toBe(429);
    // So a never verified it: not in a's cache, an unknown topic does not admit it (no 404 telling it right).
    expect((await guess("nobody", "pass-a")).status).toBe(429);
  });
});
