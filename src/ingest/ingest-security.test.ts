import { afterAll, describe, expect, spyOn, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fastHash } from "../rest/auth/test-support.ts";
import { Logger } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { IngestError, ingestErrorResponse } from "./ingest-error.ts";
import type { IngestRecord } from "./ingest-record.ts";
import { IngestSecurity, stampIdentity } from "./ingest-security.ts";
import { type IngestIdentity, type IngestStages, type IngestTarget, PLAIN_CONNECTION } from "./request-context.ts";
import type { IngestRouteSettings } from "./route-settings.ts";

const identity: IngestIdentity = { principal: "pump-7", source: "mtls", attributes: {} };
const record = (key: unknown, headers: IngestRecord["headers"] = []): IngestRecord => ({
  key,
  value: { t: 1 },
  headers,
  partition: null,
  timestamp: null,
  bytes: 7,
});
const settings = (keyFormat: "json" | "string" | "bytes") => ({ keyFormat }) as IngestRouteSettings;
const dir = mkdtempSync(join(tmpdir(), "ingest-security-"));
/** A connector's stages as its route opening has them (route-table.ts): built, then activated. */
const opened = (security: IngestSecurity, connector: string, config: Record<string, string>): IngestStages => {
  const stages = security.stagesFactory(connector, config) as IngestStages;
  stages.activate?.();
  return stages;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("stampIdentity", () => {
  test("adds the identity header and replaces one the client sent under that name", () => {
    const [stamped] = stampIdentity(
      identity,
      [
        record(null, [
          ["X-Ingest-Identity", "spoofed"],
          ["a", "b"],
        ]),
      ],
      settings("json"),
      "x-ingest-identity",
      false,
    );
    expect(stamped!.headers).toEqual([
      ["a", "b"],
      ["x-ingest-identity", "pump-7"],
    ]);
    expect(stamped!.key).toBeNull();
  });

  test("adds nothing for the anonymous identity but drops a client-sent header of that name", () => {
    const anonymous: IngestIdentity = { principal: "ANONYMOUS", source: "anonymous", attributes: {} };
    const [stamped] = stampIdentity(
      anonymous,
      [
        record(null, [
          ["ingest.identity", "spoofed"],
          ["a", "b"],
        ]),
      ],
      settings("json"),
      "ingest.identity",
      true,
    );
    expect([stamped!.headers, stamped!.key]).toEqual([[["a", "b"]], null]);
  });

  // Security review 2026-12-01, P3.20: a client-sent key (REST Proxy key, X-Kafka-Key) won, so a
  // device could write under another device's key.
  test("makes the identity the key of every record, replacing a key the client sent, in the key converter's form", () => {
    const out = stampIdentity(identity, [record(null), record("pump-8")], settings("bytes"), "", true);
    const key = new TextEncoder().encode("pump-7");
    expect(out.map((r) => r.key)).toEqual([key, key]);
  });

  // bodyfair: the stamped name was not counted, unlike the other header copies, so
  // ingest.queue.max.bytes and the accepted-bytes metric did not see it.
  test("the stamped name counts in each record's size, in UTF-8 bytes, once for the header and once for the key", () => {
    const device: IngestIdentity = { principal: "pümp-7", source: "mtls", attributes: {} };
    const sizes = (header: string, asKey: boolean) =>
      stampIdentity(device, [record(null), record("given")], settings("string"), header, asKey).map((r) => r.bytes);
    expect([sizes("ingest.identity", false), sizes("", true), sizes("ingest.identity", true)]).toEqual([
      [14, 14],
      [14, 14],
      [21, 21],
    ]);
    const anonymous: IngestIdentity = { principal: "ANONYMOUS", source: "anonymous", attributes: {} };
    const [dropped] = stampIdentity(
      anonymous,
      [record(null, [["ingest.identity", "x"]])],
      settings("json"),
      "ingest.identity",
      false,
    );
    expect(dropped!.bytes).toBe(7);
  });

  test("without ingest.identity.key a client-sent key stays", () => {
    const out = stampIdentity(identity, [record(null), record("given")], settings("string"), "ingest.identity", false);
    expect(out.map((r) => r.key)).toEqual([null, "given"]);
  });
});

describe("IngestSecurity", () => {
  const target: IngestTarget = { connector: "c1", path: "/ingest/t", topic: "t", shape: "native" };
  const context = (headers: Record<string, string>) => {
    const request = new Request("http://gw/ingest/t", { method: "POST", headers });
    return { request, url: new URL(request.url), connection: PLAIN_CONNECTION, receivedAt: 0, startedAt: 0 };
  };

  test("builds the stages from the connector config and exposes per-identity metrics", async () => {
    const hash = await fastHash.bcrypt("pw-123456");
    const file = join(dir, "meters.creds");
    await Bun.write(file, `meter-1:${hash}\nmeter-2:${hash}\n`);
    // A clock that stands still: the quota's bucket must not refill between the two limits (with the
    // system clock, a bcrypt check slower than 1 s on loaded cores between them let the second through).
    const security = new IngestSecurity({ mtlsIdentity: "cn", clock: new ManualClock(1_800_000_000_000) });
    const stages = await opened(security, "c1", {
      "ingest.auth.methods": "basic",
      "ingest.auth.basic.credentials.file": file,
      "ingest.acl.allow": "meter-1",
      "ingest.quota.requests.per.second": "1",
    });
    const basic = (user: string) => ({ Authorization: `Basic ${btoa(`${user}:pw-123456`)}` });
    const meter1 = await stages.authenticate(context(basic("meter-1")));
    expect(meter1.principal).toBe("meter-1");
    await stages.authorize(meter1, target);
    await stages.limit(meter1, target, 10);
    const meter2 = await stages.authenticate(context(basic("meter-2")));
    expect(() => stages.authorize(meter2, target)).toThrow(IngestError);
    expect(() => stages.limit(meter1, target, 10)).toThrow("Too many requests");
    const requests = security.families().find((f) => f.name === "ingest_identity_requests_total");
    expect(requests?.samples).toEqual([
      { labels: { connector: "c1", principal: "meter-1" }, value: 1 },
      { labels: { connector: "c1", principal: "meter-2" }, value: 0 },
    ]);
    const limits = security.families().find((f) => f.name === "ingest_quota_limit");
    expect(limits?.samples.filter((x) => x.value > 0)).toEqual([
      { labels: { connector: "c1", limit: "requests.per.second" }, value: 1 },
      { labels: { connector: "c1", limit: "requests.burst" }, value: 1 },
    ]);
    await stages.close?.();
    expect(security.families()).toEqual([]);
  });

  // auditreconf: a config change, a restart or a pause and resume (each builds the connector's stages again)
  // unblocked every address its basic lockout had blocked, giving a guesser ingest.auth.basic.failures.max more tries.
  const lockoutSetup = async () => {
    const hash = await fastHash.bcrypt("pw-123456");
    const file = join(dir, "lockout.creds");
    await Bun.write(file, `meter-1:${hash}\n`);
    const clock = new ManualClock(1_800_000_000_000);
    const security = new IngestSecurity({ mtlsIdentity: "cn", clock });
    const config: Record<string, string> = {
      "ingest.auth.methods": "basic",
      "ingest.auth.basic.credentials.file": file,
      "ingest.auth.basic.failures.max": "2",
      "ingest.auth.basic.failures.lockout.ms": "60000",
    };
    const guess = async (stages: IngestStages) => {
      try {
        await stages.authenticate(context({ Authorization: `Basic ${btoa("meter-1:wrong")}` }));
        return 200;
      } catch (error) {
        return (error as IngestError).status;
      }
    };
    return { clock, security, config, guess };
  };

  // auditreconf: a config change, a restart or a pause and resume (each builds the connector's stages again)
  // unblocked every address its basic lockout had blocked, giving a guesser ingest.auth.basic.failures.max more tries.
  test("a connector's stages built again keep the addresses its basic lockout blocked", async () => {
    const { clock, security, config, guess } = await lockoutSetup();
    const first = await opened(security, "c1", config);
    expect([await guess(first), await guess(first), await guess(first)]).toEqual([401, 401, 429]);
    await first.close?.();
    clock.advance(59_000);
    const again = await opened(security, "c1", { ...config, "ingest.max.records": "500" });
    expect(await guess(again)).toBe(429);
  });

  // auditreconf-b: a changed failures.max applies at once (the kept guard is replaced by one with the new limits).
  test("a changed ingest.auth.basic.failures.max applies to the connector's next stages", async () => {
    const { security, config, guess } = await lockoutSetup();
    const first = await opened(security, "c1", config);
    expect([await guess(first), await guess(first)]).toEqual([401, 401]);
    await first.close?.();
    const raised = await opened(security, "c1", { ...config, "ingest.auth.basic.failures.max": "4" });
    const guesses: number[] = [];
    for (let i = 0; i < 5; i++) guesses.push(await guess(raised));
    expect(guesses).toEqual([401, 401, 401, 401, 429]);
    await raised.close?.();
    const lowered = await opened(security, "c1", { ...config, "ingest.auth.basic.failures.max": "1" });
    expect([await guess(lowered), await guess(lowered)]).toEqual([401, 429]);
  });

  // p3ingestc 1: the guard of an instance with other failures limits whose start failed (its path taken) replaced
  // the kept one: the running instance's next one started with a fresh guard, unblocking the addresses.
  test("stages whose route never opened leave the connector's kept basic guard", async () => {
    const { security, config, guess } = await lockoutSetup();
    const first = await opened(security, "c1", config);
    expect([await guess(first), await guess(first), await guess(first)]).toEqual([401, 401, 429]);
    const failed = security.stagesFactory("c1", { ...config, "ingest.auth.basic.failures.max": "4" }) as IngestStages;
    await failed.close?.();
    await first.close?.();
    const again = await opened(security, "c1", config);
    expect(await guess(again)).toBe(429);
  });

  // p3ingest-b 3: as the README says, a delete and create again of the name (a tool applying a changed config)
  // does not unblock the addresses the connector's lockout blocked, unlike its quota buckets.
  test("a connector deleted and created again keeps the addresses its basic lockout blocked", async () => {
    const { security, config, guess } = await lockoutSetup();
    const first = await opened(security, "c1", config);
    expect([await guess(first), await guess(first), await guess(first)]).toEqual([401, 401, 429]);
    await first.close?.();
    security.connectorDeleted("c1");
    const created = await opened(security, "c1", config);
    expect(await guess(created)).toBe(429);
  });

  // auditreconf-b P2-1: a guard was kept for every connector name ever built, for the worker's life.
  test("the guards of closed connectors are dropped once their lockout has passed", async () => {
    const { clock, security, config } = await lockoutSetup();
    for (let i = 0; i < 50; i++) await (await opened(security, `churn-${i}`, config)).close?.();
    const open = await opened(security, "open", config);
    const withoutBasic = await opened(security, "dropped-basic", config);
    await opened(security, "dropped-basic", {});
    await withoutBasic.close?.();
    expect(security.guardedConnectors).toHaveLength(52);
    clock.advance(59_999);
    await (await opened(security, "other", {})).close?.();
    expect(security.guardedConnectors).toHaveLength(52);
    clock.advance(1);
    await (await opened(security, "other", {})).close?.();
    expect(security.guardedConnectors).toEqual(["open"]);
    await open.close?.();
  });

  // p3ingest 3: the guard was counted open when handed out during ingestAuthenticatorFrom; a call throwing after
  // that left it held by an instance that never existed, so it was never dropped.
  test("a build throwing after the basic guard was handed out leaves no guard held", async () => {
    const { clock, config } = await lockoutSetup();
    // The last step of ingestAuthenticatorFrom, after the guard was handed out, made to throw.
    const withContext = spyOn(Logger.prototype, "withContext").mockImplementation(() => {
      throw new Error("no logger context");
    });
    const security = new IngestSecurity({ mtlsIdentity: "cn", clock });
    try {
      expect(() => security.stagesFactory("c1", config)).toThrow("no logger context");
    } finally {
      withContext.mockRestore();
    }
    expect(security.guardedConnectors).toEqual([]);
    expect(security.quotaConnectors).toEqual([]);
  });

  // p3ingest 1: a restart, a pause and resume or a config change built new buckets: every device that had used up
  // its quota got a fresh one.
  describe("the per-identity quota", () => {
    const meter: IngestIdentity = { principal: "meter-1", source: "basic", attributes: {} };
    const quota = { "ingest.quota.requests.per.second": "0.5", "ingest.quota.requests.burst": "2" };
    const refusal = (stages: IngestStages) => {
      try {
        stages.limit(meter, target, 10);
        return "ok";
      } catch (error) {
        const response = ingestErrorResponse(error as IngestError);
        return { status: response.status, retryAfter: response.headers.get("Retry-After") };
      }
    };
    const setup = async () => {
      const clock = new ManualClock(1_800_000_000_000);
      const security = new IngestSecurity({ mtlsIdentity: "cn", clock });
      const first = await opened(security, "c1", quota);
      expect([refusal(first), refusal(first), refusal(first)]).toEqual(["ok", "ok", { status: 429, retryAfter: "2" }]);
      return { clock, security, first };
    };

    test("stays used up when the connector's stages are built again for another key", async () => {
      const { security, first } = await setup();
      await first.close?.();
      const again = await opened(security, "c1", { ...quota, "ingest.max.records": "500" });
      expect(refusal(again)).toEqual({ status: 429, retryAfter: "2" });
    });

    test("also while the old stages are still open (a config change opens the new ones first)", async () => {
      const { security, first } = await setup();
      const again = await opened(security, "c1", { ...quota, "ingest.max.records": "500" });
      await first.close?.();
      expect(refusal(again)).toEqual({ status: 429, retryAfter: "2" });
    });

    test("carries what was used over to changed limits, clamped to the new burst", async () => {
      const { security, first } = await setup();
      await first.close?.();
      const raised = await opened(security, "c1", { ...quota, "ingest.quota.requests.burst": "3" });
      expect([refusal(raised), refusal(raised)]).toEqual(["ok", { status: 429, retryAfter: "2" }]);
      await raised.close?.();
      const lowered = await opened(security, "c1", {
        "ingest.quota.requests.per.second": "0.25",
        "ingest.quota.requests.burst": "1",
      });
      expect(refusal(lowered)).toEqual({ status: 429, retryAfter: "4" });
    });

    // p3ingestc 1: an instance whose start failed (its path served by another connector: route-table.ts open throws,
    // connector.ts closes its stages) put the buckets under its own limits, or cleared them without quota keys.
    test.each([
      ["other quota keys", { "ingest.quota.requests.per.second": "10", "ingest.quota.requests.burst": "100" }],
      ["no quota keys", {}],
    ])("is not changed by an instance with %s whose route never opened", async (_what, config) => {
      const { clock, security, first } = await setup();
      const limitsOf = () => security.families().find((f) => f.name === "ingest_quota_limit")?.samples;
      const before = limitsOf();
      const failed = security.stagesFactory("c1", config) as IngestStages;
      await failed.close?.();
      expect(refusal(first)).toEqual({ status: 429, retryAfter: "2" });
      expect(limitsOf()).toEqual(before);
      clock.advance(2_000);
      expect([refusal(first), refusal(first)]).toEqual(["ok", { status: 429, retryAfter: "2" }]);
      expect(security.families().find((f) => f.name === "ingest_identity_requests_total")?.samples).toEqual([
        { labels: { connector: "c1", principal: "meter-1" }, value: 3 },
      ]);
    });

    test("is fresh once the quota keys were removed and set again", async () => {
      const { security, first } = await setup();
      await first.close?.();
      await (await opened(security, "c1", {})).close?.();
      const again = await opened(security, "c1", quota);
      expect(refusal(again)).toBe("ok");
    });

    test("is fresh for a connector deleted and created again", async () => {
      const { security, first } = await setup();
      await first.close?.();
      security.connectorDeleted("c1");
      expect(security.quotaConnectors).toEqual([]);
      const created = await opened(security, "c1", quota);
      expect(refusal(created)).toBe("ok");
    });

    test("is dropped once no instance holds it and every bucket is full again", async () => {
      const { clock, security, first } = await setup();
      for (let i = 0; i < 50; i++) {
        const churn = await opened(security, `churn-${i}`, quota);
        churn.limit(meter, target, 1);
        await churn.close?.();
      }
      await first.close?.();
      expect(security.quotaConnectors).toHaveLength(51);
      clock.advance(3_999);
      await (await opened(security, "other", {})).close?.();
      expect(security.quotaConnectors).toEqual(["c1"]);
      clock.advance(1);
      await (await opened(security, "other", {})).close?.();
      expect(security.quotaConnectors).toEqual([]);
    });
  });

  test("the gateway-wide cap is shared by every connector", async () => {
    const security = new IngestSecurity({
      mtlsIdentity: "cn",
      clock: new ManualClock(1_800_000_000_000),
      global: { "ingest.quota.global.requests.per.second": "2" },
    });
    const a = await opened(security, "a", {});
    const b = await opened(security, "b", {});
    const anonymous = await a.authenticate(context({}));
    await a.limit(anonymous, target, 1);
    await b.limit(anonymous, { ...target, connector: "b" }, 1);
    expect(() => a.limit(anonymous, target, 1)).toThrow(
      "Too many requests: the gateway's request rate quota is exhausted",
    );
  });
});

// Leftovers 13: a token whose sub is a certificate's CN wrote records stamped with that device's
// identity (header and key) and drew on its quota.
describe("a connector with several authentication methods", () => {
  const target: IngestTarget = { connector: "c1", path: "/ingest/t", topic: "t", shape: "native" };
  const byCertificate: IngestIdentity = { principal: "pump-7", source: "mtls", attributes: {} };
  const byToken: IngestIdentity = { principal: "pump-7", source: "jwt", attributes: {} };

  test("stamps the method-qualified name; with one method the principal as before", () => {
    const stamp = (who: IngestIdentity, qualified: boolean) => {
      const [r] = stampIdentity(who, [record(null)], settings("string"), "ingest.identity", true, qualified);
      return [r!.key, r!.headers[0]![1]];
    };
    expect([stamp(byCertificate, true), stamp(byToken, true)]).toEqual([
      ["mtls:pump-7", "mtls:pump-7"],
      ["jwt:pump-7", "jwt:pump-7"],
    ]);
    expect(stamp(byToken, false)).toEqual(["pump-7", "pump-7"]);
  });

  test("keeps a quota bucket and metrics per method: a token with the same name does not use the device's", async () => {
    const pem = join(dir, "jwt.pem");
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await Bun.write(pem, publicKey.export({ type: "spki", format: "pem" }));
    const security = new IngestSecurity({ mtlsIdentity: "cn", clock: new ManualClock(1_800_000_000_000) });
    const stages = await opened(security, "c1", {
      "ingest.auth.methods": "mtls,jwt",
      "ingest.auth.jwt.public.key.location": pem,
      "ingest.quota.requests.per.second": "1",
    });
    await stages.limit(byToken, target, 1);
    expect(() => stages.limit(byToken, target, 1)).toThrow("principal jwt:pump-7's request rate quota");
    await stages.limit(byCertificate, target, 1);
    const requests = security.families().find((f) => f.name === "ingest_identity_requests_total");
    expect(requests?.samples).toEqual([
      { labels: { connector: "c1", principal: "jwt:pump-7" }, value: 1 },
      { labels: { connector: "c1", principal: "mtls:pump-7" }, value: 1 },
    ]);
    await stages.close?.();
  });
});
