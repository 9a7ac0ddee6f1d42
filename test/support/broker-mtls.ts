/**
 * The test broker's mTLS listener (scripts/kafka's `bootstrap_mtls`: SSL with
 * ssl.client.auth=required, trusting its own client CA) and the client key stores a test offers it,
 * made at test time from the broker's client certificate and key: the worker keys of each store
 * format (PEM files, inline PEM, PKCS12 by openssl, JKS by keytool, a PEM key encrypted with a
 * password), and a certificate of another CA the listener does not trust.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { issueCert } from "./cert-authority.ts";
import { openssl, runCommand } from "./command.ts";
import { type KafkaInfo, kafkaBroker } from "./kafka.ts";
import { makeRsaCert } from "./tls.ts";

export type MtlsListener = NonNullable<KafkaInfo["mtls"]>;

/** The suite's broker and its mTLS listener; a broker started before scripts/kafka had one fails here, saying so. */
export async function mtlsBroker(): Promise<{ info: KafkaInfo; mtls: MtlsListener }> {
  const info = await kafkaBroker();
  if (!info.mtls)
    throw new Error(
      "the test broker has no mTLS listener (no bootstrap_mtls in its info): restart it with this scripts/kafka",
    );
  return { info, mtls: info.mtls };
}

export const STORE_PASSWORD = "mtls-store-pass-7";
export const KEY_PASSWORD = "mtls-key-pass-9";

/** The key store settings (unprefixed `ssl.*` keys) of each format, all holding the broker-trusted client certificate. */
export interface MtlsKeyStores {
  readonly pemFiles: Record<string, string>;
  readonly inlinePem: Record<string, string>;
  readonly pkcs12: Record<string, string>;
  readonly jks: Record<string, string>;
  readonly encryptedPem: Record<string, string>;
  /** A self-signed certificate (another CA): the listener refuses it. */
  readonly otherCa: Record<string, string>;
  /** The base64 lines of the client's private key: none may appear in logs or status. */
  readonly keySecrets: string[];
}

export async function makeMtlsKeyStores(dir: string, mtls: MtlsListener): Promise<MtlsKeyStores> {
  const f = (n: string) => join(dir, n);
  const key = readFileSync(mtls.clientKey, "utf8");
  const cert = readFileSync(mtls.clientCert, "utf8");
  await Bun.write(f("client-store.pem"), key + cert);
  await openssl(
    dir,
    "pkcs8",
    "-topk8",
    "-v2",
    "aes-256-cbc",
    "-in",
    mtls.clientKey,
    "-out",
    "client-enc.key",
    "-passout",
    `pass:${KEY_PASSWORD}`,
  );
  await Bun.write(f("client-enc-store.pem"), readFileSync(f("client-enc.key"), "utf8") + cert);
  await openssl(
    dir,
    "pkcs12",
    "-export",
    "-in",
    mtls.clientCert,
    "-inkey",
    mtls.clientKey,
    "-name",
    "client",
    "-out",
    "client.p12",
    "-passout",
    `pass:${STORE_PASSWORD}`,
  );
  // JKS with a key password of its own: ssl.key.password is needed to recover the key.
  await runCommand(dir, [
    "keytool",
    "-importkeystore",
    "-noprompt",
    "-srckeystore",
    f("client.p12"),
    "-srcstoretype",
    "PKCS12",
    "-srcstorepass",
    STORE_PASSWORD,
    "-destkeystore",
    f("client.jks"),
    "-deststoretype",
    "JKS",
    "-deststorepass",
    STORE_PASSWORD,
    "-destkeypass",
    KEY_PASSWORD,
  ]);
  await makeRsaCert(dir, "other-ca-client", "edge-gateway-client");
  await Bun.write(
    f("other-ca-store.pem"),
    readFileSync(f("other-ca-client.key"), "utf8") + readFileSync(f("other-ca-client.pem"), "utf8"),
  );
  const pem = (location: string) => ({ "ssl.keystore.type": "PEM", "ssl.keystore.location": location });
  return {
    pemFiles: pem(f("client-store.pem")),
    inlinePem: { "ssl.keystore.type": "PEM", "ssl.keystore.certificate.chain": cert, "ssl.keystore.key": key },
    pkcs12: {
      "ssl.keystore.type": "PKCS12",
      "ssl.keystore.location": f("client.p12"),
      "ssl.keystore.password": STORE_PASSWORD,
    },
    jks: {
      "ssl.keystore.type": "JKS",
      "ssl.keystore.location": f("client.jks"),
      "ssl.keystore.password": STORE_PASSWORD,
      "ssl.key.password": KEY_PASSWORD,
    },
    encryptedPem: { ...pem(f("client-enc-store.pem")), "ssl.key.password": KEY_PASSWORD },
    otherCa: pem(f("other-ca-store.pem")),
    keySecrets: key.split("\n").filter((l) => l.length >= 40 && !l.startsWith("-----")),
  };
}

/** Worker keys reaching the mTLS listener over SSL (trusting the broker's CA) with `keyStore`, for the worker's own clients and every task's. */
export function mtlsWorker(
  info: KafkaInfo,
  mtls: MtlsListener,
  keyStore: Record<string, string>,
): Record<string, string> {
  const ssl = {
    "security.protocol": "SSL",
    "ssl.truststore.type": "PEM",
    "ssl.truststore.location": info.sslCa,
    ...keyStore,
  };
  // Connect gives its producers and consumers only the producer./consumer. keys; this gateway the top-level ones too.
  const prefixed = (prefix: string) => Object.fromEntries(Object.entries(ssl).map(([k, v]) => [`${prefix}${k}`, v]));
  return { "bootstrap.servers": mtls.bootstrap, ...ssl, ...prefixed("producer."), ...prefixed("consumer.") };
}

/** An instant as `openssl ca` dates take it (`YYYYMMDDHHMMSSZ`). */
export function opensslDate(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
}

/**
 * Inline PEM key store settings (unprefixed `ssl.*` keys) of a new client certificate `CN=<cn>` the
 * mTLS listener's client CA signs, valid from `notBefore` to `notAfter`: an expired one, one that
 * expires soon. The CA's key is scripts/kafka's `client-ca.key`, beside its certificate.
 */
export async function datedClientKeyStore(
  dir: string,
  mtls: MtlsListener,
  cn: string,
  notBefore: Date,
  notAfter: Date,
): Promise<Record<string, string>> {
  const clientCa = { name: "client-ca", cert: mtls.clientCa, key: join(dirname(mtls.clientCa), "client-ca.key") };
  const issued = await issueCert(dir, clientCa, cn, cn, {
    startDate: opensslDate(notBefore),
    endDate: opensslDate(notAfter),
  });
  return {
    "ssl.keystore.type": "PEM",
    "ssl.keystore.certificate.chain": readFileSync(issued.cert, "utf8"),
    "ssl.keystore.key": readFileSync(issued.key, "utf8"),
  };
}
