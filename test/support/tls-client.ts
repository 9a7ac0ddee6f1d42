/**
 * A raw TLS client for the https ingest front end's tests: the socket (resolved once secured,
 * destroyed by `using`), what it received as text, and a promise of its close.
 */
import { readFileSync } from "node:fs";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import type { DeviceCert } from "./device-pki.ts";

export interface TlsClient extends Disposable {
  readonly socket: TLSSocket;
  /** Everything received so far (latin1). */
  readonly text: () => string;
  readonly closed: Promise<void>;
}

/** Connects to 127.0.0.1:`port` trusting `caCert`, optionally with a client certificate. */
export async function tlsClient(port: number, caCert: string, cert?: DeviceCert): Promise<TlsClient> {
  const socket = tlsConnect({
    port,
    host: "127.0.0.1",
    ca: readFileSync(caCert),
    servername: "localhost",
    ...(cert ? { cert: readFileSync(cert.cert), key: readFileSync(cert.key) } : {}),
  });
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", () => resolve());
    closed.then(() => reject(new Error("closed before the handshake completed")));
  });
  let text = "";
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString("latin1");
  });
  return { socket, text: () => text, closed, [Symbol.dispose]: () => socket.destroy() };
}

/** The numbers of the `answer-<n>;` bodies received, in order. */
export function answersIn(text: string): number[] {
  return [...text.matchAll(/answer-(\d+);/g)].map((m) => Number(m[1]));
}
