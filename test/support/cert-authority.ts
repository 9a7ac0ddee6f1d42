/**
 * The one way test/support's PKIs (tls.ts, device-pki.ts, broker-mtls.ts) make a certificate with
 * openssl: self-signed (a CA, or a certificate no CA vouches for), or issued by a CA with
 * `openssl ca` (any validity window, revocable into a CRL).
 */
import { join } from "node:path";
import { openssl } from "./command.ts";

/** `openssl req` options for a new unencrypted RSA 2048 key. */
const RSA_KEY: readonly string[] = ["-newkey", "rsa:2048", "-nodes"];
/** `openssl req` options for a new unencrypted EC P-256 key (fast to generate). */
export const EC_KEY: readonly string[] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/**
 * A CA `openssl ca` signs with: its certificate and key (paths absolute or relative to the working
 * directory) and the name of its database files there (`<name>.cnf`, `<name>.index`,
 * `<name>.crlnumber`), written on first use.
 */
export interface CertAuthority {
  readonly name: string;
  readonly cert: string;
  readonly key: string;
}

export interface IssueOptions {
  /** `openssl req` key options: RSA_KEY unless given. */
  readonly key?: readonly string[];
  /** Subject alternative names in openssl syntax, e.g. `DNS:dev-1.example,URI:urn:device:1`. */
  readonly san?: string;
  /** More extensions in `openssl req -addext` syntax, e.g. `extendedKeyUsage=serverAuth`. */
  readonly addext?: readonly string[];
  /** openssl ca dates, `YYYYMMDDHHMMSSZ`; two days from now unless given. */
  readonly startDate?: string;
  readonly endDate?: string;
}

/** `openssl ca`'s date form (`YYYYMMDDHHMMSSZ`) of the instant `ms`, for IssueOptions' dates. */
export function caDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:T]/g, "")
    .replace(/\.\d{3}Z$/, "Z");
}

export interface IssuedCert {
  readonly cert: string;
  readonly key: string;
}

/** An `openssl ca` configuration for the CA `<name>` whose files (`<name>.index`, …) are in the working directory. */
function caConfig(name: string): string {
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

/** Writes the CA `name`'s `openssl ca` configuration and empty database in `dir` unless there already. */
export async function caDatabase(dir: string, name: string): Promise<void> {
  if (await Bun.file(join(dir, `${name}.cnf`)).exists()) return;
  await Bun.write(join(dir, `${name}.index`), "");
  await Bun.write(join(dir, `${name}.crlnumber`), "01\n");
  await Bun.write(join(dir, `${name}.cnf`), caConfig(name));
}

/**
 * A self-signed certificate `<name>.pem` with its unencrypted key `<name>.key` in `dir`, valid for
 * `days` (`key`: RSA_KEY unless given; `extra`: more `openssl req` options, e.g. `-addext`).
 */
export async function selfSignedCert(
  dir: string,
  name: string,
  cn: string,
  options: { readonly key?: readonly string[]; readonly days?: number; readonly extra?: readonly string[] } = {},
): Promise<IssuedCert> {
  const { key = RSA_KEY, days = 2, extra = [] } = options;
  await openssl(
    dir,
    "req",
    "-x509",
    ...key,
    "-days",
    String(days),
    "-subj",
    `/CN=${cn}`,
    ...extra,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
  );
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}

/** `openssl ca` with the CA `ca`'s configuration, key and certificate, then `args`, in `dir`. */
export function opensslCa(dir: string, ca: CertAuthority, ...args: string[]): Promise<string> {
  return openssl(dir, "ca", "-config", `${ca.name}.cnf`, "-keyfile", ca.key, "-cert", ca.cert, ...args);
}

/** A new key `<name>.key` and its certificate `<name>.pem` for `CN=<cn>`, issued by `ca`, in `dir`. */
export async function issueCert(
  dir: string,
  ca: CertAuthority,
  name: string,
  cn: string,
  options: IssueOptions = {},
): Promise<IssuedCert> {
  await caDatabase(dir, ca.name);
  const extensions = [...(options.san ? [`subjectAltName=${options.san}`] : []), ...(options.addext ?? [])];
  await openssl(
    dir,
    "req",
    ...(options.key ?? RSA_KEY),
    "-subj",
    `/CN=${cn}`,
    ...extensions.flatMap((ext) => ["-addext", ext]),
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
  );
  await opensslCa(
    dir,
    ca,
    "-batch",
    "-rand_serial",
    "-notext",
    "-in",
    `${name}.csr`,
    "-out",
    `${name}.pem`,
    ...(options.startDate ? ["-startdate", options.startDate] : []),
    ...(options.endDate ? ["-enddate", options.endDate] : []),
  );
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}
