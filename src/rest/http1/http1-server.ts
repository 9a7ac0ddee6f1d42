/**
 * A REST listener's own HTTP/1.1 server: accepts plain (node:net) or TLS (node:tls) connections
 * and serves each with `http1-connection.ts`, so every byte of a request is parsed by our code and
 * malformed requests get Apache Kafka Connect's answers (Bun.serve's parser answered some of them
 * itself: no answer for a lower-case method, an empty 505 for a control character, dot segments
 * resolved before routing). `server.ts` starts one per entry of `listeners` / `admin.listeners`.
 *
 * TLS takes the listener's checked settings (`src/tls/server-tls.ts`) as the ingest listener
 * does: protocol range, cipher suites, key and trust material, and `ssl.client.auth` (`required`
 * fails the handshake without a trusted certificate; `requested` asks for one and admits a client
 * that sends none, but closes the connection of one whose certificate does not verify, as JSSE
 * fails that handshake in wantClientAuth mode).
 *
 * Lifecycle: `startHttp1Server` binds synchronously (Bun binds in `listen`, so a port in use fails
 * the start at once, as Bun.serve did); `stop()` closes the listener and every open connection.
 */
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { messageOf } from "../../errors.ts";
import { nodeTlsServerOptions, type ServerTls } from "../../tls/server-tls.ts";
import { listenFailure } from "../../util/listen-failure.ts";
import { type Http1Handler, serveHttp1 } from "./http1-connection.ts";
import type { RequestLog } from "./request-log.ts";

export interface Http1ServerOptions {
  /** "" or 0.0.0.0: every interface. */
  readonly host: string;
  readonly port: number;
  readonly handler: Http1Handler;
  /** Present: an https listener. */
  readonly tls?: ServerTls;
  /** A request head must be complete this long after the connection opened or the last answer. */
  readonly idleTimeoutMs?: number;
  /** One line per request answered (`request-log.ts`). */
  readonly requestLog?: RequestLog;
}

export interface Http1Server {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Connect's: its RestServer sets each Jetty connector's idle timeout to the REST request timeout,
 * 90 s (`connector.setIdleTimeout(requestTimeout.timeoutMs())`, DEFAULT_REST_REQUEST_TIMEOUT_MS in
 * Connect 4.3.1; not Jetty's own 30 s default). Here it bounds the wait for a request head (an idle
 * keep-alive connection, a silent or slow one) and a response the client does not take.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 90_000;

export function startHttp1Server(options: Http1ServerOptions): Http1Server {
  const sockets = new Set<Socket>();
  const connection = {
    scheme: options.tls ? ("https" as const) : ("http" as const),
    handler: options.handler,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    ...(options.requestLog ? { requestLog: options.requestLog } : {}),
  };
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const accept = (socket: Socket) => {
    track(socket);
    serveHttp1(socket, connection);
  };
  let server: Server;
  if (options.tls) {
    server = createTlsServer(nodeTlsServerOptions(options.tls));
    server.on("secureConnection", (socket: TLSSocket) => {
      // `requested`: node admits a certificate that failed verification; Jetty's JSSE does not.
      const sent = Object.keys(socket.getPeerCertificate()).length > 0;
      if (sent && !socket.authorized) socket.destroy();
      else accept(socket);
    });
    // Connections still in their handshake, so stop() need not wait for them.
    server.on("connection", track);
    // A failed handshake only concerns that client.
    server.on("tlsClientError", () => undefined);
  } else {
    server = createNetServer(accept);
  }
  const host = options.host === "" ? "0.0.0.0" : options.host;
  let listenError: Error | undefined;
  server.on("error", (error) => {
    listenError = error;
  });
  server.listen(options.port, host);
  const address = server.address() as AddressInfo | null;
  if (!address) {
    server.close();
    throw new Error(listenError ? messageOf(listenError) : listenFailure(host, options.port));
  }
  return {
    port: address.port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
