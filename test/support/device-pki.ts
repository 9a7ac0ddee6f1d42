/**
 * A device PKI made with openssl at test time, for the ingest listener's mTLS tests: a device CA
 * (with `openssl ca`, so certificates can have any validity window and be revoked into a CRL), a
 * second unrelated CA, a server certificate for 127.0.0.1, device certificates and self-signed ones.
 * EC P-256 keys keep generation fast.
 */
import { join } from "node:path";
import { openssl } from "./command.ts";

export interface DeviceCert {
  readonly cert: string;
  readonly key: string;
}

export interface DeviceCertOptions {
  /** Subject alternative names in openssl syntax, e.g. `DNS:dev-1.example,URI:urn:device:1`. */
  readonly san?: string;
  /** openssl ca dates, `YYYYMMDDHHMMSSZ`. */
  readonly startDate?: string;
  readonly endDate?: string;
  /** Sign with the other CA instead of the device CA. */
  readonly otherCa?: boolean;
  /** More extensions in `openssl req -addext` syntax, e.g. `extendedKeyUsage=serverAuth`. */
  readonly addext?: readonly string[];
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
  /** A CRL of the device CA `<name>.crl` whose nextUpdate has passed (2020-01-02), for its path. */
  expiredCrl(name: string): Promise<string>;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** An `openssl ca` configuration for the CA `<name>` whose files (`<name>.index`, …) are in the working directory. */
export function caConfig(name: string): string {
  return [
    "[ca]",
    "default_ca = ca_default",
    "[ca_default]",
    `database = ${name}.index`,
    "new_certs_dir = .",
    `crlnumber = ${name}.crlnumber`,
    `serial = ${name}.srl`,
    "default_md = sha256",
    "default_days = 2",
    "default_crl_days = 2",
    "policy = policy_any",
    "unique_subject = no",
    "copy_extensions = copy",
    "[policy_any]",
    "commonName = supplied",
    "",
  ].join("\n");
}

/** A self-signed EC certificate `<name>.pem` with its key `<name>.key`, valid for `days`. */
function selfSignedCert(dir: string, name: string, cn: string, days: number): Promise<unknown> {
  return openssl(
    dir,
    "req",
    "-x509",
    ...EC,
    "-days",
    String(days),
    "-subj",
    `/CN=${cn}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
  );
}

async function makeCa(dir: string, name: string, cn: string): Promise<void> {
  await selfSignedCert(dir, name, cn, 3);
  await Bun.write(join(dir, `${name}.cnf`), caConfig(name));
  await Bun.write(join(dir, `${name}.index`), "");
  await Bun.write(join(dir, `${name}.crlnumber`), "01\n");
}

export async function makeDevicePki(dir: string): Promise<DevicePki> {
  const f = (n: string) => join(dir, n);
  await makeCa(dir, "device-ca", "device CA");
  await makeCa(dir, "other-ca", "other CA");

  const gencrl = (out = "device-ca.crl", ...dates: string[]) =>
    openssl(
      dir,
      "ca",
      "-config",
      "device-ca.cnf",
      "-keyfile",
      "device-ca.key",
      "-cert",
      "device-ca.pem",
      "-gencrl",
      "-out",
      out,
      ...dates,
    );
  await gencrl();

  const issue = async (name: string, cn: string, options: DeviceCertOptions = {}): Promise<DeviceCert> => {
    const ca = options.otherCa ? "other-ca" : "device-ca";
    const reqArgs = ["req", ...EC, "-subj", `/CN=${cn}`, "-keyout", `${name}.key`, "-out", `${name}.csr`];
    if (options.san) reqArgs.push("-addext", `subjectAltName=${options.san}`);
    for (const ext of options.addext ?? []) reqArgs.push("-addext", ext);
    await openssl(dir, ...reqArgs);
    const dates = [
      ...(options.startDate ? ["-startdate", options.startDate] : []),
      ...(options.endDate ? ["-enddate", options.endDate] : []),
    ];
    await openssl(
      dir,
      "ca",
      "-batch",
      "-rand_serial",
      "-notext",
      "-config",
      `${ca}.cnf`,
      "-keyfile",
      `${ca}.key`,
      "-cert",
      `${ca}.pem`,
      "-in",
      `${name}.csr`,
      "-out",
      `${name}.pem`,
      ...dates,
    );
    return { cert: f(`${name}.pem`), key: f(`${name}.key`) };
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
      await selfSignedCert(dir, name, cn, 2);
      return { cert: f(`${name}.pem`), key: f(`${name}.key`) };
    },
    async revoke(cert) {
      await openssl(
        dir,
        "ca",
        "-config",
        "device-ca.cnf",
        "-keyfile",
        "device-ca.key",
        "-cert",
        "device-ca.pem",
        "-revoke",
        cert.cert,
      );
      await gencrl();
    },
    async expiredCrl(name) {
      await gencrl(`${name}.crl`, "-crl_lastupdate", "20200101000000Z", "-crl_nextupdate", "20200102000000Z");
      return f(`${name}.crl`);
    },
  };
}
