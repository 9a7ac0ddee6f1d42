/**
 * The ingest TLS front end (node:tls handing each socket to the HTTP server): which device
 * certificates each ssl.client.auth mode admits, the verified peer reaching the handler, and how
 * refused and oversized requests end. Reloading its files: tls-front-end-reload.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type DeviceCert, type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { tlsClient } from "../../../test/support/tls-client.ts";
import { type CurlResult, curl, echoFrontEnd } from "./tls-front-end-test-support.ts";

let dir: TempDir;
let pki: DevicePki;
const certs: Record<string, DeviceCert> = {};

beforeAll(async () => {
  dir = await tempDir("ingest-tls-");
  pki = await makeDevicePki(dir.path);
  certs.good = await pki.issue("good", "device-1", { san: "DNS:device-1.fleet.example,URI:urn:dev:1" });
  certs.wrongCa = await pki.issue("wrong-ca", "device-2", { otherCa: true });
  certs.expired = await pki.issue("expired", "device-3", { startDate: "20200101000000Z", endDate: "20200102000000Z" });
  certs.future = await pki.issue("future", "device-4", { startDate: "20400101000000Z", endDate: "20410101000000Z" });
  certs.selfSigned = await pki.selfSigned("self", "device-1");
  certs.revoked = await pki.issue("revoked", "device-5");
  await pki.revoke(certs.revoked);
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

const frontEnd = (extra: Record<string, string> = {}) => echoFrontEnd(pki, extra);

describe("TlsFrontEnd", () => {
  describe("with ssl.client.auth=required", () => {
    test("a device certificate of the trusted CA is accepted and its CN reaches the handler (regression, issue 12: Bun.serve hides the peer certificate)", async () => {
      await using fe = await frontEnd();
      const result = await curl(
        `${fe.url}/ingest/t`,
        pki,
        certs.good,
        "-d",
        '{"a":1}',
        "-H",
        "Content-Type: application/json",
      );
      expect(result.code).toBe(0);
      expect(JSON.parse(result.body)).toEqual({
        cn: "device-1",
        identity: "device-1",
        method: "POST",
        path: "/ingest/t",
        body: '{"a":1}',
      });
    });

    test("requests on one keep-alive connection all carry the peer certificate", async () => {
      await using fe = await frontEnd();
      const result = await curl(
        `${fe.url}/a`,
        pki,
        certs.good,
        "--next",
        "--cacert",
        pki.caCert,
        "--cert",
        certs.good!.cert,
        "--key",
        certs.good!.key,
        `${fe.url}/b`,
      );
      expect(result.code).toBe(0);
      const bodies = result.body
        .replace("}{", "}\n{")
        .split("\n")
        .map((b) => JSON.parse(b));
      expect(bodies.map((b) => [b.path, b.cn]).sort()).toEqual([
        ["/a", "device-1"],
        ["/b", "device-1"],
      ]);
    });

    test("a body refused after its first chunk is answered whole, and later chunks are dropped (regression: they crashed the process)", async () => {
      await using fe = await frontEnd();
      const big = dir.file("big-body.json");
      await Bun.write(big, `"${"x".repeat(2_000_000)}"`);
      for (let i = 0; i < 3; i++) {
        const result = await curl(`${fe.url}/refuse`, pki, certs.good, "-H", "Expect:", "--data-binary", `@${big}`);
        expect(JSON.parse(result.body)).toEqual({ error_code: 413, message: "too large" });
      }
      const after = await curl(`${fe.url}/echo`, pki, certs.good, "-d", "ok");
      expect(JSON.parse(after.body).body).toBe("ok");
    });

    test("a 413 answered while the client is still sending its body reaches it: the connection lingers before it closes (regression: curl got 'Send failure: Broken pipe')", async () => {
      await using fe = await frontEnd();
      const big = dir.file("too-large.json");
      await Bun.write(big, `"${"x".repeat(2_000_000)}"`);
      // No Expect: the body follows the headers at once, as most device clients send it. A reset
      // reached the client before the answer in about one request in ten on a busy machine.
      const noExpect = ["-D", "-", "-H", "Expect:", "--data-binary", `@${big}`];
      const results: { code: number; stderr: string; status: string | undefined }[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await curl(`${fe.url}/too-large`, pki, certs.good, ...noExpect);
        results.push({ code: r.code, stderr: r.stderr, status: r.body.split("\r\n")[0] });
      }
      expect(results).toEqual(
        Array.from({ length: 20 }, () => ({ code: 0, stderr: "", status: "HTTP/1.1 413 Payload Too Large" })),
      );
    });

    test("Expect: 100-continue is answered only once the handler reads the body", async () => {
      await using fe = await frontEnd();
      const big = dir.file("big-body.json");
      await Bun.write(big, `"${"x".repeat(2_000_000)}"`);
      const headers = (r: CurlResult) => r.stderr.split(/\r?\n/).filter((l) => l.startsWith("< HTTP/"));
      const expect100 = ["-v", "-H", "Expect: 100-continue", "--data-binary", `@${big}`];
      for (const path of ["/refuse?unread", "/refuse?unread&later"]) {
        const refused = await curl(`${fe.url}${path}`, pki, certs.good, ...expect100);
        expect({ path, heads: headers(refused) }).toEqual({ path, heads: ["< HTTP/1.1 413 Payload Too Large"] });
        expect(refused.stderr).not.toContain("upload completely sent off");
      }
      const read = await curl(`${fe.url}/echo`, pki, certs.good, ...expect100);
      expect(headers(read)).toEqual(["< HTTP/1.1 100 Continue", "< HTTP/1.1 200 OK"]);
      expect(JSON.parse(read.body).body).toHaveLength(2_000_002);
    });

    test.each([
      ["wrongCa", "a certificate of another CA"],
      ["expired", "an expired certificate"],
      ["future", "a not-yet-valid certificate"],
      ["selfSigned", "a self-signed certificate with a trusted CN"],
      ["revoked", "a certificate on the CRL"],
    ])("%s: %s fails the handshake", async (name) => {
      await using fe = await frontEnd();
      const result = await curl(`${fe.url}/x`, pki, certs[name]);
      expect(result.code).not.toBe(0);
      expect(result.body).toBe("");
      expect([...fe.handshakeFailures.values()].reduce((a, b) => a + b, 0)).toBe(1);
    });

    test("the handshake failure says why (expired, not yet valid, revoked)", async () => {
      await using fe = await frontEnd();
      for (const name of ["expired", "future", "revoked"]) await curl(`${fe.url}/x`, pki, certs[name]);
      expect(Object.fromEntries(fe.handshakeFailures)).toEqual({
        CERT_HAS_EXPIRED: 1,
        CERT_NOT_YET_VALID: 1,
        CERT_REVOKED: 1,
      });
    });

    test("no client certificate fails the handshake", async () => {
      await using fe = await frontEnd();
      const result = await curl(`${fe.url}/x`, pki);
      expect(result.code).not.toBe(0);
      expect(result.body).toBe("");
    });

    test("TLS 1.1 is refused", async () => {
      await using fe = await frontEnd();
      const result = await curl(`${fe.url}/x`, pki, certs.good, "--tls-max", "1.1");
      expect(result.code).not.toBe(0);
    });
  });

  describe("with ssl.client.auth=requested", () => {
    test("a request without a certificate is served without a peer", async () => {
      await using fe = await frontEnd({ "ingest.listeners.https.ssl.client.auth": "requested" });
      const result = await curl(`${fe.url}/x`, pki);
      expect(JSON.parse(result.body).cn).toBeNull();
    });

    test.each([
      ["expired", "The client certificate has expired"],
      ["future", "The client certificate is not yet valid"],
    ])(
      "%s: a certificate outside its validity window is answered 401 naming the problem, without reaching the handler (regression: dropped unanswered), and counted as no refused handshake",
      async (name, message) => {
        await using fe = await frontEnd({ "ingest.listeners.https.ssl.client.auth": "requested" });
        const result = await curl(`${fe.url}/x`, pki, certs[name], "-w", "\n%{http_code}", "-d", "{}");
        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
        const [body, status] = result.body.split("\n");
        expect(status).toBe("401");
        expect(JSON.parse(body!)).toEqual({ error_code: 40101, message });
        // explore25 F6: the handshake completed, so it is no refused handshake.
        expect(Object.fromEntries(fe.handshakeFailures)).toEqual({});
      },
    );

    // smallfix3: node:http parses a GET pipelined behind a bodiless request from the same read
    // before the refusal is answered; it was handed over and answered after the 401, which then went
    // without `Connection: close` (README "Connection: close"). Now as the 413: the 401 alone, saying so.
    test("a GET pipelined behind a GET refused 401 (expired certificate) in one write: only the 401, with Connection: close", async () => {
      await using fe = await frontEnd({ "ingest.listeners.https.ssl.client.auth": "requested" });
      using client = await tlsClient(fe.port, pki.caCert, certs.expired);
      client.socket.write("GET /first HTTP/1.1\r\nHost: h\r\n\r\nGET /second HTTP/1.1\r\nHost: h\r\n\r\n");
      await client.closed;
      const text = client.text();
      expect([...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1])).toEqual(["401"]);
      expect(text.slice(0, text.indexOf("\r\n\r\n")).toLowerCase()).toContain("\r\nconnection: close");
    });

    // review75: OpenSSL reports the validity problem last, so an expired certificate of another CA
    // was answered 401 "expired" (and counted so) as if the CA were trusted.
    test("an expired certificate of another CA is dropped as an untrusted one, not answered", async () => {
      const cert = await pki.issue("expired-wrong-ca", "device-9", {
        otherCa: true,
        startDate: "20200101000000Z",
        endDate: "20200102000000Z",
      });
      await using fe = await frontEnd({ "ingest.listeners.https.ssl.client.auth": "requested" });
      const result = await curl(`${fe.url}/x`, pki, cert, "-d", "{}");
      expect(result.code).not.toBe(0);
      expect(result.body).toBe("");
    });

    test("an untrusted certificate still fails the handshake", async () => {
      await using fe = await frontEnd({ "ingest.listeners.https.ssl.client.auth": "requested" });
      const result = await curl(`${fe.url}/x`, pki, certs.wrongCa);
      expect(result.code).not.toBe(0);
      expect(result.body).toBe("");
    });
  });

  describe("counting refused handshakes with a CRL configured (regression, explore2 G3)", () => {
    test.each([
      ["required", "selfSigned", "DEPTH_ZERO_SELF_SIGNED_CERT"],
      ["requested", "selfSigned", "DEPTH_ZERO_SELF_SIGNED_CERT"],
      ["required", "wrongCaWithRoot", "SELF_SIGNED_CERT_IN_CHAIN"],
      ["requested", "wrongCaWithRoot", "SELF_SIGNED_CERT_IN_CHAIN"],
      ["required", "wrongCa", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"],
    ])(
      "ssl.client.auth=%s: a %s certificate is counted as untrusted (%s), not as UNABLE_TO_GET_CRL",
      async (auth, cert, reason) => {
        certs.wrongCaWithRoot ??= await withChain(certs.wrongCa!, pki.otherCaCert);
        await using fe = await frontEnd({ "ingest.listeners.https.ssl.client.auth": auth });
        expect((await curl(`${fe.url}/x`, pki, certs[cert])).code).not.toBe(0);
        expect([...fe.handshakeFailures]).toEqual([[reason, 1]]);
      },
    );
  });
});

/** `cert` presented with `caFile` after it (a chain ending at its own, untrusted, root). */
async function withChain(cert: DeviceCert, caFile: string): Promise<DeviceCert> {
  const chained = `${cert.cert}.chain.pem`;
  await Bun.write(chained, (await Bun.file(cert.cert).text()) + (await Bun.file(caFile).text()));
  return { cert: chained, key: cert.key };
}
