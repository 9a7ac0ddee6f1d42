/**
 * The errors of an OAuth2/OIDC token request (TokenProvider, token-provider.ts) and their words:
 * what a caller's retries read (RetriableTokenRequestError, with a 429 or 503 answer's Retry-After
 * as `retryAfterMs`, a least wait as an API response's in src/http/retry-policy.ts) and what an
 * operator reads in a status trace. A message names the endpoint as `shownTokenEndpoint` shows it
 * (without user info, query or fragment; its origin only when it came through a config provider), quotes only the OAuth2 `error` and `error_description` of an answer, with what the
 * request sent as credentials hidden where the description echoes it, and never the access token.
 */
import { ConnectError, RetriableError } from "../errors.ts";
import { parseRetryAfter } from "../util/backoff.ts";
import { HIDDEN } from "../util/logger.ts";
import { withSecretForms } from "../util/secret-forms.ts";
import { secretQueryName } from "../util/secret-query-name.ts";
import { classifiedStatus } from "./classified-status.ts";
import { formDecoded } from "./form-value.ts";
import { HttpResponseTooLargeError, HttpTransportError } from "./http-client.ts";
import { isNotHttpFailure } from "./network-exception.ts";
import { originOnly } from "./shown-url.ts";

/**
 * The token endpoint was reached but gave no token: it refused the request (a 4xx other than 429),
 * or its answer is no token response (a 2xx without access_token, a body that does not decompress
 * or is over the size limit, a 3xx). A key being rotated or an endpoint misconfigured for a while
 * may pass, so the HTTP source lets behavior.on.error decide, as for the API's 401 or an unreadable
 * page; the HTTP sink fails its task.
 */
export class TokenRequestError extends ConnectError {
  override name = "TokenRequestError";
}

/** The token endpoint could not be reached or answered 429/5xx: worth another try. */
export class RetriableTokenRequestError extends RetriableError {
  override name = "RetriableTokenRequestError";
  /** The endpoint's Retry-After on a 429 or 503, in ms: the least wait before the next try. */
  retryAfterMs?: number;
}

const decoder = new TextDecoder();

/** How messages name the endpoint: the HTTP sink's OIDC keys, or the HTTP source's OAuth2 ones. */
export type TokenEndpointName = "OIDC token endpoint" | "OAuth2 token endpoint";
const DEFAULT_NAME: TokenEndpointName = "OIDC token endpoint";

/** The `endpoint` (shownTokenEndpoint) was reached, but its answer is no token response (`detail` says why). */
export function unusableAnswer(
  endpoint: string,
  detail: string,
  name: TokenEndpointName = DEFAULT_NAME,
): TokenRequestError {
  return new TokenRequestError(
    `the ${name} ${endpoint} was reached, but its answer is not a token response: ${detail}`,
  );
}

/** A token request to `endpoint` (shownTokenEndpoint) that got no answer it could read (`error`, from the HttpClient). */
export function requestFailure(
  error: unknown,
  endpoint: string,
  timeoutMs: number,
  name: TokenEndpointName = DEFAULT_NAME,
): ConnectError {
  // Reached, but the answer cannot be read: it would be as unusable again, so not retried.
  if (error instanceof HttpTransportError && error.failure === "decode") {
    return unusableAnswer(endpoint, "its body does not decompress as its Content-Encoding says", name);
  }
  if (error instanceof HttpResponseTooLargeError) {
    return unusableAnswer(endpoint, `its body is larger than the limit of ${error.limit} bytes`, name);
  }
  // Reached, but what came is not HTTP/1.1 (a wrong port): the cause names it and who sent it.
  if (error instanceof HttpTransportError && isNotHttpFailure(error)) {
    const { message } = error.cause as Error;
    return new RetriableTokenRequestError(`Could not read the answer of the ${name} ${endpoint}: ${message}`, {
      cause: error,
    });
  }
  // Reached, and its head came: it did answer, so it was not "not reached" (worth another try all the same).
  if (error instanceof HttpTransportError && error.headStatus !== undefined) {
    const sent = `the ${name} ${endpoint} sent its response headers (HTTP ${error.headStatus}) but not its body`;
    const why =
      error.failure === "timeout" ? `${sent} within ${timeoutMs} ms` : `${sent}: ${unreachable(error, timeoutMs)}`;
    return new RetriableTokenRequestError(why, { cause: error });
  }
  const why = unreachable(error, timeoutMs);
  return new RetriableTokenRequestError(`Could not reach the ${name} ${endpoint}${why ? ` (${why})` : ""}`, {
    cause: error,
  });
}

/**
 * The error for a non-2xx answer of the `endpoint` (shownTokenEndpoint): retriable for 429 and 5xx (with a
 * 429's or 503's Retry-After, read at `now`), a TokenRequestError for another status, `sent`
 * (sentSecrets) hidden in what it quotes.
 */
export function refusal(
  response: { readonly status: number; readonly headers: Headers; readonly body: Uint8Array },
  endpoint: string,
  sent: readonly string[],
  now: number,
  name: TokenEndpointName = DEFAULT_NAME,
): ConnectError {
  // Classified as an API's answer is (a 099 or a 999 is a 500: retried); the message keeps the status sent.
  const status = classifiedStatus(response.status);
  const detail = oauthError(response.body, sent);
  const redirect = status >= 300 && status < 400 ? " (token requests do not follow redirects)" : "";
  const message = `the ${name} ${endpoint} answered HTTP ${response.status}${detail ? ` (${detail})` : ""}${redirect}`;
  if (status === 429 || status >= 500) {
    const retriable = new RetriableTokenRequestError(message);
    const after =
      response.status === 429 || response.status === 503
        ? parseRetryAfter(response.headers.get("retry-after"), now)
        : null;
    if (after !== null) retriable.retryAfterMs = after;
    return retriable;
  }
  return new TokenRequestError(message);
}

/**
 * Form fields of a token request whose values are credentials: those SECRET_FIELD names, and those
 * a URL's query would hide by their names (secretQueryName: `api_key`, `code_verifier`, `pwd`, …).
 */
const SECRET_FIELD = /secret|password|assertion|token/i;

/** Shorter values are not hidden: they would blot out ordinary words of a description. */
const MIN_SECRET_LENGTH = 4;

/**
 * What a token request carried that an endpoint's error may quote back (an `error_description`
 * echoing the request): the Basic credential (base64 of id and secret), the Basic password itself
 * (`basicPassword`: an endpoint that decoded the header may quote the secret it read; as given and
 * form-decoded) and the values of secret form fields, each in the forms it may be quoted in
 * (util/secret-forms.ts: form-encoded as sent, percent-encoded, trimmed).
 */
export function sentSecrets(body: string, basic: string | undefined, basicPassword?: string): string[] {
  const sent = basic === undefined ? [] : [basic];
  if (basicPassword !== undefined) sent.push(basicPassword, formDecoded(basicPassword));
  for (const [name, value] of new URLSearchParams(body)) {
    if (SECRET_FIELD.test(name) || secretQueryName(name)) sent.push(value);
  }
  return withSecretForms(sent, MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
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
 * The token endpoint as messages show it: its origin followed by `/…` when its key came through a
 * config provider (`fromProvider`, PluginContext.providedKeys: shown-url.ts's originOnly, as the
 * connectors' own URLs), else without user info, query or fragment (stricter than http-client's
 * `redactUrl`, since a token URL's query is likely to carry credentials).
 */
export function shownTokenEndpoint(url: string, fromProvider: boolean): string {
  if (fromProvider) return originOnly(url);
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
export function contentTypeOf(headers: Headers): string {
  const value = headers.get("content-type");
  if (value === null || value.trim() === "") return "no Content-Type";
  const media = value
    .split(";")[0]!
    .trim()
    .replace(/[^\x21-\x7e]/g, "?")
    .slice(0, 100);
  return `Content-Type ${media}`;
}

/** Why a token request got no response (or, its head come, no body), in words that carry no URL or secret. */
function unreachable(error: unknown, timeoutMs: number): string {
  if (!(error instanceof HttpTransportError)) return "";
  switch (error.failure) {
    case "timeout":
      return `no answer within ${timeoutMs} ms`;
    case "connect":
      return error.proxyRefused
        ? ((error.cause as Error | undefined)?.message ?? "the proxy refused to open a tunnel")
        : "connection refused or host unreachable";
    case "tls":
      return `TLS: ${(error.cause as Error | undefined)?.message ?? "handshake failed"}`;
    default:
      return "the connection failed";
  }
}
