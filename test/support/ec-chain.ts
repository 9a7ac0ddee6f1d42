/**
 * A three-level EC PKI made with openssl at test time: a self-signed root, an intermediate CA it
 * signs (`root.pem`/`root.key`, `inter.pem`/`inter.key` in `dir`), and leaves the intermediate
 * signs with the extensions given. For tests of chains a peer must complete from its trust store.
 */
import { join } from "node:path";
import { openssl } from "./command.ts";

/** openssl arguments for a new P-256 key without a pass phrase. */
export const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Writes root.{pem,key} and inter.{pem,key} (CA, keyCertSign and cRLSign) into `dir`. */
export async function makeEcRootAndIntermediate(dir: string): Promise<void> {
  await openssl(
    dir,
    "req",
    "-x509",
    ...EC_KEY,
    "-days",
    "2",
    "-subj",
    "/CN=root",
    "-keyout",
    "root.key",
    "-out",
    "root.pem",
  );
  await Bun.write(join(dir, "ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
  await openssl(dir, "req", ...EC_KEY, "-subj", "/CN=inter", "-keyout", "inter.key", "-out", "inter.csr");
  await openssl(
    dir,
    ...["x509", "-req", "-in", "inter.csr", "-CA", "root.pem", "-CAkey", "root.key", "-set_serial", "2"],
    ...["-days", "2", "-extfile", "ca.ext", "-out", "inter.pem"],
  );
}

/** Leaf serial numbers: unique per issuer (RFC 5280), so a CRL revoking one leaf revokes no other. */
let nextLeafSerial = 3;

/** Writes `<name>.{pem,key}`, CN `name`, signed by the intermediate with `extensions` (ext-file lines). */
export async function makeEcLeaf(dir: string, name: string, extensions: readonly string[]): Promise<void> {
  const serial = String(nextLeafSerial++);
  await openssl(dir, "req", ...EC_KEY, "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
  await Bun.write(join(dir, `${name}.ext`), `${extensions.join("\n")}\n`);
  await openssl(
    dir,
    ...["x509", "-req", "-in", `${name}.csr`, "-CA", "inter.pem", "-CAkey", "inter.key", "-set_serial", serial],
    ...["-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.pem`],
  );
}
