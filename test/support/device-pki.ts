/**
 * A device PKI made with openssl at test time, for the ingest listener's mTLS tests: a device CA
 * (with `openssl ca`, so certificates can have any validity window and be revoked into a CRL), a
 * second unrelated CA, a server certificate for 127.0.0.1, device certificates and self-signed ones.
 * EC P-256 keys keep generation fast.
 */
import { join } from "node:path";
import {
  type CertAuthority,
  caDatabase,
  EC_KEY,
  type IssuedCert,
  type IssueOptions,
  issueCert,
  opensslCa,
  selfSignedCert,
} from "./cert-authority.ts";

export type DeviceCert = IssuedCert;

export interface DeviceCertOptions extends IssueOptions {
  /** Sign with the other CA instead of the device CA. */
  readonly otherCa?: boolean;
}

export interface DevicePki {
  readonly dir: string;
  readonly caCert: string;
  readonly otherCaCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** The server's key and certificate in one PEM file (what `ssl.keystore.location` takes). */
  readonly serverPem: string;
  /** A CRL of the device CA; empty until `revoke` is called. */
  readonly crl: string;
  issue(name: string, cn: string, options?: DeviceCertOptions): Promise<DeviceCert>;
  selfSigned(name: string, cn: string): Promise<DeviceCert>;
  /** Revokes a certificate issued by the device CA and rewrites the CRL. */
  revoke(cert: DeviceCert): Promise<void>;
  /** Rewrites the CRL (a new CRL number, the same certificates revoked), as a CA publishes it again. */
  publish(): Promise<void>;
  /** A CRL of the device CA `<name>.crl` whose nextUpdate has passed (2020-01-02), for its path. */
  expiredCrl(name: string): Promise<string>;
}

/** A self-signed EC certificate `<name>.pem` with its key `<name>.key`, valid for `days`. */
function selfSignedEc(dir: string, name: string, cn: string, days: number): Promise<DeviceCert> {
  return selfSignedCert(dir, name, cn, { key: EC_KEY, days });
}

/** The CA `<name>` of `makeCa`, its files in the PKI's directory. */
function authority(name: string): CertAuthority {
  return { name, cert: `${name}.pem`, key: `${name}.key` };
}

async function makeCa(dir: string, name: string, cn: string): Promise<void> {
  await selfSignedEc(dir, name, cn, 3);
  await caDatabase(dir, name);
}

export async function makeDevicePki(dir: string): Promise<DevicePki> {
  const f = (n: string) => join(dir, n);
  await makeCa(dir, "device-ca", "device CA");
  await makeCa(dir, "other-ca", "other CA");

  const gencrl = (out = "device-ca.crl", ...dates: string[]) =>
    opensslCa(dir, authority("device-ca"), "-gencrl", "-out", out, ...dates);
  await gencrl();

  const issue = (name: string, cn: string, options: DeviceCertOptions = {}): Promise<DeviceCert> => {
    const ca = options.otherCa ? "other-ca" : "device-ca";
    return issueCert(dir, authority(ca), name, cn, { key: EC_KEY, ...options });
  };

  const server = await issue("server", "localhost", { san: "IP:127.0.0.1,DNS:localhost" });
  await Bun.write(f("server-store.pem"), (await Bun.file(server.key).text()) + (await Bun.file(server.cert).text()));
  return {
    dir,
    caCert: f("device-ca.pem"),
    otherCaCert: f("other-ca.pem"),
    serverCert: server.cert,
    serverKey: server.key,
    serverPem: f("server-store.pem"),
    crl: f("device-ca.crl"),
    issue,
    async selfSigned(name, cn) {
      return selfSignedEc(dir, name, cn, 2);
    },
    async revoke(cert) {
      await opensslCa(dir, authority("device-ca"), "-revoke", cert.cert);
      await gencrl();
    },
    async publish() {
      await gencrl();
    },
    async expiredCrl(name) {
      await gencrl(`${name}.crl`, "-crl_lastupdate", "20200101000000Z", "-crl_nextupdate", "20200102000000Z");
      return f(`${name}.crl`);
    },
  };
}
