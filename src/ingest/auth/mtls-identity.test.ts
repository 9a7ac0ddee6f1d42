import { describe, expect, test } from "bun:test";
import { type PeerCertificate, parseSubjectAltNames } from "../tls/peer-certificate.ts";
import { mtlsIdentity } from "./mtls-identity.ts";

const peer: PeerCertificate = {
  subject: { CN: "device-7", O: "Fleet", OU: "pumps,valves" },
  issuer: { CN: "device CA" },
  subjectAltNames: parseSubjectAltNames(
    "DNS:dev-7.fleet.example, DNS:alt.example, URI:urn:dev:7, IP Address:10.0.0.7, email:ops@fleet.example",
  ),
  fingerprint256: "ab".repeat(32),
  serialNumber: "0A1B",
  validTo: "Jan  1 00:00:00 2041 GMT",
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
    expect(mtlsIdentity({ ...peer, subjectAltNames: [] }, "san.dns")).toBeNull();
  });
});
