/**
 * TLS material made with openssl at test time: a CA, a server certificate for 127.0.0.1 and a
 * client certificate, as PEM files and as PKCS12 stores.
 */
import { join } from "node:path";
import { type CertAuthority, issueCert, selfSignedCert } from "./cert-authority.ts";
import { openssl } from "./command.ts";

export interface TlsFiles {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Key and certificate chain in one PEM file (a PEM key store). */
  readonly serverPem: string;
  readonly serverP12: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly password: string;
}

/** The test CA of `makeTls`, for `issueCert` in its directory. */
export const TEST_CA: CertAuthority = { name: "ca", cert: "ca.pem", key: "ca.key" };

/** A self-signed RSA certificate `<name>.pem` with its unencrypted key `<name>.key` in `dir` (`extra`: more `openssl req` options, e.g. `-addext`). */
export async function makeRsaCert(dir: string, name: string, cn: string, ...extra: string[]): Promise<void> {
  await selfSignedCert(dir, name, cn, { extra });
}

/**
 * A self-signed certificate `<name>.pem` with its unencrypted key `<name>.key` of `algorithm`
 * (openssl genpkey's name: `RSA-PSS`, `ED448`, …; `options`: its `-pkeyopt`s) in `dir`.
 */
export async function makeCertOfKeyType(
  dir: string,
  name: string,
  cn: string,
  algorithm: string,
  ...options: string[]
): Promise<void> {
  await openssl(dir, "genpkey", "-algorithm", algorithm, ...options, "-out", `${name}.key`);
  await openssl(
    dir,
    "req",
    "-x509",
    "-new",
    "-key",
    `${name}.key`,
    "-days",
    "2",
    "-subj",
    `/CN=${cn}`,
    "-out",
    `${name}.pem`,
  );
}

/** The unencrypted PKCS8 DER form `<out>` of the PEM private key `key` in `dir`, for its path. */
export async function pkcs8Der(dir: string, key: string, out: string): Promise<string> {
  await openssl(dir, "pkcs8", "-topk8", "-nocrypt", "-in", key, "-outform", "DER", "-out", out);
  return join(dir, out);
}

/**
 * A certificate `<name>.pem` (key `<name>.key`) signed by the CA of `makeTls` in `dir`, for `cn`
 * with the subjectAltName `san` (`DNS:other.example`): trusted, but for another host than the one
 * a test connects to.
 */
export async function makeCaSignedCert(dir: string, name: string, cn: string, san: string): Promise<void> {
  await issueCert(dir, TEST_CA, name, cn, { san });
}

export async function makeTls(dir: string): Promise<TlsFiles> {
  const f = (n: string) => join(dir, n);
  const password = "store-pass-123";
  await makeRsaCert(dir, "ca", "test CA");
  await issueCert(dir, TEST_CA, "server", "localhost", { san: "IP:127.0.0.1,DNS:localhost" });
  await issueCert(dir, TEST_CA, "client", "device-1");
  await Bun.write(
    f("server-store.pem"),
    (await Bun.file(f("server.key")).text()) + (await Bun.file(f("server.pem")).text()),
  );
  await openssl(
    dir,
    "pkcs12",
    "-export",
    "-in",
    "server.pem",
    "-inkey",
    "server.key",
    "-certfile",
    "ca.pem",
    "-out",
    "server.p12",
    "-passout",
    `pass:${password}`,
  );
  return {
    caCert: f("ca.pem"),
    serverCert: f("server.pem"),
    serverKey: f("server.key"),
    serverPem: f("server-store.pem"),
    serverP12: f("server.p12"),
    clientCert: f("client.pem"),
    clientKey: f("client.key"),
    password,
  };
}
