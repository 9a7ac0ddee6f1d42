import { describe, expect, test } from "bun:test";
import type { PeerCertificate } from "node:tls";
import { fromNodeCertificate, validityError } from "./peer-certificate.ts";

// What Bun's getPeerCertificate() gives (the fields read here), as printed for a test certificate.
const nodeCert = {
  subject: { CN: "device-1", OU: ["pumps", "valves"] },
  issuer: { CN: "device CA" },
  subjectaltname: "DNS:device-1.fleet.example",
  fingerprint256: "AB:CD",
  serialNumber: "0A1B",
  valid_from: "Dec  2 05:55:03 2026 GMT",
  valid_to: "Dec  4 05:55:03 2026 GMT",
} as unknown as PeerCertificate;

describe("fromNodeCertificate", () => {
  test("keeps a repeated subject field's values and the expiry as wall-clock ms", () => {
    expect(fromNodeCertificate(nodeCert)).toEqual({
      subject: { CN: "device-1", OU: ["pumps", "valves"] },
      issuer: { CN: "device CA" },
      subjectAltName: "DNS:device-1.fleet.example",
      fingerprint256: "AB:CD",
      raw: null,
      serialNumber: "0A1B",
      notAfter: Date.UTC(2026, 11, 4, 5, 55, 3),
    });
  });

  test("no certificate is null", () => {
    expect(fromNodeCertificate({})).toBeNull();
  });
});

describe("validityError", () => {
  test.each([
    ["before notBefore", Date.UTC(2026, 11, 2, 5, 55, 2), "CERT_NOT_YET_VALID"],
    ["at notBefore", Date.UTC(2026, 11, 2, 5, 55, 3), undefined],
    ["at notAfter", Date.UTC(2026, 11, 4, 5, 55, 3), undefined],
    ["after notAfter", Date.UTC(2026, 11, 4, 5, 55, 4), "CERT_HAS_EXPIRED"],
  ])("%s", (_when, now, expected) => {
    expect(validityError(nodeCert, now)).toBe(expected as never);
  });

  test("dates that do not parse are not held against the certificate", () => {
    expect(validityError({ valid_from: "?", valid_to: "?" }, Date.now())).toBeUndefined();
  });
});
