/**
 * IngestServer: the ingest listeners (worker key `ingest.listeners`, http:// and https:// URIs),
 * separate from the admin/REST listeners: devices never reach the Connect REST API here, and the
 * REST API is never served on these ports. With `ingest.listeners` unset, the default
 * http://:8080 opens when the first ingest route opens (so a worker without ingest connectors
 * listens on nothing extra). https listeners take their key store from `ingest.listeners.https.ssl.*`.
 */
import type { Hono } from "hono";
import { ConfigError } from "../errors.ts";
import { loadTlsMaterial } from "../tls/key-stores.ts";
import type { Logger } from "../util/logger.ts";
import { type Listener, parseListener } from "../worker-config.ts";
import type { IngestEnv } from "./ingest-handler.ts";
import type { IngestConnection } from "./request-context.ts";
import type { IngestRouteTable } from "./route-table.ts";

export const DEFAULT_INGEST_LISTENER = "http://:8080";
export const INGEST_TLS_PREFIX = "ingest.listeners.https.";

export interface IngestServerOptions {
  /** `ingest.listeners` as configured; null: the default, opened with the first route. */
  readonly listeners: readonly string[] | null;
  /** The worker's keys (TLS material under ingest.listeners.https.*). */
  readonly originals: Readonly<Record<string, string>>;
  readonly app: Hono<IngestEnv>;
  readonly routes: IngestRouteTable;
  readonly log: Logger;
  /** Largest body any route accepts; Bun refuses larger ones outright. */
  readonly maxRequestBodySize?: number;
}

type BunServer = ReturnType<typeof Bun.serve>;

export class IngestServer {
  private readonly servers: { url: string; server: BunServer }[] = [];
  private readonly listeners: readonly Listener[];
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly o: IngestServerOptions) {
    this.listeners = (o.listeners ?? [DEFAULT_INGEST_LISTENER]).map((l) => parseListener("ingest.listeners", l));
  }

  /** Opens the configured listeners now, or the default one with the first route. */
  start(): void {
    if (this.o.listeners !== null) {
      this.open();
      return;
    }
    if (this.o.routes.routes().length > 0) {
      this.open();
      return;
    }
    this.unsubscribe = this.o.routes.onChange((routes) => {
      if (routes.length > 0 && this.servers.length === 0 && !this.stopped) {
        try {
          this.open();
        } catch (error) {
          this.o.log.error(`Could not open the ingest listener ${DEFAULT_INGEST_LISTENER}`, error);
        }
      }
    });
  }

  /** The URL of each open listener, with the port actually bound. */
  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    const servers = this.servers.splice(0);
    for (const s of servers) await s.server.stop(true);
  }

  private open(): void {
    for (const listener of this.listeners) {
      const opened = this.serve(listener);
      this.servers.push(opened);
      this.o.log.info(`Ingest listener open at ${opened.url}/`);
    }
  }

  private serve(listener: Listener): { url: string; server: BunServer } {
    let tls: Parameters<typeof Bun.serve>[0]["tls"];
    if (listener.protocol === "https") {
      const material = loadTlsMaterial(this.o.originals, INGEST_TLS_PREFIX);
      if (!material.cert || !material.key) {
        throw new ConfigError(
          `The https ingest listener ${listener.uri} needs a key store: set ${INGEST_TLS_PREFIX}ssl.keystore.location (PEM or PKCS12) or ${INGEST_TLS_PREFIX}ssl.keystore.certificate.chain and ${INGEST_TLS_PREFIX}ssl.keystore.key`,
        );
      }
      tls = {
        cert: material.cert,
        key: material.key,
        ...(material.ca ? { ca: material.ca } : {}),
        requestCert: material.clientAuth !== "none",
        rejectUnauthorized: material.clientAuth === "required",
      };
    }
    const app = this.o.app;
    const secure = listener.protocol === "https";
    const server = Bun.serve({
      hostname: listener.host === "" ? "0.0.0.0" : listener.host,
      port: listener.port,
      fetch: (request, srv) => {
        const connection: IngestConnection = {
          remoteAddress: srv.requestIP(request)?.address ?? null,
          tls: secure,
          peerCertificate: null,
        };
        return app.fetch(request, { connection });
      },
      ...(tls ? { tls } : {}),
      ...(this.o.maxRequestBodySize ? { maxRequestBodySize: this.o.maxRequestBodySize } : {}),
      idleTimeout: 120,
    });
    const host = listener.host === "" ? "0.0.0.0" : listener.host.includes(":") ? `[${listener.host}]` : listener.host;
    return { url: `${listener.protocol}://${host}:${server.port}`, server };
  }
}
