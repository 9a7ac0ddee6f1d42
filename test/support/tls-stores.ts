/**
 * Java-style client stores made at test time from `makeTls`' PEM material: the client's key and
 * certificate as a PKCS12 (openssl) and a JKS (keytool) key store, and the test CA as JKS, PKCS12
 * and PEM trust stores. All stores use `TlsFiles.password`. Also key stores whose key is not their
 * certificate's (makeMismatchedKeyStores).
 */
import { join } from "node:path";
import forge from "node-forge";
import { runCommand } from "./command.ts";
import { makeTls, type TlsFiles } from "./tls.ts";

export interface ClientStores extends TlsFiles {
  readonly clientP12: string;
  readonly clientJks: string;
  /** Client key and certificate in one PEM file. */
  readonly clientPem: string;
  readonly trustJks: string;
  readonly trustP12: string;
}

export async function makeClientStores(dir: string): Promise<ClientStores> {
  const tls = await makeTls(dir);
  const f = (n: string) => join(dir, n);
  const pass = tls.password;
  await Bun.write(
    f("client-store.pem"),
    (await Bun.file(tls.clientKey).text()) + (await Bun.file(tls.clientCert).text()),
  );
  await runCommand(dir, [
    "openssl",
    "pkcs12",
    "-export",
    "-in",
    tls.clientCert,
    "-inkey",
    tls.clientKey,
    "-certfile",
    tls.caCert,
    "-name",
    "client",
    "-out",
    f("client.p12"),
    "-passout",
    `pass:${pass}`,
  ]);
  const keytool = (...args: string[]) => runCommand(dir, ["keytool", ...args]);
  await keytool(
    "-importkeystore",
    "-noprompt",
    "-srckeystore",
    f("client.p12"),
    "-srcstoretype",
    "PKCS12",
    "-srcstorepass",
    pass,
    "-destkeystore",
    f("client.jks"),
    "-deststoretype",
    "JKS",
    "-deststorepass",
    pass,
    "-destkeypass",
    pass,
  );
  for (const [file, type] of [
    ["truststore.jks", "JKS"],
    ["truststore.p12", "PKCS12"],
  ] as const) {
    await keytool(
      "-importcert",
      "-noprompt",
      "-alias",
      "test-ca",
      "-file",
      tls.caCert,
      "-keystore",
      f(file),
      "-storetype",
      type,
      "-storepass",
      pass,
    );
  }
  return {
    ...tls,
    clientP12: f("client.p12"),
    clientJks: f("client.jks"),
    clientPem: f("client-store.pem"),
    trustJks: f("truststore.jks"),
    trustP12: f("truststore.p12"),
  };
}

/** Key stores holding a certificate with another certificate's key: PEM file, PKCS12 and JKS (`password`). */
export interface MismatchedKeyStores {
  readonly pem: string;
  readonly pkcs12: string;
  readonly jks: string;
}

/**
 * Key stores in `dir` whose private key (`keyPem`, RSA) is not the key of their certificate
 * (`certPem`): the PEM file, a PKCS12 store written with node-forge (`openssl pkcs12 -export`
 * refuses such a pair) and a JKS store keytool converts from it, all with `password`.
 */
export async function makeMismatchedKeyStores(
  dir: string,
  certPem: string,
  keyPem: string,
  password: string,
): Promise<MismatchedKeyStores> {
  const f = (n: string) => join(dir, n);
  await Bun.write(f("mismatched.pem"), keyPem + certPem);
  const p12 = forge.pkcs12.toPkcs12Asn1(
    forge.pki.privateKeyFromPem(keyPem),
    [forge.pki.certificateFromPem(certPem)],
    password,
    { algorithm: "3des" },
  );
  await Bun.write(f("mismatched.p12"), Buffer.from(forge.asn1.toDer(p12).getBytes(), "binary"));
  await runCommand(dir, [
    "keytool",
    "-importkeystore",
    "-noprompt",
    "-srckeystore",
    f("mismatched.p12"),
    "-srcstoretype",
    "PKCS12",
    "-srcstorepass",
    password,
    "-destkeystore",
    f("mismatched.jks"),
    "-deststoretype",
    "JKS",
    "-deststorepass",
    password,
  ]);
  return { pem: f("mismatched.pem"), pkcs12: f("mismatched.p12"), jks: f("mismatched.jks") };
}
