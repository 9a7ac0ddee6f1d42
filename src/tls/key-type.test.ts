import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import forge from "node-forge";
import { openssl } from "../../test/support/command.ts";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { makeCertOfKeyType, pkcs8Der } from "../../test/support/tls.ts";
import { certificateKeyType, isUnsupportedTlsCurve, privateKeyType, unsupportedKeyTypeReason } from "./key-type.ts";

let dir: TempDir;
beforeAll(async () => {
  dir = await tempDir("key-type-");
});
afterAll(() => dir[Symbol.asyncDispose]());

describe("the key type of a key or certificate openssl made", () => {
  // openssl genpkey's algorithm and options, the name given.
  test.each([
    ["RSA", [], "RSA"],
    ["RSA-PSS", [], "RSA-PSS"],
    ["EC", ["-pkeyopt", "ec_paramgen_curve:prime256v1"], "EC (curve P-256)"],
    ["EC", ["-pkeyopt", "ec_paramgen_curve:P-521"], "EC (curve P-521)"],
    ["EC", ["-pkeyopt", "ec_paramgen_curve:P-224"], "EC (curve P-224)"],
    // review-testdup P2-2: keys on curves BoringSSL lacks were "of key type EC", a type it supports.
    ["EC", ["-pkeyopt", "ec_paramgen_curve:secp256k1"], "EC (curve secp256k1)"],
    ["EC", ["-pkeyopt", "ec_paramgen_curve:brainpoolP256r1"], "EC (curve brainpoolP256r1)"],
    [
      "EC",
      ["-pkeyopt", "ec_paramgen_curve:P-256", "-pkeyopt", "ec_param_enc:explicit"],
      "EC (explicit curve parameters)",
    ],
    ["ED25519", [], "Ed25519"],
    ["ED448", [], "Ed448"],
  ])("%s %p: %s, from PEM and DER", async (algorithm, options, name) => {
    const file = name.replace(/\W+/g, "-").toLowerCase();
    await makeCertOfKeyType(dir.path, file, file, algorithm, ...options);
    const keyDer = await pkcs8Der(dir.path, `${file}.key`, `${file}.key.der`);
    await openssl(dir.path, "x509", "-in", `${file}.pem`, "-outform", "DER", "-out", `${file}.der`);
    expect({
      keyPem: privateKeyType(readFileSync(dir.file(`${file}.key`), "utf8")),
      keyDer: privateKeyType(readFileSync(keyDer)),
      certPem: certificateKeyType(readFileSync(dir.file(`${file}.pem`), "utf8")),
      certDer: certificateKeyType(readFileSync(dir.file(`${file}.der`))),
    }).toEqual({ keyPem: name, keyDer: name, certPem: name, certDer: name });
  });

  // review-testdup P3-3: a file holding the certificate before the key gave the certificate's
  // signature algorithm (OID 1.2.840.113549.1.1.11) as the key's type.
  test("in PEM text of several blocks, the key's type is read from its PRIVATE KEY block, the certificate's from its CERTIFICATE block", async () => {
    await makeCertOfKeyType(dir.path, "combo", "combo", "ED448");
    const key = readFileSync(dir.file("combo.key"), "utf8");
    const cert = readFileSync(dir.file("combo.pem"), "utf8");
    expect(privateKeyType(cert + key)).toBe("Ed448");
    expect(certificateKeyType(key + cert)).toBe("Ed448");
    expect(privateKeyType(cert)).toBeUndefined();
    expect(certificateKeyType(key)).toBeUndefined();
  });

  test("a key type without a name here is its OID; what is not a key or certificate has none", () => {
    const { asn1 } = forge;
    const info = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, "\x00"),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer("1.2.3.4").getBytes()),
      ]),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, "key"),
    ]);
    expect(privateKeyType(Buffer.from(asn1.toDer(info).getBytes(), "binary"))).toBe("OID 1.2.3.4");
    expect(privateKeyType("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n")).toBeUndefined();
    expect(privateKeyType(Buffer.from("not a key"))).toBeUndefined();
    expect(certificateKeyType("not a certificate")).toBeUndefined();
  });
});

describe("unsupportedKeyTypeReason", () => {
  test("names the type when it is known", () => {
    expect(unsupportedKeyTypeReason("/k.pem", "Ed448")).toBe(
      "/k.pem is of key type Ed448, which this gateway's TLS stack does not support (RSA, Ed25519 and EC keys on P-256, P-384 and P-521 are)",
    );
    expect(unsupportedKeyTypeReason("the private key", undefined)).toBe(
      "the private key is of a key type this gateway's TLS stack does not support (RSA, Ed25519 and EC keys on P-256, P-384 and P-521 are)",
    );
  });
});

// small3: BoringSSL reads P-224 keys (so node:crypto raises nothing) but serves no TLS with them.
describe("isUnsupportedTlsCurve", () => {
  test.each([
    ["EC (curve P-224)", true],
    ["EC (curve secp256k1)", true],
    ["EC (explicit curve parameters)", true],
    ["EC (curve P-256)", false],
    ["EC (curve P-384)", false],
    ["EC (curve P-521)", false],
    ["RSA", false],
    ["Ed25519", false],
    [undefined, false],
  ])("%p: %p", (type, unsupported) => {
    expect(isUnsupportedTlsCurve(type)).toBe(unsupported);
  });
});
