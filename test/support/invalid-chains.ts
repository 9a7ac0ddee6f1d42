/**
 * Server certificate chains that fail a TLS client's verification for one reason each, made with
 * openssl at test time under one trusted root (`root.pem`), and a node:tls server on 127.0.0.1
 * port 0 presenting one: a real peer for the handshake (no broker needed to see the client's
 * verdict). For tls/verify-codes.test.ts (which code Bun reports) and the whole-gateway tests of
 * the stop reason a broker's invalid chain gives.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { connect, createServer } from "node:tls";
import { type CertAuthority, EC_KEY, issueCert, selfSignedCert } from "./cert-authority.ts";

/** A chain a client trusting `root` refuses: the server's key and certificates, leaf first. */
export interface ServedChain {
  readonly key: string;
  readonly certs: readonly string[];
}

export const BROKEN_CHAINS = [
  "issuer-not-ca",
  "issuer-without-basic-constraints",
  "path-length-exceeded",
  "client-auth-only",
  "tampered-signature",
  "not-yet-valid",
  "expired",
  "name-constraints-violated",
  "unhandled-critical-extension",
] as const;
export type BrokenChain = (typeof BROKEN_CHAINS)[number];

export interface InvalidChains {
  /** The trust store every chain is checked against. */
  readonly root: string;
  readonly chains: Readonly<Record<BrokenChain | "valid", ServedChain>>;
}

const SAN = "IP:127.0.0.1,DNS:localhost";
const CA = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"];

/** One valid and each broken chain, under the root `root.pem`, in `dir`. */
export async function makeInvalidChains(dir: string): Promise<InvalidChains> {
  const root = await selfSignedCert(dir, "root", "root", {
    key: EC_KEY,
    extra: CA.flatMap((ext) => ["-addext", ext]),
  });
  const rootCa: CertAuthority = { name: "root", ...root };
  const issue = (ca: CertAuthority, name: string, addext: readonly string[], dates: object = {}) =>
    issueCert(dir, ca, name, name, { key: EC_KEY, addext, ...dates });
  const asCa = async (ca: CertAuthority, name: string, addext: readonly string[]): Promise<CertAuthority> => ({
    name,
    ...(await issue(ca, name, addext)),
  });
  const leaf = (ca: CertAuthority, name: string, extra: readonly string[] = [], dates: object = {}) =>
    issue(ca, name, [`subjectAltName=${SAN}`, "basicConstraints=CA:FALSE", ...extra], dates);

  const notCa = await asCa(rootCa, "not-ca", ["basicConstraints=critical,CA:FALSE"]);
  const noConstraints = await asCa(rootCa, "no-constraints", ["keyUsage=critical,keyCertSign"]);
  const pathLenZero = await asCa(rootCa, "pathlen-zero", ["basicConstraints=critical,CA:TRUE,pathlen:0", CA[1]!]);
  const belowPathLen = await asCa(pathLenZero, "below-pathlen", CA);
  const constrained = await asCa(rootCa, "constrained", [...CA, "nameConstraints=critical,permitted;DNS:example.com"]);
  const valid = await leaf(rootCa, "valid");
  const tampered = join(dir, "tampered.pem");
  await Bun.write(tampered, flipSignatureBit(readFileSync(valid.cert, "utf8")));

  const served = (cert: { cert: string; key: string }, ...issuers: CertAuthority[]): ServedChain => ({
    key: cert.key,
    certs: [cert.cert, ...issuers.map((i) => i.cert)],
  });
  return {
    root: root.cert,
    chains: {
      valid: served(valid),
      "issuer-not-ca": served(await leaf(notCa, "below-not-ca"), notCa),
      "issuer-without-basic-constraints": served(await leaf(noConstraints, "below-no-constraints"), noConstraints),
      "path-length-exceeded": served(await leaf(belowPathLen, "too-deep"), belowPathLen, pathLenZero),
      "client-auth-only": served(await leaf(rootCa, "client-only", ["extendedKeyUsage=clientAuth"])),
      "tampered-signature": { key: valid.key, certs: [tampered] },
      "not-yet-valid": served(
        await leaf(rootCa, "future", [], { startDate: "20990101000000Z", endDate: "20990102000000Z" }),
      ),
      expired: served(await leaf(rootCa, "past", [], { startDate: "20200101000000Z", endDate: "20200102000000Z" })),
      "name-constraints-violated": served(await leaf(constrained, "outside-constraints"), constrained),
      // A private extension (an OID no verifier knows) marked critical.
      "unhandled-critical-extension": served(
        await leaf(rootCa, "unknown-critical", ["1.3.6.1.4.1.55555.1=critical,ASN1:NULL"]),
      ),
    },
  };
}

/** The PEM certificate with one bit of its signature (the DER's last bytes) flipped. */
function flipSignatureBit(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  der[der.length - 4]! ^= 1;
  const base64 = der.toString("base64").replace(/.{64}/g, "$&\n");
  return `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`;
}

/** A TLS server on 127.0.0.1 port 0 presenting `chain` to every client (that closes after the handshake). */
export async function serveChain(chain: ServedChain): Promise<AsyncDisposable & { readonly port: number }> {
  const server = createServer(
    { key: readFileSync(chain.key), cert: chain.certs.map((c) => readFileSync(c, "utf8")).join("") },
    (socket) => socket.end(),
  );
  server.on("tlsClientError", () => {}); // the client's refusal of the chain is the point
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The `code` and message of the error a node:tls client trusting only `root` gets from the server on `port`
 * (code "OK": none).
 */
export function clientVerdict(port: number, root: string): Promise<{ code: string; message: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, ca: readFileSync(root, "utf8") }, () => {
      resolve({ code: "OK", message: "" });
      socket.end();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve({ code: String(error.code), message: error.message }));
  });
}
