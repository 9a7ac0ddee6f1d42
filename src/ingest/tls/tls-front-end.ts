/**
 * The https ingest listener: TLS terminated by node:tls (TLS 1.2+), each secured socket handed to
 * a node:http server whose requests are bridged to the same fetch handler (the ingest hono app) as
 * the plain http listener. node:tls is used because it really yields the verified client
 * certificate (Bun.serve and node:https do not expose it, see STACK-NOTES); every request of the
 * connection is handed over with it (`IngestConnection.peerCertificate`).
 *
 * Client certificates (ssl.client.auth): `required` fails the handshake without a trusted one;
 * `requested` asks for one and drops the connection when the one sent is not trusted (Java's
 * want-client-auth fails the handshake), so a request never carries an unverified certificate; an
 * expired or not-yet-valid one of a trusted CA (trusted-issuer.ts) instead gets its requests
 * answered 401 naming the problem, without reaching the handler (peer-certificate.ts
 * `certificateRefusal`); `none` asks for none. Expiry, not-yet-valid, wrong CA, self-signed and CRL revocation are checked by the TLS
 * library during the handshake. A resumed session (TLS 1.3 ticket, TLS 1.2 session) checks no
 * certificate: the library trusts the one of the session's full handshake, and a resumption issues
 * the next ticket, so a device kept using a certificate days after it expired (security hunt
 * 2026-12-02; short-lived certificates are a fleet's revocation). Its validity window is checked
 * here; a reload (a new CRL or trust store) makes earlier sessions unusable (new ticket keys).
 *
 * Reload: every `reloadIntervalMs` the key store, trust store and CRL files are stat'ed; on a
 * change the settings are loaded again and installed with `setSecureContext` (new connections
 * use them). When the CRL or the trust store changed (security hunt 2026-12-02: a CA removed from
 * the trust store kept its devices' open connections), open connections whose client certificate
 * the new material refuses, or may refuse (still-accepted.ts: it keeps only what it is certain a
 * new handshake accepts), handle no further request
 * (ResponseGate.giveUp) and are closed once their answers in progress are sent (at once when their
 * request's body is still arriving: ConnectionGuard.closeWhen), so a revoked device
 * cannot keep using a connection made before; the others keep theirs (closing every
 * client-certificate connection reset the requests valid devices were sending on them: crlreload). A file that fails to load (a CRL file
 * read half-written too: revocation-list.ts) keeps the previous material and logs an error once per change. An expired CRL (its nextUpdate passed: every client
 * certificate it covers is refused) is logged at WARN at load, when it expires and, at most once a
 * minute, for the handshakes it refuses (crl-expiry.ts). The listener's own certificate not valid,
 * or expiring within 7 days, is a WARN at load too, and when it enters that window or expires while
 * the listener runs (../../tls/listener-certificate-expiry.ts).
 *
 * Bounds (ConnectionGuard, connection-guard.ts): handshake, idle, request headers and body
 * deadlines per connection (the body's no shorter than the routes' ingest.request.timeout.ms, whose
 * 408 answers a late body as on the plain listener), a deadline on writes that make no progress (a client that does not
 * read its answers), and caps on open connections overall and per client IP; a socket whose
 * handshake fails is destroyed at once (Bun leaves it open otherwise). Requests of a connection
 * whose answers are not being read wait unhandled and the socket stops reading (ResponseGate,
 * response-gate.ts), so such a client cannot make the gateway buffer answers without bound.
 *
 * Closing after `Connection: close` lingers (lingering-close.ts), so a client still sending its
 * body gets the answer rather than a reset.
 *
 * ALPN: the listener selects `http/1.1` when a client offers it (Java's HttpClient and Go offer
 * h2 first and fall back), else `http/1.0`; a client offering only h2 fails the handshake
 * (no_application_protocol).
 *
 * A request the parser cannot read behind pipelined requests in progress is answered after them
 * (tls-client-error.ts), so its 400 is never read as their answer. One the bridge refuses 400 for
 * its Host or Transfer-Encoding lines or its request-target (fetch-bridge.ts) ends the connection
 * as a revoked certificate does: the requests before it are answered, none parsed after it is handled (review
 * of sechunt: they were written to Kafka, their answers lost with the connection).
 *
 * Half-close: a client that ends its side after sending its requests still gets their answers
 * (allowHalfOpen, httpAllowHalfOpen); the connection ends after the last one.
 *
 * Lifecycle: `startTlsFrontEnd` → listening (synchronously: Bun binds in `listen`, so a port in use
 * fails the start like Bun.serve does); `stop(drainMs)` closes the listener, lets answers in progress
 * be sent (up to drainMs; no further request is handled) and closes every connection.
 */
import { statSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createServer as createTlsServer, type SecureContextOptions, type TLSSocket } from "node:tls";
import { messageOf } from "../../errors.ts";
import { ListenerCertificateExpiry } from "../../tls/listener-certificate-expiry.ts";
import { nodeTlsServerOptions } from "../../tls/server-tls.ts";
import { within } from "../../util/async.ts";
import { listenFailure } from "../../util/listen-failure.ts";
import { getLogger, type Logger } from "../../util/logger.ts";
import { announceClosingRefusal } from "../closing-refusal.ts";
import type { IngestConnection, PeerCertificateInfo } from "../request-context.ts";
import { ConnectionGuard } from "./connection-guard.ts";
import { CrlExpiry } from "./crl-expiry.ts";
import { nodeListener } from "./fetch-bridge.ts";
import { INGEST_TLS_PREFIX, type IngestTlsSettings } from "./ingest-tls-config.ts";
import { lingerOnClose } from "./lingering-close.ts";
import { certificateRefusal, fromNodeCertificate, validityError } from "./peer-certificate.ts";
import { ResponseGate } from "./response-gate.ts";
import type { RevocationList } from "./revocation-list.ts";
import { stillAcceptedUnder } from "./still-accepted.ts";
import { onClientError } from "./tls-client-error.ts";
import { chainError, issuedByTrustedCa } from "./trusted-issuer.ts";

/** Serves one request; `connection` carries the verified client certificate, if any. */
export type ConnectionFetchHandler = (request: Request, connection: IngestConnection) => Response | Promise<Response>;

export interface TlsFrontEndOptions {
  /** Empty: every interface. */
  readonly host: string;
  readonly port: number;
  readonly handler: ConnectionFetchHandler;
  /** Reads the settings (called at start and on every file change). */
  readonly load: () => IngestTlsSettings;
  readonly logger?: Logger;
  /** Wall-clock ms for the validity of a resumed session's certificate and the CRL's expiry warnings (tests drive it). */
  readonly now?: () => number;
  /**
   * How long a CRL/trust store reload may spend deciding which open connections a new handshake would still
   * accept (still-accepted.ts); the connections left undecided when it runs out are closed, as every
   * client-certificate connection was before that check. Default RELOAD_CHECK_BUDGET_MS; tests set 0.
   */
  readonly reloadCheckBudgetMs?: number;
  /**
   * The largest ingest.request.timeout.ms of the routes open now (null: none), read when a body
   * starts: a body is not cut before it (ConnectionGuard), so the handler answers a late one 408.
   */
  readonly requestTimeoutMs?: () => number | null;
}

/**
 * A reload decides open connections for at most this long, so a fleet of many distinct devices (a new chain
 * costs up to ~1 ms of signature checks: BENCHMARKS.md "CRL reload") does not stall the event loop for seconds;
 * the rest are closed and their devices' next handshake decides.
 */
export const RELOAD_CHECK_BUDGET_MS = 50;

export interface TlsFrontEnd {
  readonly url: string;
  readonly port: number;
  /** Checks the files now and reloads when they changed; resolves true when new material is in use. */
  reloadIfChanged(): boolean;
  /** Handshakes that failed, by reason (e.g. CERT_HAS_EXPIRED), for metrics and tests. */
  readonly handshakeFailures: ReadonlyMap<string, number>;
  /** Connections refused (max_connections, max_connections_per_ip), closed by a deadline (by phase, write) or for too many pipelined requests (pipeline). */
  readonly connectionsClosed: ReadonlyMap<string, number>;
  /** Connections open now. */
  readonly connections: () => number;
  /** The next update of the CRL in use (ssl.crl.location), the earliest of its CRLs'; undefined without one. */
  readonly crlNextUpdate: () => Date | undefined;
  /** Stops accepting; lets answers in progress be sent for up to `drainMs` (0: none), then closes every connection. */
  stop(drainMs?: number): Promise<void>;
}

type Fingerprint = string;

/** OpenSSL's verify error for a CRL whose nextUpdate has passed: a gateway-side problem (crl-expiry.ts). */
const CRL_HAS_EXPIRED = "CRL_HAS_EXPIRED";

/** The reason a handshake is counted under: an untrusted certificate's chain error rather than a missing CRL (trusted-issuer.ts). */
function countedReason(reason: string, socket: TLSSocket | undefined, trustStore: readonly string[]): string {
  if (reason !== "UNABLE_TO_GET_CRL" || !socket) return reason;
  const peer = socket.getPeerCertificate(true);
  return (peer?.raw && chainError(peer, trustStore)) || reason;
}

function fingerprint(files: readonly string[]): Fingerprint {
  return files
    .map((f) => {
      try {
        const s = statSync(f);
        return `${f}:${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch {
        return `${f}:missing`;
      }
    })
    .join("|");
}

/** Every CRL of the file, each its own PEM (node:tls reads only the first of one PEM buffer). */
function crlOption(crls: readonly RevocationList[]): string[] {
  return crls.map((crl) => crl.encoded);
}

function contextOptions(s: IngestTlsSettings): SecureContextOptions {
  const { requestCert: _r, rejectUnauthorized: _u, ...context } = nodeTlsServerOptions(s.server);
  return { ...context, ...(s.crls ? { crl: crlOption(s.crls) } : {}) };
}

export function startTlsFrontEnd(options: TlsFrontEndOptions): TlsFrontEnd {
  const log = options.logger ?? getLogger("ingest.tls");
  const now = options.now ?? Date.now;
  let settings = options.load();
  let seen = fingerprint(settings.files);
  let failedAt: Fingerprint | undefined;
  const failures = new Map<string, number>();
  const sockets = new Set<Socket>();
  const peerOf = new WeakMap<Socket, PeerCertificateInfo>();
  const guard = new ConnectionGuard(settings.limits, options.requestTimeoutMs);

  const refusalOf = new WeakMap<Socket, () => Response>();

  /**
   * The refusal of a certificate outside its validity window (a 401 with `Connection: close`),
   * announced as the 413 is (closing-refusal.ts) as soon as it is decided, at once: node:http may
   * have parsed the next request from the same read, which is then not handed over, and the 401
   * says `Connection: close` (it went without, followed by that request's answer).
   */
  const refused = (request: Request, socket: Socket): Response | undefined => {
    const refusal = refusalOf.get(socket);
    if (refusal === undefined) return undefined;
    announceClosingRefusal(request);
    return refusal();
  };

  const bridge = nodeListener(
    (request, req) =>
      refused(request, req.socket) ??
      options.handler(request, {
        remoteAddress: req.socket.remoteAddress ?? null,
        tls: true,
        peerCertificate: peerOf.get(req.socket) ?? null,
      }),
    "https",
    // An answer with `Connection: close`: as for a revoked certificate, nothing parsed after it is
    // handled. node:http ends the connection after that answer; when a request parsed after it is
    // being answered (the answer then goes without the header), the guard ends it after theirs.
    (req) => {
      gate.giveUp(req.socket);
      const later = gate.handedOverAfter(req);
      if (later) guard.closeAfterAnswers(req.socket);
      return later;
    },
    (req) => gate.handOverNoMore(req.socket),
    (req) => gate.bodyRead(req),
  );
  const gate = new ResponseGate((socket) => guard.end(socket, "pipeline"));
  const listener: typeof bridge = (req, res) =>
    gate.admit(req, res, () => {
      guard.request(req, res);
      bridge(req, res);
    });
  const http = createHttpServer({ keepAliveTimeout: settings.limits.idleTimeoutMs }, listener);
  http.on("checkContinue", listener);
  http.on("clientError", onClientError(gate));
  // A client that half-closes after its requests still gets their answers (Bun's node:http reads the flag).
  (http as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;

  const tls = createTlsServer({
    allowHalfOpen: true,
    // ALPN: the protocols served, http/1.1 first (the server's order decides). Agreeing on none let
    // clients that assume HTTP/2 then (curl --http2-prior-knowledge) send its preface, dropped
    // unanswered; one offering only h2 now fails the handshake with no_application_protocol
    // (RFC 7301). http/1.0 is listed for devices that offer only it (curl --http1.0).
    ALPNProtocols: ["http/1.1", "http/1.0"],
    ...contextOptions(settings),
    requestCert: settings.server.clientAuth !== "none",
    rejectUnauthorized: settings.server.clientAuth === "required",
  });
  if (settings.limits.maxConnections > 0) tls.maxConnections = settings.limits.maxConnections;
  tls.on("connection", (socket: Socket) => {
    if (guard.accept(socket)) sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  tls.on("secureConnection", (socket: TLSSocket) => {
    if (settings.server.clientAuth !== "none") {
      const cert = socket.getPeerCertificate();
      const peer = fromNodeCertificate(cert);
      const reason = !peer
        ? undefined
        : !socket.authorized
          ? countedReason(String(socket.authorizationError ?? "UNTRUSTED"), socket, settings.server.ca ?? [])
          : socket.isSessionReused()
            ? validityError(cert, now())
            : undefined;
      const refusal =
        reason === undefined || settings.server.clientAuth !== "requested" ? undefined : certificateRefusal(reason);
      if (reason !== undefined) {
        // Only a refused handshake counts (the metric's meaning); one `requested` answers 401 completed.
        if (refusal === undefined || !issuedByTrustedCa(socket.getPeerCertificate(true), settings.server.ca ?? [])) {
          failures.set(reason, (failures.get(reason) ?? 0) + 1);
          if (reason === CRL_HAS_EXPIRED) crlExpiry.refused();
          socket.destroy();
          return;
        }
        refusalOf.set(socket, refusal);
      } else if (peer) peerOf.set(socket, peer);
    }
    guard.secured(socket);
    lingerOnClose(socket);
    http.emit("connection", socket);
  });
  tls.on("tlsClientError", (error: NodeJS.ErrnoException, socket?: TLSSocket) => {
    const reason = countedReason(error.code ?? "HANDSHAKE_FAILED", socket, settings.server.ca ?? []);
    failures.set(reason, (failures.get(reason) ?? 0) + 1);
    if (reason === CRL_HAS_EXPIRED) crlExpiry.refused();
    else log.debug(`TLS handshake failed: ${reason}`);
    socket?.destroy();
  });

  const host = options.host === "" ? "0.0.0.0" : options.host;
  let listenError: Error | undefined;
  tls.on("error", (error) => {
    listenError = error;
    log.error(`The https ingest listener on ${host}:${options.port} failed: ${messageOf(error)}`);
  });
  tls.listen(options.port, host);
  const address = tls.address() as AddressInfo | null;
  if (!address) {
    guard.close();
    tls.close();
    throw new Error(
      `Cannot listen on ${host}:${options.port}: ${listenError ? messageOf(listenError) : listenFailure(host, options.port)}`,
    );
  }
  const port = address.port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `https://${shownHost}:${port}`;
  const crlExpiry = new CrlExpiry({ log, now, listener: url });
  crlExpiry.watch(settings.crls, settings.crlLocation);
  const certificateExpiry = new ListenerCertificateExpiry({
    log,
    now,
    listener: `The https ingest listener ${url}`,
    prefix: INGEST_TLS_PREFIX,
    // With reloading off (interval 0) only a restart takes a renewed key store into use.
    remedy:
      settings.reloadIntervalMs > 0
        ? `read again within ${INGEST_TLS_PREFIX}ssl.reload.interval.ms`
        : "then restart the gateway",
  });
  certificateExpiry.watch(settings.server.cert);

  const reloadIfChanged = (): boolean => {
    const files = fingerprint(settings.files);
    if (files === seen || files === failedAt) return false;
    try {
      const next = options.load();
      tls.setSecureContext(contextOptions(next));
      const crlChanged = next.crl !== undefined && !settings.crl?.equals(next.crl);
      // A CA taken out of the trust store must not keep its devices' open connections either.
      const trustChanged = (next.server.ca ?? []).join("\n") !== (settings.server.ca ?? []).join("\n");
      // requestCert/rejectUnauthorized belong to the server, not the context: client auth keeps its start value.
      settings = { ...next, server: { ...next.server, clientAuth: settings.server.clientAuth } };
      seen = fingerprint(next.files);
      failedAt = undefined;
      if (crlChanged || trustChanged) {
        const accepted = stillAcceptedUnder({ trustStore: next.server.ca ?? [], crls: next.crls, now: now() });
        const deadline = performance.now() + (options.reloadCheckBudgetMs ?? RELOAD_CHECK_BUDGET_MS);
        guard.closeWhen((socket) => {
          if (!peerOf.has(socket)) return false;
          const decided = performance.now() < deadline;
          if (decided && accepted((socket as TLSSocket).getPeerCertificate(true))) return false;
          gate.giveUp(socket); // no further request of it is handled, even while answers are in progress
          return true;
        });
      }
      log.info("Reloaded the ingest listener's TLS key store, trust store and CRL");
      crlExpiry.watch(next.crls, next.crlLocation);
      certificateExpiry.watch(next.server.cert);
      return true;
    } catch (error) {
      failedAt = files;
      log.error(
        `The ingest listener's TLS files changed but cannot be loaded; keeping the previous ones: ${messageOf(error)}`,
      );
      return false;
    }
  };
  const timer = settings.reloadIntervalMs > 0 ? setInterval(reloadIfChanged, settings.reloadIntervalMs) : undefined;
  timer?.unref?.();

  return {
    url,
    port,
    reloadIfChanged,
    handshakeFailures: failures,
    connectionsClosed: guard.closed,
    connections: () => guard.size,
    crlNextUpdate: () => crlExpiry.nextUpdate,
    async stop(drainMs = 0) {
      if (timer) clearInterval(timer);
      crlExpiry.stop();
      certificateExpiry.stop();
      // Settles once every connection has ended: new ones are refused from here on.
      const closed = new Promise<void>((resolve) => tls.close(() => resolve()));
      if (drainMs > 0) {
        // Answers in progress are sent, no further request is handled, then each connection closes.
        guard.closeWhen((socket) => {
          gate.giveUp(socket);
          return true;
        });
        await within(closed, drainMs);
      }
      guard.close();
      for (const socket of sockets) socket.destroy();
      http.close();
      await closed;
    },
  };
}
