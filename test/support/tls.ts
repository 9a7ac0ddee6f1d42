/**
 * TLS material made with openssl at test time: a CA, a server certificate for 127.0.0.1 and a
 * client certificate, as PEM files and as PKCS12 stores.
 */
import { join } from "node:path";
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

/** Signs a new RSA key's certificate `<name>.pem` (key `<name>.key`) with the test CA. */
async function issue(dir: string, name: string, subject: string, extfile?: string): Promise<void> {
  await openssl(
    dir,
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    subject,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
  );
  const ext = extfile === undefined ? [] : ["-extfile", extfile];
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    ...ext,
    "-out",
    `${name}.pem`,
  );
}

/** A self-signed RSA certificate `<name>.pem` with its unencrypted key `<name>.key` in `dir` (`extra`: more `openssl req` options, e.g. `-addext`). */
export async function makeRsaCert(dir: string, name: string, cn: string, ...extra: string[]): Promise<void> {
  await openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${cn}`,
    ...extra,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
  );
}

/** A self-signed certificate `<name>.pem` with its unencrypted key `<name>.key` of `algorithm` (openssl genpkey's name: `RSA-PSS`, `ED448`, …) in `dir`. */
export async function makeCertOfKeyType(dir: string, name: string, cn: string, algorithm: string): Promise<void> {
  await openssl(dir, "genpkey", "-algorithm", algorithm, "-out", `${name}.key`);
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

/**
 * A certificate `<name>.pem` (key `<name>.key`) signed by the CA of `makeTls` in `dir`, for `cn`
 * with the subjectAltName `san` (`DNS:other.example`): trusted, but for another host than the one
 * a test connects to.
 */
export async function makeCaSignedCert(dir: string, name: string, cn: string, san: string): Promise<void> {
  await Bun.write(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
  await issue(dir, name, `/CN=${cn}`, `${name}.ext`);
}

export async function makeTls(dir: string): Promise<TlsFiles> {
  const f = (n: string) => join(dir, n);
  const password = "store-pass-123";
  await makeRsaCert(dir, "ca", "test CA");
  await Bun.write(f("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await issue(dir, "server", "/CN=localhost", "server.ext");
  await issue(dir, "client", "/CN=device-1");
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
