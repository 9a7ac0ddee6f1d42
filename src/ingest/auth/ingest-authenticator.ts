/**
 * The `authenticate(context) → identity` stage of the ingest pipeline for one connector: tries the
 * methods its `ingest.auth.methods` enables, in the order the request offers them: an
 * Authorization header (Bearer → JWT, Basic → hashed passwords of the REST API's credentials
 * file), else the verified client certificate of the TLS connection (mtls; refused once it has
 * expired, which a connection kept open can outlive). No methods: every request is the anonymous
 * identity.
 *
 * Refusals are IngestErrors: 401 (REST Proxy 40101) with a WWW-Authenticate challenge for each
 * enabled header scheme (`Bearer error="invalid_token"` after a bad token), 503 with Retry-After
 * when the JWKS cannot be fetched, or when a token's key id is not in it and it cannot be fetched
 * again before the cooldown (Retry-After: the rest of it; a freshly rotated key). Basic credentials the success cache does not know pass the
 * BasicAttemptGuard first (429 for a blocked address or too many failures overall, 503 when every
 * verification slot is busy), so guessing cannot use up the CPU. The REST Proxy gate's trials
 * (CredentialCheck) pass its budget too, and their failures are not counted here (the gate counts one). Messages say which check failed, never the credentials; unknown
 * users are not named in logs. Refusals are DEBUG lines, counted on /metrics by method
 * (IngestAuthMetrics, trials of the gate left out); an address that the failures block gets one
 * WARN naming it and the block's length, and counts one lockout (explore4 J3); an attempt the
 * global failure rate refuses is counted, and WARNed at most once a minute (a gate's trial neither). An unavailable key set is logged at most once a minute. An
 * identity whose name starts with a method qualifier (`mtls:`, `jwt:`, `basic:`) is refused (401)
 * on every connector: it would stamp a multi-method connector's qualified name of another device.
 */
import { parseBasicCredentials } from "../../http/basic-credentials.ts";
import type { BasicAuthenticator } from "../../rest/auth/basic-auth.ts";
import { type Clock, monotonicNow, systemClock } from "../../util/clock.ts";
import { getLogger, type Logger } from "../../util/logger.ts";
import { ErrorCodes, IngestError } from "../ingest-error.ts";
import { ANONYMOUS, type CredentialCheck, type IngestIdentity, type IngestRequestContext } from "../request-context.ts";
import type { ClientIdentitySource } from "../tls/ingest-tls-config.ts";
import {
  type BasicAttemptGuard,
  blockedWarning,
  GlobalFailureLimitError,
  globalLimitWarner,
} from "./basic-attempt-guard.ts";
import type { IngestAuthFailureMethod, IngestAuthMetrics } from "./ingest-auth-metrics.ts";
import type { JwtAuthenticator } from "./jwt-authenticator.ts";
import { mtlsIdentity } from "./mtls-identity.ts";

export interface IngestAuthenticatorOptions {
  /** The identity source of client certificates; null: mtls not enabled. */
  readonly mtls: ClientIdentitySource | null;
  readonly jwt: JwtAuthenticator | null;
  readonly basic: {
    readonly authenticator: BasicAuthenticator;
    readonly realm: string;
    /** Limits on verifies the success cache cannot answer; none: unlimited. */
    readonly guard?: BasicAttemptGuard;
  } | null;
  readonly logger?: Logger;
  /** Counts refusals by method and lockouts (the REST Proxy gate's trials are not counted). */
  readonly metrics?: IngestAuthMetrics;
  /** For the interval between WARNs about an unavailable key set, and client certificates' expiry. */
  readonly clock?: Clock;
}

export interface IngestAuthenticator {
  /**
   * The request's identity; throws IngestError (401/503) when it has none. `check`: the REST Proxy
   * gate's (a trial's failed password verify is not counted on this connector's limits).
   */
  authenticate(context: IngestRequestContext, check?: CredentialCheck): Promise<IngestIdentity>;
  readonly enabled: boolean;
}

/** Seconds a client waits before retrying when the identity provider's keys are unavailable. */
const JWKS_RETRY_AFTER_SECONDS = 5;
/**
 * At most one WARN per this interval says the key set is unavailable: every device's request
 * fails alike while the provider is down, and one line per request filled the log (security hunt
 * 2026-12-02: 1000 devices sending once a second wrote 1000 lines a second).
 */
export const JWKS_UNAVAILABLE_LOG_INTERVAL_MS = 60_000;

/** Method qualifiers of identity names on multi-method connectors (identityName); case as written. */
const QUALIFIER = /^(?:mtls|jwt|basic):/i;

export function ingestAuthenticator(options: IngestAuthenticatorOptions): IngestAuthenticator {
  const { mtls, jwt, basic } = options;
  const log = options.logger ?? getLogger("io.edgegateway.ingest.IngestAuthentication");
  const enabled = mtls !== null || jwt !== null || basic !== null;
  const clock = options.clock ?? systemClock;
  let unavailableLoggedAt = Number.NEGATIVE_INFINITY;
  let unavailableSince = 0;
  const warnUnavailable = (reason: string) => {
    const now = monotonicNow(clock);
    if (now - unavailableLoggedAt < JWKS_UNAVAILABLE_LOG_INTERVAL_MS) {
      unavailableSince++;
      return;
    }
    const more = unavailableSince > 0 ? ` (and ${unavailableSince} more since the last such line)` : "";
    unavailableLoggedAt = now;
    unavailableSince = 0;
    log.warn(`Cannot verify a bearer token${more}: ${reason}`);
  };

  const unauthorized = (message: string, invalidToken = false): IngestError => {
    const challenges: string[] = [];
    if (jwt) challenges.push(invalidToken ? 'Bearer realm="ingest", error="invalid_token"' : 'Bearer realm="ingest"');
    if (basic) challenges.push(`Basic realm="${basic.realm}", charset="UTF-8"`);
    return new IngestError(401, ErrorCodes.UNAUTHORIZED, message, {
      headers: challenges.length > 0 ? { "WWW-Authenticate": challenges.join(", ") } : {},
    });
  };

  const accepted = [
    jwt ? "a bearer token" : null,
    basic ? "basic credentials" : null,
    mtls ? "a client certificate" : null,
  ]
    .filter((s) => s !== null)
    .join(" or ");

  /** The 401 of a refused credential of `method`, counted unless it is the REST Proxy gate's trial. */
  const refused = (
    method: IngestAuthFailureMethod,
    check: CredentialCheck | undefined,
    message: string,
    invalidToken = false,
  ): IngestError => {
    if (check?.trial !== true) options.metrics?.failed(method);
    return unauthorized(message, invalidToken);
  };

  /** Once per block (the failure that starts it), as the REST API's; never a user name or password. */
  const blocked = (client: string, lockoutMs: number): void => {
    if (lockoutMs <= 0) return;
    options.metrics?.lockedOut();
    log.warn(blockedWarning(client, lockoutMs));
  };

  const warnGlobalLimit = globalLimitWarner(clock);
  /**
   * The guard's admission; a refusal for the global failure rate is WARNed (rate-limited) and
   * counted, unless it is the REST Proxy gate's trial (another connector may admit the request,
   * and the gate counts and WARNs its own refusals).
   */
  const admit = (guard: BasicAttemptGuard | undefined, client: string, check: CredentialCheck | undefined): void => {
    try {
      guard?.admit(client);
    } catch (error) {
      if (error instanceof GlobalFailureLimitError && check?.trial !== true) {
        options.metrics?.globallyLimited();
        warnGlobalLimit(log);
      }
      throw error;
    }
  };

  const identify = async (context: IngestRequestContext, check?: CredentialCheck): Promise<IngestIdentity> => {
    const authorization = context.request.headers.get("authorization")?.trim();
    if (authorization) {
      const match = /^([A-Za-z]+)(?: +(.*))?$/.exec(authorization);
      const scheme = match?.[1]?.toLowerCase();
      const credentials = match?.[2]?.trim() ?? "";
      if (scheme === "bearer" && jwt) {
        const result = await jwt.verify(credentials);
        if (result.outcome === "authenticated") return result.identity;
        if (result.outcome === "unavailable" && result.keyPendingSeconds !== undefined) {
          log.debug(`Cannot verify a bearer token yet: ${result.reason}`);
          throw new IngestError(
            503,
            ErrorCodes.SERVICE_UNAVAILABLE,
            "Cannot verify the bearer token yet: its key is not among the identity provider's keys the gateway holds; they are fetched again shortly",
            { retryAfterSeconds: result.keyPendingSeconds },
          );
        }
        if (result.outcome === "unavailable") {
          warnUnavailable(result.reason);
          throw new IngestError(
            503,
            ErrorCodes.SERVICE_UNAVAILABLE,
            "Cannot verify bearer tokens now: the identity provider's keys are unavailable",
            { retryAfterSeconds: JWKS_RETRY_AFTER_SECONDS },
          );
        }
        log.debug(`Rejected a bearer token: ${result.reason}`);
        throw refused("jwt", check, result.reason, true);
      }
      if (scheme === "basic" && basic) {
        const parsed = parseBasicCredentials(credentials);
        if (parsed === null) throw refused("basic", check, "Malformed Basic credentials");
        const { guard } = basic;
        let ok: boolean;
        if ((!guard && !check) || basic.authenticator.isCached(parsed.user, parsed.password))
          ok = await basic.authenticator.authenticate(parsed.user, parsed.password);
        else {
          const client = context.connection.remoteAddress ?? "";
          check?.beforeVerify(client);
          admit(guard, client, check);
          ok = false;
          try {
            ok = await basic.authenticator.authenticate(parsed.user, parsed.password);
          } finally {
            blocked(client, guard?.release(client, ok, check?.trial !== true) ?? 0);
          }
          if (!ok) check?.failedVerify();
        }
        if (!ok) {
          const who = basic.authenticator.hasUser(parsed.user) ? `user "${parsed.user}"` : "an unknown user";
          log.debug(`Rejected basic credentials of ${who}`);
          throw refused("basic", check, "Invalid credentials");
        }
        return { principal: parsed.user, source: "basic", attributes: {} };
      }
      if (!mtls) throw refused("none", check, `Unsupported authentication scheme; use ${accepted}`);
    }
    if (mtls) {
      const peer = context.connection.peerCertificate;
      if (peer) {
        // The handshake checked the certificate, but a connection kept busy outlives it: its
        // requests after the certificate's expiry are refused (security hunt 2026-12-02).
        if (peer.notAfter !== undefined && clock.now() > peer.notAfter)
          throw refused("mtls", check, "The client certificate has expired");
        const identity = mtlsIdentity(peer, mtls);
        if (identity) return identity;
        throw refused("mtls", check, `The client certificate has no ${mtls} to identify the device by`);
      }
    }
    throw refused("none", check, `Authentication required: send ${accepted}`);
  };

  return {
    enabled,
    async authenticate(context, check) {
      if (!enabled) return ANONYMOUS;
      const identity = await identify(context, check);
      // A name spelled like a qualified one would stamp, on a single-method connector, the same
      // identity value as another method's device on a multi-method connector sharing the topic.
      if (QUALIFIER.test(identity.principal)) {
        log.debug("Rejected an identity whose name starts with a method qualifier");
        throw refused(
          identity.source === "anonymous" ? "none" : identity.source,
          check,
          "The identity's name must not start with a method qualifier (mtls:, jwt:, basic:)",
        );
      }
      return identity;
    },
  };
}
