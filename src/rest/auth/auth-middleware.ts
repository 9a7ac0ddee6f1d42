/**
 * The REST API's authentication gate: a hono middleware that admits a request carrying valid
 * `Basic` or `Bearer` credentials, as enabled by `rest.authentication`, and answers 401 in
 * Connect's error shape otherwise. `server.ts` mounts it on every REST app, after CORS (so a 401
 * still carries CORS headers) and before the routes (so unknown paths are not revealed by 404s).
 * Off (null) unless a scheme is enabled, like Kafka Connect without a security REST extension.
 *
 * Admitted without credentials: the exempt paths (exact match on the path hono routes on, so
 * `/health` does not open `/health/../connectors`) and CORS preflights, which browsers send
 * without credentials by design and which only list allowed methods.
 *
 * The authenticated principal is on the context as `principal` for authorization. Failures say
 * why without echoing the header, password or token; logs name a known user but never an unknown
 * one (it is often a password typed into the wrong field). A failed attempt (wrong credentials,
 * a bad token, a malformed header or another scheme, but not a request without credentials) is
 * logged at WARN with the client's address and counted by the LoginThrottle, which answers 429
 * with Retry-After to an address that failed too often, before any password is verified. Basic
 * attempts that need a verify run one at a time per address (LoginThrottle.inTurn, when failures are limited), and at most
 * `maxConcurrentVerifications` of all addresses at once: one more is 503 with Retry-After at once,
 * without a verify (as ingest's max.concurrent.verifications; many addresses could otherwise keep
 * every core busy with password hashing).
 */
import type { Context, MiddlewareHandler } from "hono";
import type { JWTPayload } from "jose";
import { parseBasicCredentials } from "../../http/basic-credentials.ts";
import { getLogger, type Logger } from "../../util/logger.ts";
import type { ErrorBody } from "../error-mapping.ts";
import { jsonResponse } from "../json-body.ts";
import {
  type BasicAuthenticator,
  VERIFICATIONS_BUSY_MESSAGE,
  VERIFICATIONS_BUSY_RETRY_AFTER_SECONDS,
} from "./basic-auth.ts";
import type { BearerAuthenticator } from "./bearer-auth.ts";
import { type LoginThrottle, throttledAddress } from "./login-throttle.ts";

export type Principal =
  | { readonly scheme: "basic"; readonly name: string }
  | { readonly scheme: "bearer"; readonly name: string; readonly claims: JWTPayload };

/** The hono environment the middleware provides: `c.get("principal")`. */
export interface RestAuthenticationEnv {
  Variables: { principal: Principal };
}

export interface RestAuthenticationOptions {
  readonly basic: { readonly authenticator: BasicAuthenticator; readonly realm: string } | null;
  readonly bearer: BearerAuthenticator | null;
  /** Paths served without authentication, matched exactly. */
  readonly exemptPaths: readonly string[];
  /** Blocks addresses after repeated failures; none: never blocked. */
  readonly throttle?: LoginThrottle | null;
  /** Password verifies running at once, of all clients; 0 or none: no cap. */
  readonly maxConcurrentVerifications?: number;
  readonly logger?: Logger;
}

/** Runs checks as they come (authentication without a LoginThrottle). */
const NO_THROTTLE = { inTurn: <T>(_client: string, check: () => Promise<T>) => check() };

const KEY_PENDING_MESSAGE =
  "Cannot verify the bearer token yet: its key is not among the identity provider's keys the gateway holds; they are fetched again shortly";

/** The TCP peer's address as Bun.serve reports it (hono's `c.env` is the Bun server), else "unknown". */
export function clientAddress(c: Context): string {
  const server = c.env as { requestIP?: (request: Request) => { address: string } | null } | undefined;
  try {
    return server?.requestIP?.(c.req.raw)?.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** The request's principal; undefined when authentication is off or the path is exempt. */
export function principalOf(c: Context): Principal | undefined {
  return (c as Context<RestAuthenticationEnv>).get("principal");
}

export const REST_AUTHENTICATION_LOGGER = "io.edgegateway.rest.RestAuthentication";

/**
 * The log lines of bearer tokens answered 503 without being judged: a WARN of each kind per JWKS
 * fetch attempt, the others at DEBUG. Such answers are not failed attempts (the LoginThrottle does
 * not count them), so a WARN each let any client write a line per request, made-up key ids costing
 * nothing (adminauth hunt 2026-12-03); the next fetch, one cooldown later, allows the next WARN.
 */
function unjudgedTokenLog(bearer: BearerAuthenticator, log: Logger) {
  const warnedAt = { pending: -1, unavailable: -1 };
  const once = (kind: keyof typeof warnedAt) => (message: string) => {
    const fetches = bearer.keys.fetchCount;
    if (warnedAt[kind] === fetches) return log.debug(message);
    warnedAt[kind] = fetches;
    log.warn(`${message} (more such requests are logged at DEBUG until the JWKS is fetched again)`);
  };
  return { pending: once("pending"), unavailable: once("unavailable") };
}

/** The middleware, or null when no scheme is enabled (authentication off). */
export function restAuthentication(
  options: RestAuthenticationOptions | null,
): MiddlewareHandler<RestAuthenticationEnv> | null {
  if (options === null || (options.basic === null && options.bearer === null)) return null;
  const { basic, bearer } = options;
  const throttle = options.throttle?.enabled ? options.throttle : null;
  const exempt = new Set(options.exemptPaths);
  const log = options.logger ?? getLogger(REST_AUTHENTICATION_LOGGER);
  const maxVerifications = options.maxConcurrentVerifications ?? 0;
  let verifying = 0;

  const unauthorized = (reason: string, invalidToken = false): Response => {
    const headers = new Headers({ "Content-Type": "application/json" });
    if (basic) headers.append("WWW-Authenticate", `Basic realm="${basic.realm}", charset="UTF-8"`);
    if (bearer) headers.append("WWW-Authenticate", invalidToken ? 'Bearer error="invalid_token"' : "Bearer");
    const body: ErrorBody = { error_code: 401, message: reason };
    return new Response(JSON.stringify(body), { status: 401, headers });
  };

  const unjudged = bearer && unjudgedTokenLog(bearer, log);

  return async (c, next) => {
    if (exempt.has(c.req.path)) return next();
    if (c.req.method === "OPTIONS" && c.req.header("Origin") && c.req.header("Access-Control-Request-Method")) {
      return next();
    }
    const where = `${c.req.method} ${c.req.path}`;
    const client = clientAddress(c);
    /** 429 while `client` is blocked, else null. */
    const blocked = (): Response | null => {
      const wait = throttle?.retryAfterMs(client) ?? 0;
      if (wait <= 0) return null;
      log.debug(`Refused ${where} from ${client}: blocked after repeated failed authentication attempts`);
      const body: ErrorBody = { error_code: 429, message: "Too many failed authentication attempts; retry later" };
      return new Response(JSON.stringify(body), {
        status: 429,
        headers: { "Content-Type": "application/json", "Retry-After": String(Math.ceil(wait / 1000)) },
      });
    };
    const refused = blocked();
    if (refused) return refused;
    const failed = (detail: string, reason: string, invalidToken = false): Response => {
      log.warn(`Failed authentication for ${where} from ${client}: ${detail}`);
      if (throttle?.failure(client)) {
        log.warn(
          `Blocking ${throttledAddress(client)} for ${Math.ceil(throttle.retryAfterMs(client) / 1000)} s after repeated failed authentication attempts`,
        );
      }
      return unauthorized(reason, invalidToken);
    };
    const authorization = c.req.header("Authorization");
    if (authorization === undefined || authorization.trim() === "") {
      log.debug(`Rejected ${where}: missing credentials`);
      return unauthorized("Missing credentials");
    }
    const match = /^([A-Za-z]+)(?: +(.*))?$/.exec(authorization.trim());
    const scheme = match?.[1]?.toLowerCase();
    const credentials = match?.[2]?.trim() ?? "";

    if (scheme === "basic" && basic) {
      const parsed = parseBasicCredentials(credentials);
      if (parsed === null) return failed("malformed Basic credentials", "Malformed Basic credentials");
      const { user, password } = parsed;
      // A pair that needs a verify waits for the address's verifies under way, and is then judged
      // with their failures counted: concurrent guesses are not all verified.
      const refusal = basic.authenticator.isCached(user, password)
        ? null
        : await (throttle ?? NO_THROTTLE).inTurn(client, async () => {
            const refused = blocked();
            if (refused) return refused;
            const needsVerify = !basic.authenticator.isCached(user, password);
            if (needsVerify && maxVerifications > 0 && verifying >= maxVerifications) {
              log.debug(`Refused ${where} from ${client}: ${maxVerifications} password verifications in progress`);
              const body: ErrorBody = { error_code: 503, message: VERIFICATIONS_BUSY_MESSAGE };
              return jsonResponse(503, body, { "Retry-After": String(VERIFICATIONS_BUSY_RETRY_AFTER_SECONDS) });
            }
            if (needsVerify) verifying++;
            let ok: boolean;
            try {
              ok = await basic.authenticator.authenticate(user, password);
            } finally {
              if (needsVerify) verifying--;
            }
            if (ok) return null;
            const who = basic.authenticator.hasUser(user) ? `user "${user}"` : "an unknown user";
            return failed(`invalid credentials for ${who}`, "Invalid credentials");
          });
      if (refusal) return refusal;
      c.set("principal", { scheme: "basic", name: user });
      return next();
    }

    if (scheme === "bearer" && bearer) {
      const result = await bearer.verify(credentials);
      if (result.outcome === "unavailable" && result.keyPendingSeconds !== undefined) {
        // A key id the cached JWKS lacks, within its refetch cooldown: not judged yet (a rotated key).
        unjudged?.pending(`Cannot verify the bearer token of ${where} from ${client} yet: ${result.reason}`);
        const body: ErrorBody = { error_code: 503, message: KEY_PENDING_MESSAGE };
        return jsonResponse(503, body, { "Retry-After": String(result.keyPendingSeconds) });
      }
      if (result.outcome === "unavailable") {
        unjudged?.unavailable(`Cannot verify the bearer token of ${where}: the JWKS is unavailable: ${result.reason}`);
        const body: ErrorBody = {
          error_code: 503,
          message: "Cannot verify bearer tokens: the identity provider's keys are unavailable",
        };
        return jsonResponse(503, body);
      }
      if (result.outcome === "rejected") return failed(result.reason, result.reason, true);
      c.set("principal", { scheme: "bearer", name: result.subject, claims: result.claims });
      return next();
    }

    const accepted = [basic ? "Basic" : null, bearer ? "Bearer" : null].filter((s) => s !== null).join(" or ");
    return failed("unsupported authentication scheme", `Unsupported authentication scheme; use ${accepted}`);
  };
}
