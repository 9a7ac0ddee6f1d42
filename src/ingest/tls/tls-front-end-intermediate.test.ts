/**
 * The https ingest front end with a fleet PKI that has an intermediate CA: the trust store holds
 * only the root, devices send their certificate with the intermediate, and the CRL file holds one
 * CRL per CA of the chain (the root's and the intermediate's, concatenated PEM). Regression
 * (tlshunt): node:tls read only the first CRL of the file, so with an intermediate CA every device
 * failed the handshake (UNABLE_TO_GET_CRL) and revocation could not be used at all.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:tls";
import {
  type CertAuthority,
  EC_KEY,
  type IssueOptions,
  issueCert,
  opensslCa,
  selfSignedCert,
} from "../../../test/support/cert-authority.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { loadIngestTls } from "./ingest-tls-config.ts";
import { startTlsFrontEnd } from "./tls-front-end.ts";

let dir: TempDir;
const read = (name: string) => readFileSync(dir.file(name), "utf8");
const root: CertAuthority = { name: "root", cert: "root.pem", key: "root.key" };
const inter: CertAuthority = { name: "inter", cert: "inter.pem", key: "inter.key" };

/** A certificate signed by `by`, with the request's extensions `addext`. */
async function issue(name: string, cn: string, by: CertAuthority, addext: string[], options: IssueOptions = {}) {
  await issueCert(dir.path, by, name, cn, { key: EC_KEY, addext, ...options });
}

beforeAll(async () => {
  dir = await tempDir("ingest-intermediate-");
  await selfSignedCert(dir.path, "root", "fleet root", { key: EC_KEY, days: 3 });
  await issue("inter", "fleet intermediate", root, [
    "basicConstraints=critical,CA:TRUE",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await issue("server", "gateway", root, ["subjectAltName=IP:127.0.0.1"]);
  for (const device of ["device-1", "device-2"]) await issue(device, device, inter, ["extendedKeyUsage=clientAuth"]);
  const expired = { startDate: "20200101000000Z", endDate: "20200102000000Z" };
  await issue("device-3", "device-3", inter, ["extendedKeyUsage=clientAuth"], expired);
  await opensslCa(dir.path, inter, "-revoke", "device-2.pem");
  await opensslCa(dir.path, root, "-gencrl", "-out", "root.crl");
  await opensslCa(dir.path, inter, "-gencrl", "-out", "inter.crl");
  await Bun.write(dir.file("fleet.crl"), read("root.crl") + read("inter.crl"));
  await Bun.write(dir.file("server-store.pem"), read("server.key") + read("server.pem"));
  // review25: an intermediate CRL past its next update, and the root revoking the intermediate.
  const past = ["-crl_lastupdate", "20200101000000Z", "-crl_nextupdate", "20200102000000Z"];
  await opensslCa(dir.path, inter, "-gencrl", ...past, "-out", "inter-expired.crl");
  await Bun.write(dir.file("expired.crl"), read("root.crl") + read("inter-expired.crl"));
  await opensslCa(dir.path, root, "-revoke", "inter.pem");
  await opensslCa(dir.path, root, "-gencrl", "-out", "root-revoked-inter.crl");
  await Bun.write(dir.file("revoked-inter.crl"), read("root-revoked-inter.crl") + read("inter.crl"));
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

/** The CN the handler saw for a device sending `chain`, else the status line answered, else "refused". */
function cnSeen(port: number, device: string, chain: string): Promise<string> {
  return new Promise((resolve) => {
    let answer = "";
    const socket = connect(
      { host: "127.0.0.1", port, ca: read("root.pem"), cert: chain, key: read(`${device}.key`) },
      () => socket.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    socket.on("data", (d: Buffer) => {
      answer += d.toString("latin1");
    });
    socket.on("error", () => undefined);
    socket.on("close", () =>
      resolve(/^x-cn: (.*)$/im.exec(answer)?.[1]?.trim() ?? /^HTTP\/1\.1 .*/.exec(answer)?.[0].trim() ?? "refused"),
    );
  });
}

/** The CN the handler saw for `device` sending `chain` to a front end with the CRL file `crl`. */
async function seenWith(
  crl: string | undefined,
  device: string,
  chain: string,
  clientAuth = "required",
): Promise<string> {
  const props = {
    "ingest.listeners.https.ssl.keystore.location": dir.file("server-store.pem"),
    "ingest.listeners.https.ssl.truststore.location": dir.file("root.pem"),
    "ingest.listeners.https.ssl.client.auth": clientAuth,
    "ingest.listeners.https.ssl.reload.interval.ms": "0",
    ...(crl ? { "ingest.listeners.https.ssl.crl.location": dir.file(crl) } : {}),
  };
  const fe = startTlsFrontEnd({
    host: "127.0.0.1",
    port: 0,
    handler: (_request, connection) =>
      new Response(null, {
        headers: { Connection: "close", "X-CN": String(connection.peerCertificate?.subject.CN ?? "none") },
      }),
    load: () => loadIngestTls(props),
  });
  try {
    return await cnSeen(fe.port, device, chain);
  } finally {
    await fe.stop();
  }
}

describe.each([
  ["without a CRL", undefined],
  ["with the root's and the intermediate's CRLs in one file", "fleet.crl"],
] as const)("a device CA under a root, %s", (_, crl) => {
  const seen = (device: string, chain: string) => seenWith(crl, device, chain);

  test("a device sending its certificate with the intermediate is accepted, trusted through the root", async () => {
    expect(await seen("device-1", read("device-1.pem") + read("inter.pem"))).toBe("device-1");
  });

  test("a device sending its certificate alone is refused: the root does not sign it", async () => {
    expect(await seen("device-1", read("device-1.pem"))).toBe("refused");
  });

  test(`a device the intermediate revoked is ${crl ? "refused" : "accepted (no CRL)"}`, async () => {
    expect(await seen("device-2", read("device-2.pem") + read("inter.pem"))).toBe(crl ? "refused" : "device-2");
  });
});

// As OpenSSL and Java's PKIX revocation check: no device of the intermediate passes.
test.each([
  ["the intermediate's CRL is past its next update", "expired.crl"],
  ["the root revoked the intermediate", "revoked-inter.crl"],
])("%s: a device of the intermediate is refused", async (_, crl) => {
  expect(await seenWith(crl, "device-1", read("device-1.pem") + read("inter.pem"))).toBe("refused");
});

// review75: the 401 for an expired certificate (client.auth=requested) needs a chain to the trust store.
test("requested: an expired device certificate of the intermediate is answered 401, sent alone it is dropped", async () => {
  const withInter = read("device-3.pem") + read("inter.pem");
  expect(await seenWith(undefined, "device-3", withInter, "requested")).toBe("HTTP/1.1 401 Unauthorized");
  expect(await seenWith(undefined, "device-3", read("device-3.pem"), "requested")).toBe("refused");
});
