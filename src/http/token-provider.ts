/**
 * TokenProvider: the OAuth2/OIDC access-token cache of the HTTP connectors (the documents'
 * `security.oidc.token.*` keys). It posts the configured token request (an
 * `application/x-www-form-urlencoded` body) to the token endpoint, caches the access token and
 * renews it once `now > expiry − min(expiryReduction, lifetime / 2)` (a short-lived token is used
 * for half its lifetime rather than fetched for every request). The expiry comes from `expires_in`, else from the
 * JWT's `exp` claim (read, not verified: the token is the endpoint's business); a token without
 * either is kept until `invalidate` (a 401). An `expires_in` expiry is a lifetime counted on the
 * monotonic clock, so a step of the host's clock neither keeps a token too long nor renews it at
 * every request; a JWT's `exp` is an instant the endpoint signed and is compared with the wall clock.
 * A lifetime under a second (`expires_in` 0, negative or a fraction; an `exp` not a second past
 * the request on this host's clock, which then disagrees with the endpoint's) tells nothing usable:
 * it counts as not given, as golang.org/x/oauth2 reads `expires_in: 0`. Honoured, it fetched a token
 * for every request (getindata's connector does so for a missing or 0 `expires_in`); a token that
 * did expire is renewed by the 401 it gets.
 *
 * Concurrency: callers that find no valid token share one fetch (single flight); a caller's
 * `signal` aborts only its own wait. `invalidate(token)` after a 401 drops that token (and only
 * that one: a token renewed meanwhile stays), so the next `token()` fetches exactly once.
 *
 * A failed request throws a TokenRequestError or a RetriableTokenRequestError
 * (token-request-errors.ts, which words them without secrets). The access token and the request
 * body (client secrets) never appear in errors or logs, and never follow a redirect: a 3xx from
 * the token endpoint is a TokenRequestError.
 */
import { decodeJwt } from "jose";
import { ABORTED, abortable } from "../util/async.ts";
import { type Clock, type Moment, momentOf, monotonicNow } from "../util/clock.ts";
import { basicCredentials } from "./basic-credentials.ts";
import { echoedUrlParts, originOnly, type ShowUrl } from "./shown-url.ts";
import {
  contentTypeOf,
  refusal,
  requestFailure,
  sentSecrets,
  shownTokenEndpoint,
  type TokenEndpointName,
  unusableAnswer,
} from "./token-request-errors.ts";

/** The slice of the shared HttpClient (src/http/http-client.ts) this module needs. */
export interface TokenHttpClient {
  request(req: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    body?: string | Uint8Array;
    timeoutMs?: number;
    signal?: AbortSignal;
    followRedirects?: boolean;
    showUrl?: ShowUrl;
  }): Promise<TokenResponse>;
}

/** An answer of the token endpoint, as the HttpClient gives it. */
export interface TokenResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

export interface TokenProviderOptions {
  readonly tokenUrl: string;
  /** The token request: form fields, or a raw `x-www-form-urlencoded` body. */
  readonly form: Readonly<Record<string, string>> | string;
  /** Client credentials sent as HTTP Basic authentication; a user holding ':' is refused (RangeError, RFC 7617). */
  readonly basicAuth?: { readonly user: string; readonly password: string };
  /** Renew this long before the token expires (the documents' default: 1 s). */
  readonly expiryReductionMs: number;
  readonly client: TokenHttpClient;
  readonly clock: Clock;
  /** Timeout of one token request; default 30 s. */
  readonly timeoutMs?: number;
  /** How errors name the endpoint, in the connector's vocabulary; default "OIDC token endpoint" (the HTTP sink's). */
  readonly endpointName?: TokenEndpointName;
  /**
   * `tokenUrl`'s key held a reference a config provider resolved (PluginContext.providedKeys): messages show
   * its origin only, and what an error description echoes of its path is hidden (shown-url.ts).
   */
  readonly urlFromProvider?: boolean;
}

/** When a cached token is renewed: after `at` (null: never, the response said nothing about expiry) on the `on` clock. */
interface Renewal {
  readonly at: number | null;
  readonly on: "wall" | "monotonic";
}

interface CachedToken {
  readonly token: string;
  readonly renewal: Renewal;
}

const decoder = new TextDecoder();

export class TokenProvider {
  private cached: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;
  private fetches = 0;
  /** The token68 of `basicAuth`. */
  private readonly basic: string | undefined;
  /** The endpoint as messages show it (shownTokenEndpoint). */
  private readonly endpoint: string;

  constructor(private readonly o: TokenProviderOptions) {
    this.basic = o.basicAuth ? basicCredentials(o.basicAuth.user, o.basicAuth.password) : undefined;
    this.endpoint = shownTokenEndpoint(o.tokenUrl, o.urlFromProvider === true);
  }

  /** How many token requests were sent (for metrics and tests). */
  get fetchCount(): number {
    return this.fetches;
  }

  /** A valid access token: the cached one, or one fetched now (shared with concurrent callers). */
  async token(signal?: AbortSignal): Promise<string> {
    const cached = this.cached;
    if (cached && this.valid(cached)) return cached.token;
    if (!this.inflight) {
      const fetching: Promise<CachedToken> = this.fetchToken()
        .then((fresh) => {
          this.cached = fresh;
          return fresh;
        })
        .finally(() => {
          if (this.inflight === fetching) this.inflight = undefined;
        });
      // Callers whose signal aborted no longer listen; the outcome is still handled here.
      fetching.catch(() => undefined);
      this.inflight = fetching;
    }
    const shared = this.inflight;
    if (!signal) return (await shared).token;
    const result = await abortable(shared, signal);
    if (result === ABORTED) throw signal.reason ?? new DOMException("Aborted", "AbortError");
    return result.token;
  }

  /** The endpoint rejected `token` (401): the next `token()` fetches a new one. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private valid(c: CachedToken): boolean {
    const { at, on } = c.renewal;
    if (at === null) return true;
    return (on === "wall" ? this.o.clock.now() : monotonicNow(this.o.clock)) <= at;
  }

  private async fetchToken(): Promise<CachedToken> {
    this.fetches++;
    const body =
      typeof this.o.form === "string" ? this.o.form : new URLSearchParams(Object.entries(this.o.form)).toString();
    const headers: Record<string, string> = {
      "Content-Type": "application/x-www-form-urlencoded",
      Accept: "application/json",
    };
    const basic = this.basic;
    if (basic !== undefined) headers.Authorization = `Basic ${basic}`;
    const requestedAt = momentOf(this.o.clock);
    const timeoutMs = this.o.timeoutMs ?? 30_000;
    let response: TokenResponse;
    try {
      response = await this.o.client.request({
        method: "POST",
        url: this.o.tokenUrl,
        headers,
        body,
        timeoutMs,
        // A redirect would carry the client credentials elsewhere: the configured URL must be the endpoint.
        followRedirects: false,
        ...(this.o.urlFromProvider ? { showUrl: originOnly } : {}),
      });
    } catch (error) {
      throw requestFailure(error, this.endpoint, timeoutMs, this.o.endpointName);
    }
    if (response.status < 200 || response.status >= 300) {
      const sent = sentSecrets(body, basic, this.o.basicAuth?.password);
      const echoed = this.o.urlFromProvider ? echoedUrlParts(this.o.tokenUrl) : [];
      throw refusal(
        response,
        this.endpoint,
        [...sent, ...echoed].sort((a, b) => b.length - a.length),
        this.o.clock.now(),
        this.o.endpointName,
      );
    }
    const answered = `HTTP ${response.status} with ${contentTypeOf(response.headers)}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(decoder.decode(response.body));
    } catch {
      throw unusableAnswer(this.endpoint, `${answered} and a body that is not JSON`, this.o.endpointName);
    }
    const fields = (parsed ?? {}) as { access_token?: unknown; expires_in?: unknown };
    if (typeof fields.access_token !== "string" || fields.access_token === "") {
      throw unusableAnswer(this.endpoint, `${answered} and no access_token in it`, this.o.endpointName);
    }
    // A Bearer token is printable ASCII (RFC 6750 §2.1); one with a control character cannot go in
    // a header (sending it failed the request with an unclassified error), nor is one with another
    // character a Bearer token.
    if (/[^\x20-\x7e]/.test(fields.access_token)) {
      const why = `${answered} and an access_token that is not printable ASCII (RFC 6750 Bearer token)`;
      throw unusableAnswer(this.endpoint, why, this.o.endpointName);
    }
    return {
      token: fields.access_token,
      renewal: renewalOf(fields.access_token, fields.expires_in, requestedAt, this.o.expiryReductionMs),
    };
  }
}

/** The shortest lifetime that counts (see the header): one under it is taken as not given. */
const MIN_TOKEN_LIFETIME_MS = 1000;

/**
 * When a token requested at `requestedAt` is renewed: `reductionMs` before its expiry, which
 * `expires_in` (seconds from the request, on the monotonic clock) gives, else the JWT's `exp` (on
 * the wall clock); never when neither gives a lifetime of `MIN_TOKEN_LIFETIME_MS` or more.
 */
function renewalOf(token: string, expiresIn: unknown, requestedAt: Moment, reductionMs: number): Renewal {
  // The margin never exceeds half the token's lifetime: a 20 s token with a 30 s margin would
  // otherwise be fetched again before every request.
  const margin = (lifetimeMs: number) => Math.min(reductionMs, lifetimeMs / 2);
  const seconds = typeof expiresIn === "string" && expiresIn.trim() !== "" ? Number(expiresIn) : expiresIn;
  if (typeof seconds === "number" && Number.isFinite(seconds) && seconds * 1000 >= MIN_TOKEN_LIFETIME_MS) {
    const lifetimeMs = seconds * 1000;
    return { at: requestedAt.monotonic + lifetimeMs - margin(lifetimeMs), on: "monotonic" };
  }
  const lifetimeMs = jwtExpiryMs(token) - requestedAt.wall;
  if (lifetimeMs >= MIN_TOKEN_LIFETIME_MS)
    return { at: requestedAt.wall + lifetimeMs - margin(lifetimeMs), on: "wall" };
  return { at: null, on: "wall" };
}

/** The JWT's `exp` in milliseconds; NaN for an opaque (non-JWT) token or one without `exp`. */
function jwtExpiryMs(token: string): number {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === "number" ? exp * 1000 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
