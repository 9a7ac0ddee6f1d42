/**
 * The REST server: the route tables on hono, Connect's framework behaviour around them (404 for
 * unknown paths, 405 for known paths with another method, 415 for non-JSON bodies, default OPTIONS,
 * HEAD on GET resources, CORS when `access.control.allow.origin` is set, the headers of
 * `response.http.headers.config`, both on the regular listeners only, as Connect), errors through
 * `error-mapping.ts`, and the listeners (`listeners`, `admin.listeners`, http and https) on the
 * gateway's own HTTP/1.1 front end (`http1/`), which hands each request with the method and path
 * as sent (`RestEnv`): routing sees `/connectors/..` and a lower-case `get` as Jersey does. An https
 * listener's own certificate not valid or near its end is a WARN (../tls/listener-certificate-expiry.ts).
 */
import { Hono, type MiddlewareHandler } from "hono";
import { ConnectError, messageOf } from "../errors.ts";
import type { Listener } from "../listener.ts";
import type { MetricFamily } from "../metrics/prometheus.ts";
import type { Herder } from "../runtime/herder.ts";
import { REST_REQUEST_TIMEOUT_MS } from "../runtime/request-deadline.ts";
import { ListenerCertificateExpiry } from "../tls/listener-certificate-expiry.ts";
import { restListenerTlsPrefix, serverTls } from "../tls/server-tls.ts";
import { javaHashOrder } from "../util/java-hash-order.ts";
import type { Logger, LogManager } from "../util/logger.ts";
import type { WorkerConfig } from "../worker-config.ts";
import { restAuthenticationOptions } from "./auth/auth-config.ts";
import { type RestAuthenticationEnv, restAuthentication } from "./auth/auth-middleware.ts";
import { errorResponse, HTTP_MESSAGES } from "./error-mapping.ts";
import { clearTextRestCredentials, unauthenticatedListenerWarnings } from "./exposed-listeners.ts";
import { headContentLengthMiddleware } from "./head-length.ts";
import type { RequestInfo } from "./http1/http1-connection.ts";
import { type Http1Server, startHttp1Server } from "./http1/http1-server.ts";
import { errorPageFor, jettyErrorResponse } from "./http1/jetty-error-page.ts";
import { REQUEST_LOGGER, type RequestLog, requestLog } from "./http1/request-log.ts";
import { acceptsJson, matchContentType } from "./media-types.ts";
import { type BodyLimits, DEFAULT_BODY_LIMITS, hasBody, readBody } from "./request-body.ts";
import {
  listenerRules,
  type ResponseHeaderRule,
  responseHeaderRules,
  responseHttpHeadersMiddleware,
} from "./response-http-headers.ts";
import type { Route, RouteDeps } from "./route.ts";
import { connectorPluginRoutes } from "./routes/connector-plugins.ts";
import { connectorRoutes } from "./routes/connectors.ts";
import { loggerRoutes } from "./routes/loggers.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { type RootDeps, rootRoutes } from "./routes/root.ts";

export interface CorsOptions {
  readonly allowOrigin: string;
  readonly allowMethods: string;
}

/** hono's path pattern as a RegExp, for finding which methods a path supports. */
function patternRegex(path: string): RegExp {
  const source = path
    .split("/")
    .map((segment) => {
      const m = /^:(\w+)(?:\{(.+)\})?$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      return m[2] ? `(?:${m[2]})` : "[^/]+";
    })
    .join("/");
  return new RegExp(`^${source}/?$`);
}

/**
 * What the front end passes to the app with each request (hono's `c.env`): the method and path as
 * sent, and the peer's address (`clientAddress` in `auth/`).
 */
export interface RestEnv {
  readonly method: string;
  readonly path: string;
  requestIP(request?: Request): { address: string; family: string; port: number };
}

export function restEnv(info: RequestInfo): RestEnv {
  const peer = {
    address: info.remoteAddress,
    family: info.remoteAddress.includes(":") ? "IPv6" : "IPv4",
    port: info.remotePort,
  };
  return { method: info.method, path: info.path, requestIP: () => peer };
}

/**
 * The path Jersey routes on: not percent-decoded (`/%63onnectors` is no route), dot segments
 * literal, `;matrix` parameters dropped from every segment, a trailing slash ignored. `rawPath` is
 * the path as sent (the front end's); without it the one in `url` (which `new Request` resolved).
 */
export function routingPath(url: string, rawPath?: string): string {
  let raw = rawPath;
  if (raw === undefined) {
    const start = url.indexOf("/", url.indexOf("://") + 3);
    if (start < 0) return "/";
    const end = url.search(/[?#]/);
    raw = url.slice(start, end < 0 ? undefined : end);
  }
  const path = raw
    .split("/")
    .map((segment) => segment.split(";")[0])
    .join("/");
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/**
 * Jersey's own errors (404, 405, 415) carry no Content-Type; the body is still JSON. (A stream
 * body is the one Bun sends without adding a type of its own.)
 */
function frameworkError(status: 404 | 405 | 406 | 415, withContentType = false): Response {
  const text = JSON.stringify({ error_code: status, message: HTTP_MESSAGES[status] });
  if (withContentType) return new Response(text, { status, headers: { "Content-Type": "application/json" } });
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  return new Response(body, { status, headers: { "Content-Length": String(bytes.byteLength) } });
}

function timed(timeoutMs: number) {
  return async <T>(operation: () => Promise<T>): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("Request timed out")), timeoutMs);
    });
    try {
      return await Promise.race([operation(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Builds one REST application from route tables. */
export function restApp(
  routes: readonly Route[],
  deps: Omit<RouteDeps, "timed">,
  options: {
    cors?: CorsOptions;
    requestTimeoutMs?: number;
    authentication?: MiddlewareHandler<RestAuthenticationEnv> | null;
    bodyLimits?: BodyLimits;
    /** response.http.headers.config's rules, for every answer. */
    responseHeaders?: readonly ResponseHeaderRule[];
  } = {},
): Hono {
  const app = new Hono({
    getPath: (request, options) => routingPath(request.url, (options?.env as RestEnv | undefined)?.path),
  });
  const bodyLimits = options.bodyLimits ?? DEFAULT_BODY_LIMITS;
  const routeDeps: RouteDeps = { ...deps, timed: timed(options.requestTimeoutMs ?? REST_REQUEST_TIMEOUT_MS) };
  const table = routes.map((r) => ({ ...r, regex: patternRegex(r.path) }));
  const methodsFor = (path: string) => {
    const methods = new Set(table.filter((r) => r.regex.test(path)).map((r) => r.method as string));
    if (methods.has("GET")) methods.add("HEAD");
    if (methods.size > 0) methods.add("OPTIONS");
    return [...methods];
  };
  const cors = options.cors && options.cors.allowOrigin.trim() !== "" ? options.cors : undefined;

  // Outermost: the configured headers go on every answer, as Connect's servlet filter puts them.
  if (options.responseHeaders?.length) app.use("*", responseHttpHeadersMiddleware(options.responseHeaders));
  app.use("*", headContentLengthMiddleware);
  app.use("*", async (c, next) => {
    await next();
    if (!cors) return;
    const origin = c.req.header("Origin");
    if (!origin) return;
    const allowed = cors.allowOrigin
      .split(",")
      .map((o) => o.trim())
      .some((o) => o === "*" || o === origin);
    if (!allowed) return;
    c.res.headers.set("Access-Control-Allow-Origin", origin);
    c.res.headers.set("Vary", "Origin");
    if (c.req.method === "OPTIONS" && c.req.header("Access-Control-Request-Method")) {
      c.res.headers.set("Access-Control-Allow-Methods", cors.allowMethods.trim() || "GET,POST,HEAD");
    }
  });

  // After CORS (401s keep CORS headers), before every route and the 404/405 fallback.
  if (options.authentication) app.use("*", options.authentication as MiddlewareHandler);

  for (const route of table) {
    app.on(route.method, route.path, async (c) => {
      if (route.consumesJson && ["POST", "PUT", "PATCH"].includes(c.req.method)) {
        const contentType = c.req.header("Content-Type");
        const match = contentType !== undefined ? matchContentType(contentType) : "json";
        // A Content-Type that cannot be parsed (an empty one too) is Jetty's 400: its page for a
        // POST, the status alone for a PUT or PATCH.
        if (match === "invalid") {
          return jettyErrorResponse(400, "Bad Request", c.req.url, !errorPageFor(c.req.method));
        }
        // A missing Content-Type on an entity is answered with a JSON-typed 415, a wrong one without;
        // application/* or */* selects the JSON method and then finds no reader: Connect's mapper types it.
        if (match !== "json") return frameworkError(415, match === "unreadable");
        if (!contentType && route.readsBody && hasBody(c.req.raw)) return frameworkError(415, true);
      }
      if (!route.producesText && !acceptsJson(c.req.header("Accept"))) return frameworkError(406);
      if (route.readsBody) c.set("body" as never, (await readBody(c.req.raw, bodyLimits)) as never);
      return route.handle(c, routeDeps);
    });
  }

  // A method fetch rewrote (`get`, `TRACE`) reaches here under a stand-in: Jersey has no resource method for it either.
  app.notFound((c) => {
    const path = routingPath(c.req.url, (c.env as RestEnv | undefined)?.path);
    // Jersey matches {task} as any segment and converts it to an int after choosing the method:
    // a wrong method is 405 whatever the id, a right one with an id that is no int a JSON-typed 404.
    const taskPath = /^(\/connectors\/[^/]+\/tasks\/)[^/]+(\/(?:status|restart))$/.exec(path);
    const methods = javaHashOrder(methodsFor(taskPath ? `${taskPath[1]}0${taskPath[2]}` : path));
    if (methods.length === 0) return frameworkError(404);
    // OPTIONS is Jersey's own answer, which converts no {task}.
    if (taskPath && c.req.method !== "OPTIONS" && methods.includes(c.req.method)) return frameworkError(404, true);
    if (c.req.method === "OPTIONS") {
      return new Response(methods.join(", "), {
        status: 200,
        headers: { "Content-Type": "text/plain", Allow: methods.join(",") },
      });
    }
    return frameworkError(405);
  });
  app.onError((error) => errorResponse(error, deps.logs));
  return app;
}

export interface RestServers {
  /** The URL of each listener, with the port actually bound. */
  readonly urls: string[];
  readonly adminUrls: string[];
  stop(): Promise<void>;
}

interface ServeOptions {
  readonly worker: WorkerConfig;
  readonly requestLog: RequestLog;
  /** The RestServer logger: an https listener's certificate expiry WARNs. */
  readonly serverLog: Logger;
  readonly admin?: boolean;
}

function serve(listener: Listener, app: Hono, { worker, requestLog, serverLog, admin = false }: ServeOptions) {
  const prefix = restListenerTlsPrefix(worker.originals, admin);
  const tls = listener.protocol === "https" ? serverTls(worker.originals, prefix, listener.uri) : undefined;
  let server: Http1Server;
  try {
    server = startHttp1Server({
      host: listener.host,
      port: listener.port,
      handler: (request, info) => app.fetch(request, restEnv(info)),
      requestLog,
      ...(tls ? { tls } : {}),
    });
  } catch (error) {
    throw new ConnectError(`Cannot listen on ${listener.uri}: ${messageOf(error)}`, { cause: error });
  }
  const host = listener.host === "" ? "0.0.0.0" : listener.host.includes(":") ? `[${listener.host}]` : listener.host;
  const url = `${listener.protocol}://${host}:${server.port}`;
  // The key store is read at start only: a renewed one is taken into use by a restart.
  let certificateExpiry: ListenerCertificateExpiry | undefined;
  if (tls) {
    certificateExpiry = new ListenerCertificateExpiry({
      log: serverLog,
      now: Date.now,
      listener: `The https ${admin ? "admin" : "REST"} listener ${url}`,
      prefix,
      remedy: "then restart the gateway",
    });
    certificateExpiry.watch(tls.cert);
  }
  const stop = () => {
    certificateExpiry?.stop();
    return server.stop();
  };
  return { url, stop };
}

/** Starts the REST listeners and, when configured separately, the admin listeners. */
export function startRestServers(options: {
  config: WorkerConfig;
  herder: Herder;
  logs: LogManager;
  root: RootDeps;
  extraRoutes?: readonly Route[];
  /** More metric families for GET /metrics (the ingest listener's). */
  extraMetrics?: () => MetricFamily[];
}): RestServers {
  const { config, herder, logs, root } = options;
  const cors = {
    allowOrigin: config["access.control.allow.origin"],
    allowMethods: config["access.control.allow.methods"],
  };
  const regular = [
    ...rootRoutes(root),
    ...connectorRoutes(),
    ...connectorPluginRoutes(),
    ...(options.extraRoutes ?? []),
  ];
  const admin = [...loggerRoutes(), ...metricsRoutes(options.extraMetrics)];
  const bodyLimits: BodyLimits = {
    maxBytes: config["rest.request.body.max.bytes"],
    timeoutMs: config["rest.request.body.timeout.ms"],
  };
  const authentication = restAuthentication(restAuthenticationOptions(config));
  const listeners = { rest: config.restListeners, admin: config.adminListeners };
  const exposed =
    authentication === null
      ? unauthenticatedListenerWarnings(listeners)
      : clearTextRestCredentials(config["rest.authentication"], listeners);
  const responseHeaders = listenerRules(responseHeaderRules(config["response.http.headers.config"]));
  const restServerLog = logs.get("io.edgegateway.rest.RestServer");
  for (const warning of [...exposed, ...responseHeaders.warnings]) restServerLog.warn(warning);
  const adminSeparate = config.adminListeners !== undefined;
  const mainApp = restApp(
    adminSeparate ? regular : [...regular, ...admin],
    { herder, logs },
    { cors, authentication, bodyLimits, responseHeaders: responseHeaders.rules },
  );
  const log = requestLog(logs.get(REQUEST_LOGGER));
  const serveOptions = { worker: config, requestLog: log, serverLog: restServerLog };
  const servers = config.restListeners.map((l) => serve(l, mainApp, serveOptions));
  const adminServers = adminSeparate
    ? (config.adminListeners ?? []).map((l) =>
        serve(l, restApp(admin, { herder, logs }, { authentication, bodyLimits }), { ...serveOptions, admin: true }),
      )
    : [];
  return {
    urls: servers.map((s) => s.url),
    adminUrls: adminServers.map((s) => s.url),
    // All at once: one close that hangs (the stop gives up on it) leaves no other listener open.
    stop: async () => {
      await Promise.all([...servers, ...adminServers].map((s) => s.stop()));
    },
  };
}
