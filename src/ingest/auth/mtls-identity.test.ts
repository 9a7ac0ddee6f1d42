import { describe, expect, test } from "bun:test";
import type { PeerCertificateInfo } from "../request-context.ts";
import { mtlsIdentity } from "./mtls-identity.ts";

const peer: PeerCertificateInfo = {
  subject: { CN: "device-7", O: "Fleet", OU: "pumps,valves" },
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
    });
  });

  test("a certificate without the chosen field gives no identity", () => {
    expect(mtlsIdentity({ ...peer, subjectAltName: null }, "san.dns")).toBeNull();
  });
});
