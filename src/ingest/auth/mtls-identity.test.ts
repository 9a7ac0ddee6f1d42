import { describe, expect, test } from "bun:test";
import type { PeerCertificateInfo } from "../request-context.ts";
import { mtlsIdentity } from "./mtls-identity.ts";

const peer: PeerCertificateInfo = {
  subject: { CN: "device-7", O: "Fleet", OU: ["pumps", "valves"] },
  issuer: { CN: "device CA" },
  subjectAltName:
    "DNS:dev-7.fleet.example, DNS:alt.example, URI:urn:dev:7, IP Address:10.0.0.7, email:ops@fleet.example",
  fingerprint256: Array.from({ length: 32 }, () => "AB").join(":"),
  raw: null,
  serialNumber: "0A1B",
};

describe("mtlsIdentity", () => {
  test.each([
    ["cn", "device-7"],
    ["san.dns", "dev-7.fleet.example"],
    ["san.uri", "urn:dev:7"],
    ["san.email", "ops@fleet.example"],
    ["san.ip", "10.0.0.7"],
    ["fingerprint", "ab".repeat(32)],
  ] as const)("the principal from %s is %s", (source, principal) => {
    expect(mtlsIdentity(peer, source)?.principal).toBe(principal);
  });

  test("a DNS SAN principal is marked a DNS name (ACLs ignore its case) and kept as presented", () => {
    const upper = { ...peer, subjectAltName: "DNS:DEV-7.Fleet.example" };
    expect(mtlsIdentity(upper, "san.dns")).toMatchObject({ principal: "DEV-7.Fleet.example", dnsPrincipal: true });
    expect(mtlsIdentity(upper, "cn")?.dnsPrincipal).toBeUndefined();
  });

  test("certificate fields become attributes for ACL rules", () => {
    expect(mtlsIdentity(peer, "cn")).toEqual({
      principal: "device-7",
      source: "mtls",
      attributes: {
        "cert.cn": "device-7",
        "cert.o": "Fleet",
        "cert.ou": "pumps,valves",
        "cert.issuer.cn": "device CA",
        "cert.san.dns": "dev-7.fleet.example,alt.example",
        "cert.san.uri": "urn:dev:7",
        "cert.san.email": "ops@fleet.example",
        "cert.san.ip": "10.0.0.7",
        "cert.fingerprint": "ab".repeat(32),
        "cert.serial": "0A1B",
      },
      multiValued: { "cert.ou": ["pumps", "valves"], "cert.san.dns": ["dev-7.fleet.example", "alt.example"] },
    });
  });

  // Security hunt 2026-12-02: node prints a SAN value with a comma, quote or backslash as a JSON
  // string literal; it was used with its quotes stripped and its escapes kept.
  test("a SAN value node prints as a JSON string literal is decoded", () => {
    const odd = { ...peer, subjectAltName: 'URI:"urn:dev:7\\u002c DNS:pump-17.fleet.example", DNS:"a\\"b.example"' };
    expect(mtlsIdentity(odd, "san.uri")?.principal).toBe("urn:dev:7, DNS:pump-17.fleet.example");
    expect(mtlsIdentity(odd, "san.dns")?.principal).toBe('a"b.example');
    expect(mtlsIdentity({ ...peer, subjectAltName: 'URI:"unterminated' }, "san.uri")).toBeNull();
  });

  test("a subject with several CNs names no device", () => {
    expect(mtlsIdentity({ ...peer, subject: { CN: ["device-7", "admin"] } }, "cn")).toBeNull();
    expect(mtlsIdentity({ ...peer, subject: { CN: ["device-7", "admin"] } }, "san.dns")?.principal).toBe(
      "dev-7.fleet.example",
    );
  });

  test("a certificate without the chosen field gives no identity", () => {
    expect(mtlsIdentity({ ...peer, subjectAltName: null }, "san.dns")).toBeNull();
  });
});
