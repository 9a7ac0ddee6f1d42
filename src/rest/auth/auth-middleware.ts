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
 * one (it is often a password typed into the wrong field).
 */
import type { Context, MiddlewareHandler } from "hono";
import type { JWTPayload } from "jose";
import { getLogger, type Logger } from "../../util/logger.ts";
import type { ErrorBody } from "../error-mapping.ts";
import { jsonResponse } from "../json-body.ts";
import { type BasicAuthenticator, parseBasicCredentials } from "./basic-auth.ts";
import type { BearerAuthenticator } from "./bearer-auth.ts";

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
  readonly logger?: Logger;
}

/** The request's principal; undefined when authentication is off or the path is exempt. */
export function principalOf(c: Context): Principal | undefined {
  return (c as Context<RestAuthenticationEnv>).get("principal");
}

export const REST_AUTHENTICATION_LOGGER = "io.edgegateway.rest.RestAuthentication";

/** The middleware, or null when no scheme is enabled (authentication off). */
export function restAuthentication(
  options: RestAuthenticationOptions | null,
): MiddlewareHandler<RestAuthenticationEnv> | null {
  if (options === null || (options.basic === null && options.bearer === null)) return null;
  const { basic, bearer } = options;
  const exempt = new Set(options.exemptPaths);
  const log = options.logger ?? getLogger(REST_AUTHENTICATION_LOGGER);

  const unauthorized = (reason: string, invalidToken = false): Response => {
    const headers = new Headers({ "Content-Type": "application/json" });
    if (basic) headers.append("WWW-Authenticate", `Basic realm="${basic.realm}", charset="UTF-8"`);
    if (bearer) headers.append("WWW-Authenticate", invalidToken ? 'Bearer error="invalid_token"' : "Bearer");
    const body: ErrorBody = { error_code: 401, message: reason };
    return new Response(JSON.stringify(body), { status: 401, headers });
  };

  return async (c, next) => {
    if (exempt.has(c.req.path)) return next();
    if (c.req.method === "OPTIONS" && c.req.header("Origin") && c.req.header("Access-Control-Request-Method")) {
      return next();
    }
    const where = `${c.req.method} ${c.req.path}`;
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
      if (parsed === null) {
        log.debug(`Rejected ${where}: malformed Basic credentials`);
        return unauthorized("Malformed Basic credentials");
      }
      if (!(await basic.authenticator.authenticate(parsed.user, parsed.password))) {
        const who = basic.authenticator.hasUser(parsed.user) ? `user "${parsed.user}"` : "an unknown user";
        log.debug(`Rejected ${where}: invalid credentials for ${who}`);
        return unauthorized("Invalid credentials");
      }
      c.set("principal", { scheme: "basic", name: parsed.user });
      return next();
    }

    if (scheme === "bearer" && bearer) {
      const result = await bearer.verify(credentials);
      if (result.outcome === "unavailable") {
        log.warn(`Cannot verify the bearer token of ${where}: the JWKS is unavailable: ${result.reason}`);
        const body: ErrorBody = {
          error_code: 503,
          message: "Cannot verify bearer tokens: the identity provider's keys are unavailable",
        };
        return jsonResponse(503, body);
      }
      if (result.outcome === "rejected") {
        log.debug(`Rejected ${where}: ${result.reason}`);
        return unauthorized(result.reason, true);
      }
      c.set("principal", { scheme: "bearer", name: result.subject, claims: result.claims });
      return next();
    }

    log.debug(`Rejected ${where}: unsupported authentication scheme`);
    const accepted = [basic ? "Basic" : null, bearer ? "Bearer" : null].filter((s) => s !== null).join(" or ");
    return unauthorized(`Unsupported authentication scheme; use ${accepted}`);
  };
}
