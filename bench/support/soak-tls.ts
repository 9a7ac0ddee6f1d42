/**
 * The https ingest listener's part of bench/soak.ts: a device PKI (test/support/device-pki.ts), the
 * worker keys of an https ingest listener that requests client certificates (node:tls front end),
 * and one "tls" cycle of connections that end every way a device's can, each on a connection of
 * its own: a request with a client certificate and one without, a certificate the CA did not sign
 * (handshake refused), a handshake cut short, a body cut short, three pipelined requests on one
 * connection closed after the answers, and a connection that never speaks.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { type DeviceCert, makeDevicePki } from "../../test/support/device-pki.ts";

export interface SoakTls {
  /** Lines of worker.properties with the https ingest listener's TLS material (the listener itself is in ingest.listeners). */
  readonly workerLines: readonly string[];
  /** One request with the device's certificate, on a connection of its own; resolves once it closed. */
  readonly post: (port: number, path: string, body: string) => Promise<void>;
  /** One cycle of connections to `path` on the https listener at `port`. */
  readonly cycle: (port: number, path: string, i: number) => Promise<void>;
}

function request(path: string, body: string): string {
  return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** A TLS connection: writes `send` once secure, resolves when the socket closed (or after `holdMs`, destroyed). */
function tlsExchange(
  port: number,
  ca: string,
  client: { cert: string; key: string } | undefined,
  send: string,
  options: { end?: boolean; holdMs?: number } = {},
): Promise<void> {
  return new Promise<void>((done) => {
    const socket: TLSSocket = tlsConnect({ host: "127.0.0.1", port, ca, ...client }, () => {
      socket.write(send);
      if (options.end) socket.end();
    });
    socket.on("data", () => undefined);
    socket.on("error", () => undefined);
    socket.on("close", () => done());
    setTimeout(() => socket.destroy(), options.holdMs ?? 5_000);
  });
}

export async function makeSoakTls(dir: string): Promise<SoakTls> {
  mkdirSync(join(dir, "pki"));
  const pki = await makeDevicePki(join(dir, "pki"));
  const pem = (c: DeviceCert) => ({ cert: readFileSync(c.cert, "utf8"), key: readFileSync(c.key, "utf8") });
  const device = pem(await pki.issue("soak-device", "soak-device"));
  const stranger = pem(await pki.selfSigned("soak-stranger", "soak-stranger"));
  const ca = readFileSync(pki.caCert, "utf8");
  return {
    workerLines: [
      `ingest.listeners.https.ssl.keystore.location=${pki.serverPem}`,
      `ingest.listeners.https.ssl.truststore.location=${pki.caCert}`,
      "ingest.listeners.https.ssl.client.auth=requested",
    ],
    post: (port, path, body) => tlsExchange(port, ca, device, request(path, body), { end: true }),
    cycle: async (port, path, i) => {
      const one = request(path, JSON.stringify({ tls: i }));
      await Promise.all([
        tlsExchange(port, ca, device, one, { end: true }),
        tlsExchange(port, ca, undefined, one, { end: true }),
        tlsExchange(port, ca, stranger, one, { end: true }),
        tlsExchange(port, ca, device, one.slice(0, -3), { holdMs: 200 }),
        tlsExchange(port, ca, device, one + one + one, { end: true }),
        new Promise<void>((done) => {
          // A ClientHello cut short, then the connection drops.
          const socket = tcpConnect(port, "127.0.0.1", () => {
            socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]));
            setTimeout(() => socket.destroy(), 100);
          });
          socket.on("error", () => undefined);
          socket.on("close", () => done());
        }),
        new Promise<void>((done) => {
          // Connects and never speaks; dropped after a while by the client.
          const socket = tcpConnect(port, "127.0.0.1");
          socket.on("error", () => undefined);
          socket.on("close", () => done());
          setTimeout(() => socket.destroy(), 300);
        }),
      ]);
    },
  };
}
