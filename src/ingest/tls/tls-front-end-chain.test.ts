/**
 * The https ingest front end against device certificates a fleet's own devices could make or
 * keep (security hunt 2026-12-02, kept as regression tests, all passing): a certificate whose
 * extended key usage is for servers only, a certificate "issued" by a device with its own device
 * certificate as the CA (the classic basicConstraints forgery), and a TLS session taken before a
 * device's revocation, offered for resumption after the CRL reload (a resumed handshake checks
 * no certificate, so it would skip the CRL); and (a bug the hunt found) a session resumed after its
 * certificate expired. Also a DER CRL file. openssl makes the material; node:tls is the device.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect } from "node:tls";
import { openssl } from "../../../test/support/command.ts";
import { type DeviceCert, type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { loadIngestTls } from "./ingest-tls-config.ts";
import { startTlsFrontEnd, type TlsFrontEnd } from "./tls-front-end.ts";

let dir: TempDir;
let pki: DevicePki;
const certs: Record<string, DeviceCert> = {};

beforeAll(async () => {
  dir = await tempDir("ingest-tls-chain-");
  pki = await makeDevicePki(dir.path);
  certs.good = await pki.issue("good", "device-1");
  certs.serverOnly = await pki.issue("server-only", "device-2", { addext: ["extendedKeyUsage=serverAuth"] });
  // device-3 signs a certificate for device-9 with its own key; the device sends both.
  const signer = await pki.issue("signer", "device-3");
  await openssl(
    dir.path,
    ...["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=device-9"],
    ...["-keyout", "forged.key", "-out", "forged.csr"],
  );
  await openssl(
    dir.path,
    ...["x509", "-req", "-in", "forged.csr", "-CA", signer.cert, "-CAkey", signer.key, "-set_serial", "99"],
    ...["-days", "1", "-out", "forged-leaf.pem"],
  );
  await Bun.write(
    dir.file("forged.pem"),
    (await Bun.file(dir.file("forged-leaf.pem")).text()) + readFileSync(signer.cert, "utf8"),
  );
  certs.forged = { cert: dir.file("forged.pem"), key: dir.file("forged.key") };
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

async function frontEnd(
  clientAuth: "required" | "requested",
  now?: () => number,
  trustStore = pki.caCert,
  crl = pki.crl,
): Promise<TlsFrontEnd & AsyncDisposable> {
  const props = {
    "ingest.listeners.https.ssl.keystore.location": pki.serverPem,
    "ingest.listeners.https.ssl.truststore.location": trustStore,
    "ingest.listeners.https.ssl.client.auth": clientAuth,
    "ingest.listeners.https.ssl.crl.location": crl,
    "ingest.listeners.https.ssl.reload.interval.ms": "0",
  };
  const fe = startTlsFrontEnd({
    host: "127.0.0.1",
    port: 0,
    handler: (request, connection) =>
      Response.json(
        { cn: connection.peerCertificate?.subject.CN ?? null },
        { headers: new URL(request.url).pathname === "/keep" ? {} : { Connection: "close" } },
      ),
    load: () => loadIngestTls(props),
    ...(now ? { now } : {}),
  });
  return Object.assign(fe, { [Symbol.asyncDispose]: () => fe.stop() });
}

interface Exchange {
  /** The answer's JSON, "" when the server closed without one. */
  readonly body: string;
  readonly resumed: boolean;
  /** The session to resume later (TLS 1.3: from the server's ticket). */
  readonly session: Buffer | undefined;
}

/** One request on a new connection as `cert`, offering `session` for resumption. */
function exchange(port: number, cert: DeviceCert, session?: Buffer): Promise<Exchange> {
  return new Promise((resolve) => {
    let text = "";
    let ticket: Buffer | undefined;
    let resumed = false;
    const socket = connect({
      port,
      host: "127.0.0.1",
      servername: "localhost",
      ca: readFileSync(pki.caCert),
      cert: readFileSync(cert.cert),
      key: readFileSync(cert.key),
      ...(session ? { session } : {}),
    });
    socket.on("session", (s: Buffer) => {
      ticket = s;
    });
    socket.on("secureConnect", () => {
      resumed = socket.isSessionReused();
      socket.write("GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    });
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      // The answer is chunked: its JSON is the one object in it.
      const body = /\{"cn":[^}]*\}/.exec(text)?.[0] ?? "";
      resolve({ body, resumed, session: ticket ?? socket.getSession() });
    });
  });
}

describe("TlsFrontEnd and device-made certificates", () => {
  test.each(["required", "requested"] as const)(
    "client.auth=%s: a certificate for servers only (extendedKeyUsage=serverAuth) is refused",
    async (clientAuth) => {
      await using fe = await frontEnd(clientAuth);
      expect(JSON.parse((await exchange(fe.port, certs.good!)).body)).toEqual({ cn: "device-1" });
      expect((await exchange(fe.port, certs.serverOnly!)).body).toBe("");
      expect(Object.fromEntries(fe.handshakeFailures)).toEqual({ INVALID_PURPOSE: 1 });
    },
  );

  test.each(["required", "requested"] as const)(
    "client.auth=%s: a certificate signed by a device certificate (not a CA) is refused",
    async (clientAuth) => {
      await using fe = await frontEnd(clientAuth);
      expect((await exchange(fe.port, certs.forged!)).body).toBe("");
      expect([...fe.handshakeFailures.values()].reduce((a, b) => a + b, 0)).toBe(1);
    },
  );

  test("a DER CRL file, as CAs publish them, revokes as its PEM does (Bun's TLS takes PEM only)", async () => {
    const [kept, revoked] = [await pki.issue("der-kept", "device-7"), await pki.issue("der-revoked", "device-8")];
    await pki.revoke(revoked);
    await openssl(dir.path, "crl", "-in", pki.crl, "-outform", "DER", "-out", "device-ca-crl.der");
    await using fe = await frontEnd("required", undefined, pki.caCert, dir.file("device-ca-crl.der"));
    expect((await exchange(fe.port, kept)).body).toBe('{"cn":"device-7"}');
    expect((await exchange(fe.port, revoked)).body).toBe("");
    expect(Object.fromEntries(fe.handshakeFailures)).toEqual({ CERT_REVOKED: 1 });
  });

  test("a TLS session of a device revoked since cannot be resumed after the CRL reload", async () => {
    const device = await pki.issue("resumer", "device-5");
    await using fe = await frontEnd("required");
    const first = await exchange(fe.port, device);
    expect([first.body, first.resumed]).toEqual(['{"cn":"device-5"}', false]);
    expect(first.session).toBeDefined();
    // Resumption works on this listener: without a change the session is taken.
    const again = await exchange(fe.port, device, first.session);
    expect([again.body, again.resumed]).toEqual(['{"cn":"device-5"}', true]);

    await pki.revoke(device);
    expect(fe.reloadIfChanged()).toBe(true);
    const revoked = await exchange(fe.port, device, again.session ?? first.session);
    expect([revoked.body, revoked.resumed]).toEqual(["", false]);
    expect(fe.handshakeFailures.get("CERT_REVOKED")).toBe(1);
  });

  // Found by the hunt: the TLS library checks no certificate on resumption, and each resumption
  // issues the next ticket, so an expired device certificate kept working (Bun: for days).
  test.each([
    ["expired", (c: X509Certificate) => Date.parse(c.validTo) + 1_000, "CERT_HAS_EXPIRED"],
    [
      "not yet valid (the clock stepped back)",
      (c: X509Certificate) => Date.parse(c.validFrom) - 1_000,
      "CERT_NOT_YET_VALID",
    ],
  ] as const)("a resumed session whose certificate is now %s is refused", async (_what, at, reason) => {
    const device = await pki.issue(`dated-${reason}`, "device-6");
    const x509 = new X509Certificate(readFileSync(device.cert));
    let wallClock: number | undefined;
    await using fe = await frontEnd("required", () => wallClock ?? Date.now());
    const first = await exchange(fe.port, device);
    expect(first.body).toBe('{"cn":"device-6"}');
    wallClock = at(x509);
    const resumed = await exchange(fe.port, device, first.session);
    expect([resumed.body, resumed.resumed]).toEqual(["", true]);
    expect(Object.fromEntries(fe.handshakeFailures)).toEqual({ [reason]: 1 });
  });

  // Found by the hunt: only a CRL change closed open connections with a client certificate.
  test("a trust store reload closes the open connections of client certificates; a key store reload does not", async () => {
    const trust = dir.file("trust.pem");
    await Bun.write(trust, readFileSync(pki.caCert));
    await using fe = await frontEnd("required", undefined, trust);
    const socket = connect({
      port: fe.port,
      host: "127.0.0.1",
      servername: "localhost",
      ca: readFileSync(pki.caCert),
      cert: readFileSync(certs.good!.cert),
      key: readFileSync(certs.good!.key),
    });
    socket.on("error", () => {});
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
    });
    const ask = async (n: number) => {
      socket.write("GET /keep HTTP/1.1\r\nHost: localhost\r\n\r\n");
      await waitFor(() => text.split('{"cn":"device-1"}').length > n, { what: `answer ${n}` });
    };
    try {
      await ask(1);
      // The same key store written again: reloaded, the device's connection kept.
      await Bun.write(pki.serverPem, readFileSync(pki.serverPem));
      expect(fe.reloadIfChanged()).toBe(true);
      await ask(2);
      // The device CA taken out of the trust store: the connection is closed.
      await Bun.write(trust, readFileSync(pki.otherCaCert));
      expect(fe.reloadIfChanged()).toBe(true);
      await closed;
    } finally {
      socket.destroy();
    }
  });
});
