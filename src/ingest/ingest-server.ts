/**
 * IngestServer: the ingest listeners (worker key `ingest.listeners`, http:// and https:// URIs),
 * separate from the admin/REST listeners: devices never reach the Connect REST API here, and the
 * REST API is never served on these ports. With `ingest.listeners` unset, the default
 * http://:8080 opens when the first ingest route opens (so a worker without ingest connectors
 * listens on nothing extra). https listeners are the TLS front end (tls/tls-front-end.ts: node:tls,
 * so the verified client certificate reaches the pipeline) with the settings of
 * `ingest.listeners.https.ssl.*` (tls/ingest-tls-config.ts), serving the same hono app. A plain
 * listener is Bun.serve with a POST route per connector path (`routes`, reloaded whenever the route
 * table changes: Bun matches the single-record hot path natively) and `fetch` for everything else.
 *
 * Bun answers a body over its `maxRequestBodySize` itself: 413 without a body, and the socket is
 * closed at once, while the client may still be sending. A client that writes its whole body
 * before it reads (Java's HttpClient, Python's http.client) then gets a reset and never sees the
 * 413, even for a body one byte over (a device cannot tell "too large" from a network error and
 * retries forever). So Bun's limit sits above the routes' own: twice the largest
 * `ingest.max.body.bytes` plus 1 MiB (`bunBodyLimit`), and a body over a route's limit gets the
 * route's JSON 413 from the handler, which refuses a declared length, or a chunked body at the
 * limit, without keeping any of it (body-reader.ts): the rest is read and dropped first (up to 2 s,
 * up to Bun's limit), so that the 413 and the close come after the client's last byte.
 * `server.reload` does not change Bun's limit (Bun 1.4 reloads routes and handlers only), so when
 * the largest limit grows past the one the listener was opened with, it is opened again on the same
 * address: the old socket stops accepting (requests in flight finish on it, its idle keep-alive
 * connections are closed) and the new one is bound in the same tick. A limit that falls (a route
 * lowered, closed or deleted) keeps the listener and its connections: Bun's limit only stays higher.
 * Bun's idle limit (120 s) is lifted per request while a route's ingest.request.timeout.ms
 * outlasts it, and for a v3 stream once admitted (request-idle-hold.ts), so the gateway's deadline,
 * with its answer, ends a request.
 */
import type { Server } from "bun";
import { type Listener, parseListener } from "../listener.ts";
import type { MetricFamily } from "../metrics/prometheus.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { listenFailure } from "../util/listen-failure.ts";
import type { Logger } from "../util/logger.ts";
import { clockTimer } from "../util/timer.ts";
import type { IngestApp } from "./ingest-pipeline-contract.ts";
import { nativePaths } from "./native-paths.ts";
import { heldRequest, idleLimited, LISTENER_IDLE_SECONDS, requestIdleSeconds } from "./request-idle-hold.ts";
import type { IngestRoute, IngestRouteTable } from "./route-table.ts";
import { loadIngestTls } from "./tls/ingest-tls-config.ts";
import { startTlsFrontEnd } from "./tls/tls-front-end.ts";

export const DEFAULT_INGEST_LISTENER = "http://:8080";
export const INGEST_TLS_PREFIX = "ingest.listeners.https.";

export interface IngestServerOptions {
  /** `ingest.listeners` as configured; null: the default, opened with the first route. */
  readonly listeners: readonly string[] | null;
  /** The worker's keys (TLS material under ingest.listeners.https.*). */
  readonly originals: Readonly<Record<string, string>>;
  readonly app: IngestApp;
  readonly routes: IngestRouteTable;
  readonly log: Logger;
  /**
   * How long `stop` lets requests in flight finish (task.shutdown.graceful.timeout.ms) before it
   * closes their connections; 0: at once.
   */
  readonly drainMs?: number;
  /** What the drain's give-up waits on (`stop`); the system clock by default. */
  readonly clock?: Clock;
  /** Bun's idle limit of a plain listener's connections, in seconds (request-idle-hold.ts); 120 by default. */
  readonly idleSeconds?: number;
  /** What `listeners: null` opens with the first route: DEFAULT_INGEST_LISTENER (a test's own port otherwise). */
  readonly defaultListener?: string;
}

/** Bun's body limit while no route is open (the default of ingest.max.body.bytes). */
const DEFAULT_BODY_LIMIT = 1_048_576;
/** How often a draining stop looks whether the requests in progress were answered. */
const DRAIN_POLL_MS = 10;

/**
 * Bun's own body limit for a largest route limit: far enough above it that a body over a route's
 * limit is answered by the route's 413, which every client reads (see the header comment).
 */
export function bunBodyLimit(largestRouteLimit: number): number {
  return 2 * largestRouteLimit + 1_048_576;
}

/** The largest of a limit (`ingest.max.body.bytes`, `ingest.request.timeout.ms` …) of the open routes; null when none is open. */
export function largestLimit(routes: IngestRouteTable, limit: "maxBodyBytes" | "requestTimeoutMs"): number | null {
  let largest: number | null = null;
  for (const route of routes.routes()) {
    const value = route.settings.limits[limit];
    if (largest === null || value > largest) largest = value;
  }
  return largest;
}

/**
 * The routes' largest ingest.request.timeout.ms (largestLimit), kept current as routes open, change
 * and go rather than computed for every body: the https listener reads it when a body starts
 * (its body deadline, body-deadline.ts), so a route closed or given a lower timeout lowers it.
 */
export function watchLargestRequestTimeout(routes: IngestRouteTable): {
  readonly ms: () => number | null;
  readonly stop: () => void;
} {
  let ms = largestLimit(routes, "requestTimeoutMs");
  const stop = routes.onChange(() => {
    ms = largestLimit(routes, "requestTimeoutMs");
  });
  return { ms: () => ms, stop };
}

/** A route of Bun's router that takes POST only (other methods reach the listener's fetch handler). */
interface PostRoute {
  POST(request: Request, server: Server<undefined>): Response | Promise<Response>;
}

interface OpenListener {
  readonly url: string;
  /** Failed TLS handshakes by reason (https listeners). */
  readonly handshakeFailures?: ReadonlyMap<string, number>;
  /** Connections refused by a cap or closed by a deadline, by reason (https listeners). */
  readonly connectionsClosed?: ReadonlyMap<string, number>;
  /** The next update of the listener's CRL, if it has one (https listeners). */
  readonly crlNextUpdate?: () => Date | undefined;
  /** Stops accepting, lets requests in flight be answered for up to `drainMs`, then closes every connection. */
  stop(drainMs: number): Promise<void>;
}

export class IngestServer {
  private readonly servers: OpenListener[] = [];
  private readonly listeners: readonly Listener[];
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly o: IngestServerOptions) {
    this.listeners = (o.listeners ?? [o.defaultListener ?? DEFAULT_INGEST_LISTENER]).map((l) =>
      parseListener("ingest.listeners", l),
    );
  }

  /** Opens the configured listeners now, or the default one with the first route. */
  start(): void {
    if (this.o.listeners !== null && this.o.listeners.length === 0) {
      this.warnUnreachable(this.o.routes.routes());
      this.unsubscribe = this.o.routes.onChange((routes) => this.warnUnreachable(routes));
      return;
    }
    if (this.o.listeners !== null) {
      this.open();
      return;
    }
    if (this.o.routes.routes().length > 0) {
      this.open();
      return;
    }
    // A connector whose route would open the default listener fails its start when the listener
    // cannot open (its status says why: the port taken), as a start with ingest.listeners set stops;
    // it was RUNNING while its devices reached whatever held the port (opshunt). A route reserved
    // for a PAUSED connector opens it too, logging a failure once until another one or a success.
    this.o.routes.beforeOpen = () => this.openDefault();
    let failed: string | undefined;
    this.unsubscribe = this.o.routes.onChange((routes) => {
      if (routes.length === 0) return;
      try {
        this.openDefault();
        failed = undefined;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== failed) this.o.log.error(message);
        failed = message;
      }
    });
  }

  /** Opens the default listener unless it is open or the server stopped; throws why it cannot open. */
  private openDefault(): void {
    if (this.servers.length === 0 && !this.stopped) this.open();
  }

  /**
   * `ingest.listeners` empty: nothing serves the routes, so each connector whose route opens gets a
   * WARN, once while its route stays (an operator who emptied the key to close the port, or copied
   * a worker file without ingest, would otherwise see it RUNNING and its devices refused).
   */
  private readonly warnedUnreachable = new Set<string>();

  private warnUnreachable(routes: readonly IngestRoute[]): void {
    const present = new Set(routes.map((r) => r.connector));
    for (const connector of this.warnedUnreachable)
      if (!present.has(connector)) this.warnedUnreachable.delete(connector);
    for (const route of routes) {
      if (this.warnedUnreachable.has(route.connector)) continue;
      this.warnedUnreachable.add(route.connector);
      this.o.log.warn(
        `Ingest connector ${route.connector}: ingest.listeners is empty, so no device can reach its ingest.path ${route.settings.path} (no ingest listener is open; set ingest.listeners to serve it)`,
      );
    }
  }

  /** The URL of each open listener, with the port actually bound. */
  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /**
   * `ingest_tls_handshake_failures_total{listener,reason}` (expired, revoked, unknown CA …) and
   * `ingest_tls_connections_closed_total{listener,reason}` (caps and deadlines of the connection guard)
   * and `ingest_tls_crl_next_update_timestamp_seconds{listener}` (listeners with a CRL: alert before it
   * passes, after which every certificate the CRL covers is refused).
   */
  families(): MetricFamily[] {
    const tls = this.servers.filter((s) => s.handshakeFailures);
    if (tls.length === 0) return [];
    const samples = (of: (s: OpenListener) => ReadonlyMap<string, number> | undefined) =>
      tls.flatMap((s) =>
        [...(of(s) ?? new Map<string, number>())].map(([reason, value]) => ({
          labels: { listener: s.url, reason },
          value,
        })),
      );
    return [
      {
        name: "ingest_tls_handshake_failures_total",
        help: "TLS handshakes the https ingest listeners refused, by reason (e.g. CERT_HAS_EXPIRED, CERT_REVOKED).",
        type: "counter",
        samples: samples((s) => s.handshakeFailures),
      },
      {
        name: "ingest_tls_connections_closed_total",
        help: "Connections the https ingest listeners refused (max_connections_per_ip), closed at a deadline (accepted: handshake, idle, headers, body, write: answers not read) or ended for too many pipelined requests waiting (pipeline).",
        type: "counter",
        samples: samples((s) => s.connectionsClosed),
      },
      {
        name: "ingest_tls_crl_next_update_timestamp_seconds",
        help: "When the CRL of an https ingest listener (ingest.listeners.https.ssl.crl.location) is next to be updated, in seconds since the epoch (the earliest nextUpdate of its CRLs): past it, every client certificate the CRL covers is refused (CRL_HAS_EXPIRED).",
        type: "gauge",
        samples: tls.flatMap((s) => {
          const next = s.crlNextUpdate?.();
          return next ? [{ labels: { listener: s.url }, value: next.getTime() / 1000 }] : [];
        }),
      },
    ];
  }

  /**
   * Drains for `drainMs`; 1 s before its end (half-way through one under 2 s) the requests still
   * waiting for Kafka (a broker holding produce requests unanswered) answer as at their deadline
   * (IngestWriter.giveUp): sent before the connections close, not cut off unanswered. The give-up sticks: a request
   * that reaches its writer later (its body, auth or idempotency stage was still under way) answers at once as not
   * written, and a writer attached later (a task starting during the drain) is given up as it attaches.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.o.app.stopping?.();
    const servers = this.servers.splice(0);
    const drainMs = this.o.drainMs ?? 0;
    const reason = "The gateway stopped before Kafka acknowledged the record";
    const giveUpAll = () => {
      for (const route of this.o.routes.routes()) for (const writer of route.writers) writer.giveUp?.(reason);
    };
    let unwatch: (() => void) | undefined;
    const giveUp = () => {
      giveUpAll();
      unwatch = this.o.routes.onChange(giveUpAll);
    };
    // On the clock, whose sleep also waits past setTimeout's range (a drain up to Long.MAX_VALUE).
    const at = Math.max(drainMs / 2, drainMs - 1000);
    const timer = drainMs > 0 && servers.length > 0 ? clockTimer(this.o.clock ?? systemClock)(giveUp, at) : undefined;
    await Promise.all(servers.map((s) => s.stop(drainMs))).finally(() => {
      timer?.cancel();
      unwatch?.();
    });
  }

  private open(): void {
    for (const listener of this.listeners) {
      const opened = this.serve(listener);
      this.servers.push(opened);
      this.o.log.info(`Ingest listener open at ${opened.url}/`);
    }
  }

  private serve(listener: Listener): OpenListener {
    const app = this.o.app;
    if (listener.protocol === "https") {
      const requestTimeout = watchLargestRequestTimeout(this.o.routes);
      const front = startTlsFrontEnd({
        host: listener.host,
        port: listener.port,
        load: () => loadIngestTls(this.o.originals, listener.uri),
        handler: (request, connection) => app.fetch(request, { connection }),
        logger: this.o.log,
        requestTimeoutMs: requestTimeout.ms,
      });
      return {
        url: front.url,
        handshakeFailures: front.handshakeFailures,
        connectionsClosed: front.connectionsClosed,
        crlNextUpdate: front.crlNextUpdate,
        stop: (drainMs) => {
          requestTimeout.stop();
          return front.stop(drainMs);
        },
      };
    }
    const idle = this.o.idleSeconds ?? LISTENER_IDLE_SECONDS;
    // Bun's idle limit per request while a route's deadline outlasts the listener's (request-idle-hold.ts).
    let hold = requestIdleSeconds(largestLimit(this.o.routes, "requestTimeoutMs"), idle);
    // The server, not a connection object: one is made only if a stage asks for the peer address.
    const plainFetch = (request: Request, srv: Server<undefined>) => app.serve(request, srv);
    const heldFetch = (request: Request, srv: Server<undefined>) =>
      heldRequest(request, srv, hold ?? idle, idle, () => app.serve(request, srv));
    const handlers = () => ({
      routes: this.postRoutes(hold, idle),
      fetch: hold === undefined ? plainFetch : heldFetch,
    });
    const hostname = listener.host === "" ? "0.0.0.0" : listener.host;
    const bind = (port: number, largestRouteLimit: number) =>
      idleLimited(
        Bun.serve({
          hostname,
          port,
          ...handlers(),
          maxRequestBodySize: bunBodyLimit(largestRouteLimit),
          idleTimeout: idle,
        }),
        idle,
      );
    let limit = largestLimit(this.o.routes, "maxBodyBytes") ?? DEFAULT_BODY_LIMIT;
    let server: Server<undefined>;
    try {
      server = bind(listener.port, limit);
    } catch (error) {
      throw new Error(
        `Cannot listen on ${listener.uri} (ingest.listeners): ${listenFailure(hostname, listener.port, error)}`,
        {
          cause: error,
        },
      );
    }
    const port = server.port!;
    // Servers a route change replaced: they accept nothing, but a device's connection on one lives
    // on (a request being sent or answered), so the listener's stop drains and closes them too.
    const replaced = new Set<Server<undefined>>();
    // Bun's router follows the route table: a connector's path is matched natively from when its
    // route opens until it is gone (requests in between keep the listener's fetch path).
    const unsubscribe = this.o.routes.onChange(() => {
      hold = requestIdleSeconds(largestLimit(this.o.routes, "requestTimeoutMs"), idle);
      const largest = largestLimit(this.o.routes, "maxBodyBytes");
      // Only a larger limit reopens: a lower one (a route lowered, closed or deleted) keeps Bun's higher limit, which
      // the routes' own 413s lie under anyway, rather than reset the keep-alive connections of every other route.
      if (largest === null || largest <= limit) {
        server.reload(handlers());
        return;
      }
      const previous = server;
      replaced.add(previous);
      previous.stop(false).then(
        () => replaced.delete(previous),
        () => replaced.delete(previous),
      );
      try {
        server = bind(port, largest);
        limit = largest;
      } catch (error) {
        // The port was taken in between: keep serving nothing rather than crash the worker.
        this.o.log.error(`Could not reopen the ingest listener on port ${port} with a body limit of ${largest}`, error);
      }
    });
    const host = listener.host === "" ? "0.0.0.0" : listener.host.includes(":") ? `[${listener.host}]` : listener.host;
    return {
      url: `${listener.protocol}://${host}:${port}`,
      stop: async (drainMs) => {
        unsubscribe();
        const all = [server, ...replaced];
        server.stop(false).catch(() => undefined); // no new connection; idle keep-alive ones are closed
        // The requests handed over are answered (Bun counts one until its answer is sent), up to
        // drainMs; whatever is still open then is closed. Not Bun's own graceful stop: it also
        // waits for a connection that has sent part of a request's headers (a slow or stuck
        // device, up to idleTimeout), though nothing of it was taken yet.
        if (drainMs > 0) await Promise.all(all.map((s) => answered(s, drainMs)));
        await Promise.all(all.map((s) => s.stop(true)));
      },
    };
  }

  /**
   * A POST handler per connector path for Bun's router, so that a POST to a connector's own path
   * is matched natively rather than by its URL in JavaScript; every other method, a path with a
   * trailing slash or percent-encoded, and every other path go to the listener's fetch handler.
   */
  private postRoutes(hold: number | undefined, idle: number): Record<string, PostRoute> {
    const app = this.o.app;
    const routes: Record<string, PostRoute> = {};
    for (const path of nativePaths(this.o.routes))
      routes[path] =
        hold === undefined
          ? { POST: (request, server) => app.servePath(path, request, server) }
          : {
              POST: (request, server) =>
                heldRequest(request, server, hold, idle, () => app.servePath(path, request, server)),
            };
    return routes;
  }
}

/** Settles once no request of `server` is in progress, or `deadlineMs` passed (polled: Bun has no event for it). */
function answered(server: Server<undefined>, deadlineMs: number): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  return new Promise((resolve) => {
    const poll = () => {
      if (server.pendingRequests === 0 || performance.now() >= deadline) resolve();
      else setTimeout(poll, DRAIN_POLL_MS);
    };
    poll();
  });
}
