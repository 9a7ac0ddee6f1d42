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
 *
 * Concurrency: callers that find no valid token share one fetch (single flight); a caller's
 * `signal` aborts only its own wait. `invalidate(token)` after a 401 drops that token (and only
 * that one: a token renewed meanwhile stays), so the next `token()` fetches exactly once.
 *
 * A 429 or 503 answer's Retry-After rides on the RetriableTokenRequestError (`retryAfterMs`): the
 * caller's retries take it as a least wait, as an API response's (src/http/retry-policy.ts).
 * The access token and the request body (client secrets) never appear in errors or logs, and never
 * follow a redirect: a 3xx from the token endpoint is a TokenRequestError.
 */
import { decodeJwt } from "jose";
import { ConnectError, RetriableError } from "../errors.ts";
import { ABORTED, abortable } from "../util/async.ts";
import { parseRetryAfter } from "../util/backoff.ts";
import { type Clock, type Moment, momentOf, monotonicNow } from "../util/clock.ts";
import { HIDDEN } from "../util/logger.ts";
import { basicCredentials } from "./basic-credentials.ts";
import { classifiedStatus } from "./classified-status.ts";
import { HttpResponseTooLargeError, HttpTransportError } from "./http-client.ts";

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
  }): Promise<{ status: number; headers: Headers; body: Uint8Array }>;
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
}

/** The token endpoint refused the request or answered something that is not a token response. */
export class TokenRequestError extends ConnectError {
  override name = "TokenRequestError";
}

/** The token endpoint could not be reached or answered 429/5xx: worth another try. */
export class RetriableTokenRequestError extends RetriableError {
  override name = "RetriableTokenRequestError";
  /** The endpoint's Retry-After on a 429 or 503, in ms: the least wait before the next try. */
  retryAfterMs?: number;
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

  constructor(private readonly o: TokenProviderOptions) {
    this.basic = o.basicAuth ? basicCredentials(o.basicAuth.user, o.basicAuth.password) : undefined;
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
    const where = `the OIDC token endpoint ${shownEndpoint(this.o.tokenUrl)}`;
    const unusable = (detail: string) =>
      new TokenRequestError(`${where} was reached, but its answer is not a token response: ${detail}`);
    let response: { status: number; headers: Headers; body: Uint8Array };
    try {
      response = await this.o.client.request({
        method: "POST",
        url: this.o.tokenUrl,
        headers,
        body,
        timeoutMs: this.o.timeoutMs ?? 30_000,
        // A redirect would carry the client credentials elsewhere: the configured URL must be the endpoint.
        followRedirects: false,
      });
    } catch (error) {
      // Reached, but the answer cannot be read: it would be as unusable again, so not retried.
      if (error instanceof HttpTransportError && error.failure === "decode") {
        throw unusable("its body does not decompress as its Content-Encoding says");
      }
      if (error instanceof HttpResponseTooLargeError) {
        throw unusable(`its body is larger than the limit of ${error.limit} bytes`);
      }
      const why = unreachable(error, this.o.timeoutMs ?? 30_000);
      throw new RetriableTokenRequestError(
        `Could not reach the OIDC token endpoint ${shownEndpoint(this.o.tokenUrl)}${why ? ` (${why})` : ""}`,
        { cause: error },
      );
    }
    // Classified as an API's answer is (a 099 or a 999 is a 500: retried); the message keeps the status sent.
    const status = classifiedStatus(response.status);
    if (status < 200 || status >= 300) {
      const detail = oauthError(response.body, sentSecrets(body, basic));
      const redirect = status >= 300 && status < 400 ? " (token requests do not follow redirects)" : "";
      const message = `${where} answered HTTP ${response.status}${detail ? ` (${detail})` : ""}${redirect}`;
      if (status === 429 || status >= 500) {
        const retriable = new RetriableTokenRequestError(message);
        const after =
          response.status === 429 || response.status === 503
            ? parseRetryAfter(response.headers.get("retry-after"), this.o.clock.now())
            : null;
        if (after !== null) retriable.retryAfterMs = after;
        throw retriable;
      }
      throw new TokenRequestError(message);
    }
    const answered = `HTTP ${response.status} with ${contentTypeOf(response.headers)}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(decoder.decode(response.body));
    } catch {
      throw unusable(`${answered} and a body that is not JSON`);
    }
    const fields = (parsed ?? {}) as { access_token?: unknown; expires_in?: unknown };
    if (typeof fields.access_token !== "string" || fields.access_token === "") {
      throw unusable(`${answered} and no access_token in it`);
    }
    return {
      token: fields.access_token,
      renewal: renewalOf(fields.access_token, fields.expires_in, requestedAt, this.o.expiryReductionMs),
    };
  }
}

/**
 * When a token requested at `requestedAt` is renewed: `reductionMs` before its expiry, which
 * `expires_in` (seconds from the request, on the monotonic clock) gives, else the JWT's `exp` (on
 * the wall clock); never when neither is known.
 */
function renewalOf(token: string, expiresIn: unknown, requestedAt: Moment, reductionMs: number): Renewal {
  // The margin never exceeds half the token's lifetime: a 20 s token with a 30 s margin would
  // otherwise be fetched again before every request.
  const margin = (lifetimeMs: number) => Math.min(reductionMs, Math.max(0, lifetimeMs / 2));
  const seconds = typeof expiresIn === "string" && expiresIn.trim() !== "" ? Number(expiresIn) : expiresIn;
  if (typeof seconds === "number" && Number.isFinite(seconds)) {
    const lifetimeMs = seconds * 1000;
    return { at: requestedAt.monotonic + lifetimeMs - margin(lifetimeMs), on: "monotonic" };
  }
  try {
    const { exp } = decodeJwt(token);
    if (typeof exp === "number") return { at: exp * 1000 - margin(exp * 1000 - requestedAt.wall), on: "wall" };
  } catch {
    // An opaque (non-JWT) token: its lifetime is unknown.
  }
  return { at: null, on: "wall" };
}

/** Form fields of a token request whose values are credentials. */
const SECRET_FIELD = /secret|password|assertion|token/i;

/**
 * What a token request carried that an endpoint's error may quote back (an `error_description`
 * echoing the request): the Basic credential (base64 of id and secret) and the values of secret
 * form fields, as sent and decoded.
 */
function sentSecrets(body: string, basic: string | undefined): string[] {
  const out = basic === undefined ? [] : [basic];
  for (const [name, value] of new URLSearchParams(body))
    if (SECRET_FIELD.test(name)) out.push(value, new URLSearchParams([["", value]]).toString().slice(1));
  return out.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

/**
 * Only the OAuth2 `error` code and description: never echo anything else the endpoint sent, nor
 * `hidden` (sentSecrets) where the description quotes the request.
 */
function oauthError(body: Uint8Array, hidden: readonly string[]): string | undefined {
  try {
    const json = JSON.parse(decoder.decode(body)) as { error?: unknown; error_description?: unknown };
    const parts = [json.error, json.error_description].filter((p): p is string => typeof p === "string");
    if (parts.length === 0) return undefined;
    let text = parts.join(": ");
    for (const secret of hidden) text = text.split(secret).join(HIDDEN);
    return text.slice(0, 200);
  } catch {
    return undefined;
  }
}

/**
 * The token endpoint without user info, query or fragment, for messages: stricter than
 * http-client's `redactUrl`, since a token URL's query is likely to carry credentials.
 */
function shownEndpoint(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString();
  } catch {
    return "(invalid URL)";
  }
}

/** The answer's Content-Type for messages: printable, its media type only (no parameters), bounded. */
function contentTypeOf(headers: Headers): string {
  const value = headers.get("content-type");
  if (value === null || value.trim() === "") return "no Content-Type";
  const media = value
    .split(";")[0]!
    .trim()
    .replace(/[^\x21-\x7e]/g, "?")
    .slice(0, 100);
  return `Content-Type ${media}`;
}

/** Why a token request got no response, in words that carry no URL or secret. */
function unreachable(error: unknown, timeoutMs: number): string {
  if (!(error instanceof HttpTransportError)) return "";
  switch (error.failure) {
    case "timeout":
      return `no answer within ${timeoutMs} ms`;
    case "connect":
      return "connection refused or host unreachable";
    case "tls":
      return `TLS: ${(error.cause as Error | undefined)?.message ?? "handshake failed"}`;
    default:
      return "the connection failed";
  }
}
