import { describe, expect, test } from "bun:test";
import { IngestError } from "../ingest-error.ts";
import { ANONYMOUS, type IngestIdentity, type IngestTarget } from "../request-context.ts";
import { ingestAcl, ingestAclConfigDef } from "./ingest-acl.ts";

const pump: IngestIdentity = {
  principal: "pump-7",
  source: "mtls",
  attributes: { "cert.o": "Fleet", "cert.ou": "pumps" },
};
const sensor: IngestIdentity = { principal: "sensor-1", source: "jwt", attributes: { "claim.fleet": "north-2" } };
const route: IngestTarget = { connector: "c", path: "/ingest/telemetry", topic: "telemetry", shape: "native" };
const topic = (name: string): IngestTarget => ({ connector: "c", path: "/ingest/telemetry", topic: name, shape: "v2" });

function allowed(rules: Record<string, string>, identity: IngestIdentity, target: IngestTarget): boolean | number {
  const acl = ingestAcl(ingestAclConfigDef.parse(rules));
  try {
    acl.authorize(identity, target);
    return true;
  } catch (error) {
    if (error instanceof IngestError) return error.status;
    throw error;
  }
}

describe("ingestAcl", () => {
  test.each<[string, Record<string, string>, IngestIdentity, true | 403]>([
    ["no rules", {}, pump, true],
    ["an exact principal", { "ingest.acl.allow": "pump-7" }, pump, true],
    ["another principal", { "ingest.acl.allow": "pump-8" }, pump, 403],
    ["a glob", { "ingest.acl.allow": "pump-*,valve-?" }, pump, true],
    ["a glob that does not match", { "ingest.acl.allow": "valve-?" }, pump, 403],
    ["certificate attributes", { "ingest.acl.allow": "cert.o=Fleet&cert.ou=pumps" }, pump, true],
    ["one failing condition", { "ingest.acl.allow": "cert.o=Fleet&cert.ou=valves" }, pump, 403],
    ["a claim glob", { "ingest.acl.allow": "claim.fleet=north-*" }, sensor, true],
    ["the source", { "ingest.acl.allow": "source=mtls" }, sensor, 403],
    ["a principal glob never matches anonymous", { "ingest.acl.allow": "*-*,ANONYMOUS" }, ANONYMOUS, 403],
    ["* matches anonymous", { "ingest.acl.allow": "*" }, ANONYMOUS, true],
  ])("route with %s", (_what, rules, identity, expected) => {
    expect(allowed(rules, identity, route)).toBe(expected);
  });

  test("topic rules decide per topic, on top of ingest.acl.allow", () => {
    const rules = {
      "ingest.acl.allow": "pump-*,sensor-*",
      "ingest.acl.topic.rules": "telemetry-*:claim.fleet=north-*,alerts:pump-7",
    };
    expect(allowed(rules, sensor, topic("telemetry-eu"))).toBe(true);
    expect(allowed(rules, sensor, topic("alerts"))).toBe(403);
    expect(allowed(rules, pump, topic("alerts"))).toBe(true);
    expect(allowed(rules, pump, topic("telemetry-eu"))).toBe(403);
  });

  // Security review 2026-12-01, P2.7: topic rules were skipped on the connector's own path.
  test("topic rules apply to the connector's own path too, as a write to kafka.topic", () => {
    const rules = { "ingest.acl.allow": "sensor-*,pump-*", "ingest.acl.topic.rules": "telemetry:claim.fleet=north" };
    const south: IngestIdentity = { ...sensor, attributes: { "claim.fleet": "south" } };
    const north: IngestIdentity = { ...sensor, attributes: { "claim.fleet": "north" } };
    expect(allowed(rules, south, topic("telemetry"))).toBe(403);
    expect(allowed(rules, south, route)).toBe(403);
    expect(allowed(rules, north, route)).toBe(true);
    // No rule covers kafka.topic: nobody writes to it, as on a REST Proxy path.
    expect(allowed({ "ingest.acl.topic.rules": "alerts:*" }, pump, route)).toBe(403);
    const acl = ingestAcl(ingestAclConfigDef.parse(rules));
    expect(() => acl.authorize(south, route)).toThrow(
      "Principal sensor-1 is not allowed to write to topic telemetry (route /ingest/telemetry)",
    );
  });

  test("the refusal names principal and target in REST Proxy's code", () => {
    const acl = ingestAcl(ingestAclConfigDef.parse({ "ingest.acl.allow": "valve-*" }));
    expect(() => acl.authorize(pump, topic("t1"))).toThrow("Principal pump-7 is not allowed to write to topic t1");
    try {
      acl.authorize(pump, topic("t1"));
    } catch (error) {
      expect((error as IngestError).errorCode).toBe(40301);
    }
  });

  // Security hunt 2026-12-02: conditions were tested on a multi-valued attribute's values joined
  // with ",", so a glob spanned two values (over-match) and an exact value was missed.
  describe("a multi-valued attribute matches when one of its values does", () => {
    const device = (sans: string[]): IngestIdentity => ({
      principal: "dev-1",
      source: "mtls",
      attributes: { "cert.san.dns": sans.join(",") },
      ...(sans.length > 1 ? { multiValued: { "cert.san.dns": sans } } : {}),
    });
    const member = (groups: string[]): IngestIdentity => ({
      principal: "sensor-1",
      source: "jwt",
      attributes: { "claim.groups": groups.join(",") },
      multiValued: { "claim.groups": groups },
    });
    test.each<[string, string, IngestIdentity, true | 403]>([
      [
        "a glob spanning two SANs",
        "cert.san.dns=pump-*.fleet.example",
        device(["pump-1.evil.example", "x.fleet.example"]),
        403,
      ],
      [
        "a glob matching one SAN",
        "cert.san.dns=pump-*.fleet.example",
        device(["a.example", "pump-1.fleet.example"]),
        true,
      ],
      ["an exact SAN among several", "cert.san.dns=x.fleet.example", device(["x.fleet.example", "x.local"]), true],
      ["a single SAN", "cert.san.dns=x.fleet.example", device(["x.fleet.example"]), true],
      ["a glob spanning two groups", "claim.groups=fleet-*-writers", member(["fleet-a-readers", "ops-writers"]), 403],
      ["an exact group among several", "claim.groups=writers", member(["readers", "writers"]), true],
    ])("%s: %s", (_what, rule, identity, expected) => {
      expect(allowed({ "ingest.acl.allow": rule }, identity, route)).toBe(expected);
      expect(allowed({ "ingest.acl.topic.rules": `telemetry:${rule}` }, identity, topic("telemetry"))).toBe(expected);
    });
  });

  test("a condition never reads an attribute the identity does not have (Object's own members)", () => {
    expect(allowed({ "ingest.acl.allow": "constructor=*" }, pump, route)).toBe(403);
  });

  test("a glob treats regex characters literally", () => {
    expect(allowed({ "ingest.acl.allow": "a.c" }, { ...pump, principal: "abc" }, route)).toBe(403);
  });

  test("malformed rules are config errors naming the rule", () => {
    const result = ingestAclConfigDef.validate({ "ingest.acl.topic.rules": "no-colon-here" });
    expect(result.get("ingest.acl.topic.rules")?.errors).toEqual([
      'Invalid value [no-colon-here] for configuration ingest.acl.topic.rules: Invalid rule no-colon-here: "no-colon-here" is not <topic glob>:<identity matcher>',
    ]);
  });
});

describe("ingestAcl on DNS names (RFC 4343: case-insensitive)", () => {
  const dnsDevice: IngestIdentity = {
    principal: "DEV-1.Fleet.example",
    source: "mtls",
    attributes: { "cert.san.dns": "DEV-1.Fleet.example,backup.Fleet.example" },
    multiValued: { "cert.san.dns": ["DEV-1.Fleet.example", "backup.Fleet.example"] },
    dnsPrincipal: true,
  };
  const cnDevice: IngestIdentity = { principal: "DEV-1", source: "mtls", attributes: { "cert.cn": "DEV-1" } };
  test.each<[string, IngestIdentity, string, true | 403]>([
    ["an exact name in another case", dnsDevice, "dev-1.fleet.example", true],
    ["a glob in another case", dnsDevice, "dev-*.fleet.example", true],
    ["a method's principal", dnsDevice, "mtls:dev-1.fleet.EXAMPLE", true],
    ["a principal condition", dnsDevice, "principal=dev-1.*", true],
    ["a DNS SAN condition on another value", dnsDevice, "cert.san.dns=BACKUP.fleet.example", true],
    ["another name", dnsDevice, "dev-2.fleet.example", 403],
    ["a CN (not a DNS name) stays exact", cnDevice, "dev-1", 403],
    ["a CN condition stays exact", cnDevice, "cert.cn=dev-1", 403],
  ])("%s", (_what, identity, allow, expected) => {
    expect(allowed({ "ingest.acl.allow": allow }, identity, route)).toBe(expected);
  });

  test("topic rules ignore a DNS principal's case too", () => {
    const rules = { "ingest.acl.topic.rules": "telemetry:dev-1.fleet.example" };
    expect(allowed(rules, dnsDevice, topic("telemetry"))).toBe(true);
  });
});
