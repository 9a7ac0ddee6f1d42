/**
 * Why an HTTPS server refused the TLS handshake. Bun's fetch says the same for every failed
 * handshake, "EPROTO: The TLS handshake failed. Does the server speak TLS on this port?": for a
 * server that answered with a TLS alert (one that requires a client certificate refusing a client
 * that sent none, or one its CA did not sign) as much as for a port that does not speak TLS. One
 * more handshake with node:tls and the same material reads the server's alert; nothing is sent
 * after it, and the connection is closed at once. None when Bun's fetch goes through a proxy
 * (HTTPS_PROXY or https_proxy set, whatever NO_PROXY says): a handshake of its own would go around it.
 */
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { ClientTls } from "./http-client.ts";

/** Bun's message for every failed handshake of fetch. */
export function isBunHandshakeFailure(error: unknown): boolean {
  return (error as { code?: unknown })?.code === "EPROTO";
}

/** The alert's name in words: ERR_SSL_TLSV1_ALERT_CERTIFICATE_REQUIRED → "certificate required". */
function alertName(code: string): string {
  return code
    .replace(/^.*ALERT_/, "")
    .toLowerCase()
    .replaceAll("_", " ");
}

/** The reason for the refusal the handshake's error `code` names, in words; undefined if it names none. */
export function handshakeRefusal(code: string, clientCertificate: boolean): string | undefined {
  const alert = /ALERT_\w+$/.test(code) ? alertName(code) : undefined;
  if (alert === undefined)
    return /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|UNEXPECTED_RECORD/.test(code)
      ? `the server does not speak TLS on this port (${code})`
      : undefined;
  // handshake_failure: what an OpenSSL server answers a client without a certificate (TLS 1.2), and
  // also a client it shares no cipher suite or signature algorithm with: not said to be about certificates.
  if (alert === "handshake failure")
    return `the server refused the TLS handshake (TLS alert: handshake failure): it may ${clientCertificate ? "not accept the client certificate" : "require a client certificate, and none is configured"}, or share no cipher suite with the client`;
  const aboutCertificate = /^(certificate required|bad certificate|unknown ca|certificate unknown)$/;
  if (!clientCertificate && aboutCertificate.test(alert))
    return `the server refused the TLS handshake: it requires a client certificate, and none is configured (TLS alert: ${alert})`;
  if (aboutCertificate.test(alert))
    return `the server refused the TLS handshake: it does not accept the client certificate (TLS alert: ${alert})`;
  return `the server refused the TLS handshake (TLS alert: ${alert})`;
}

/**
 * Shakes hands with `url`'s server again with `tls` and returns why it refused, in words, or
 * undefined when it says nothing more (the handshake succeeded this time, the connection failed,
 * no answer within `timeoutMs`, or fetch goes through a proxy).
 */
export function diagnoseHandshake(
  url: string,
  tls: ClientTls | undefined,
  timeoutMs: number,
): Promise<string | undefined> {
  if (process.env.HTTPS_PROXY || process.env.https_proxy) return Promise.resolve(undefined);
  let host: string;
  let port: number;
  try {
    const parsed = new URL(url);
    host = parsed.hostname.replace(/^\[|\]$/g, "");
    port = Number(parsed.port || 443);
  } catch {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const secure = tlsConnect({
      socket,
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      ca: tls?.ca,
      cert: tls?.cert,
      key: tls?.key,
      // The server's verdict is sought, not ours: fetch would have said CERT_… for its certificate.
      rejectUnauthorized: false,
    });
    const done = (reason: string | undefined) => {
      clearTimeout(timer);
      secure.destroy();
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    secure.on("error", (error: NodeJS.ErrnoException) =>
      done(handshakeRefusal(String(error.code ?? ""), tls?.cert !== undefined)),
    );
    // Handshake done: under TLS 1.2 the server has judged the client's certificate already (its
    // Finished follows that); under TLS 1.3 its verdict follows the client's Finished, so the
    // connection is closed (close_notify): an accepting server closes too, a refusing one's alert
    // comes first. Either answers at once, not at the timeout.
    secure.on("secureConnect", () => (secure.getProtocol() === "TLSv1.3" ? secure.end() : done(undefined)));
    secure.on("data", () => done(undefined));
    secure.on("end", () => done(undefined));
    secure.on("close", () => done(undefined));
    socket.on("error", () => done(undefined));
  });
}
