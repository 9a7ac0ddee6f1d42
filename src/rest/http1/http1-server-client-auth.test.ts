/**
 * `ssl.client.auth` on an https REST listener, as Connect's Jetty (JSSE) does it: `required`
 * (needClientAuth) refuses a handshake without a trusted certificate; `requested`
 * (wantClientAuth) admits a client that sends none, but a certificate that is sent must verify:
 * JSSE fails the handshake for an untrusted or expired one in either mode (checked with JDK 17's
 * SSLServerSocket.setWantClientAuth: "PKIX path building failed"). Regression (tlshunt): under
 * `requested` the listener admitted any certificate, untrusted or expired.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:tls";
import { type DeviceCert, type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { serverTls } from "../../tls/server-tls.ts";
import { startHttp1Server } from "./http1-server.ts";

const P = "listeners.https.";
let dir: TempDir;
let pki: DevicePki;
const certs: Record<string, DeviceCert> = {};

beforeAll(async () => {
  dir = await tempDir("rest-client-auth-");
  pki = await makeDevicePki(dir.path);
  certs.trusted = await pki.issue("trusted", "operator-1");
  certs.expired = await pki.issue("expired", "operator-2", {
    startDate: "20200101000000Z",
    endDate: "20200102000000Z",
  });
  certs.untrusted = await pki.selfSigned("untrusted", "operator-3");
  certs.otherCa = await pki.issue("foreign", "operator-4", { otherCa: true });
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

/** The status line a client sending `cert` gets, or "refused" when the connection ends without one. */
function statusFor(port: number, cert?: DeviceCert): Promise<string> {
  return new Promise((resolve) => {
    let answer = "";
    const socket = connect(
      {
        host: "127.0.0.1",
        port,
        ca: readFileSync(pki.caCert, "utf8"),
        ...(cert ? { cert: readFileSync(cert.cert, "utf8"), key: readFileSync(cert.key, "utf8") } : {}),
      },
      () => socket.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    socket.on("data", (d: Buffer) => {
      answer += d.toString("latin1");
    });
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(answer.split("\r\n")[0] || "refused"));
  });
}

describe.each(["requested", "required"] as const)("ssl.client.auth=%s", (clientAuth) => {
  async function check(cert: DeviceCert | undefined, expected: string) {
    const tls = serverTls(
      {
        [`${P}ssl.keystore.location`]: pki.serverPem,
        [`${P}ssl.truststore.location`]: pki.caCert,
        [`${P}ssl.client.auth`]: clientAuth,
      },
      P,
      "https://127.0.0.1:0",
    );
    const server = startHttp1Server({ host: "127.0.0.1", port: 0, tls, handler: () => new Response("ok") });
    try {
      expect(await statusFor(server.port, cert)).toBe(expected);
    } finally {
      await server.stop();
    }
  }

  test("a certificate of a trusted CA is served", () => check(certs.trusted, "HTTP/1.1 200 OK"));
  test("no certificate", () => check(undefined, clientAuth === "requested" ? "HTTP/1.1 200 OK" : "refused"));
  test("a self-signed certificate is refused", () => check(certs.untrusted, "refused"));
  test("a certificate of another CA is refused", () => check(certs.otherCa, "refused"));
  test("an expired certificate of the trusted CA is refused", () => check(certs.expired, "refused"));
});
