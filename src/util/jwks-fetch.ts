/**
 * Fetching an identity provider's JSON Web Key Set for `jwks-cache.ts` (the admin API's bearer
 * authentication and ingest JWT authentication): the fetch, the parsing and how long a set stays
 * fresh.
 */
import { createLocalJWKSet, type JSONWebKeySet } from "jose";
import { messageOf } from "../errors.ts";
import { tlsVerificationFailure } from "../http/tls-verification-failure.ts";

export type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

export interface FetchedKeySet {
  readonly set: LocalKeySet;
  /** The key ids the set names. */
  readonly kids: ReadonlySet<string>;
  /** How long the response says the set stays fresh; undefined when it says nothing. */
  readonly freshnessMs: number | undefined;
}

/**
 * The largest key set read (a JWKS is a few KB): a response that is larger, or says it will be,
 * is refused before it is all in memory (security hunt 2026-12-02: it was read whole, so a
 * misconfigured URL serving a large file could exhaust an edge device's memory).
 */
export const MAX_JWKS_BYTES = 1_048_576;

/** The response's body as text, refused past `max` bytes. */
async function boundedText(response: Response, max: number): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (declared > max) {
    await response.body?.cancel().catch(() => {});
    throw new Error(`the response has ${declared} bytes, more than ${max}`);
  }
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new Error(`the response is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The set could not be fetched or is not a key set (the provider's fault: 503, not 401). */
export class JwksUnavailableError extends Error {
  override name = "JwksUnavailableError";
}

export interface FetchKeySetOptions {
  readonly timeoutMs: number;
  readonly fetch?: (url: URL, init: RequestInit) => Promise<Response>;
}

/**
 * Freshness lifetime from Cache-Control (`max-age` less `Age`; `no-store`/`no-cache` as 0) or
 * Expires, or undefined when the response gives neither.
 */
export function freshnessMs(headers: Headers, nowMs: number): number | undefined {
  const cc = headers.get("cache-control")?.toLowerCase() ?? "";
  if (/(^|,)\s*(no-store|no-cache)\b/.test(cc)) return 0;
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/.exec(cc);
  if (maxAge) {
    const age = Number(headers.get("age") ?? 0);
    return Math.max(0, Number(maxAge[1]) - (Number.isFinite(age) ? age : 0)) * 1000;
  }
  const expires = headers.get("expires");
  if (expires) {
    const at = Date.parse(expires);
    return Number.isNaN(at) ? 0 : Math.max(0, at - nowMs);
  }
  return undefined;
}

/** The URL as errors show it: no credentials, no query. */
export function shownJwksUrl(url: URL): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  u.search = "";
  return u.toString();
}

/**
 * `text` without the URL's query and password: Bun's fetch errors can quote the URL they fetched
 * (a refused redirect says `UnexpectedRedirect fetching "http://idp/jwks?key=…"`), which undid
 * `shownJwksUrl` in the WARN that reports the failure (security hunt 2026-12-02).
 */
export function withoutUrlSecrets(text: string, url: URL): string {
  let out = text;
  for (const secret of [url.search, url.password]) {
    if (secret.length > 1) out = out.split(secret).join("");
  }
  return out;
}

/** Fetches and parses the set; redirects are refused (the configured URL is the trust anchor). */
export async function fetchKeySet(url: URL, options: FetchKeySetOptions): Promise<FetchedKeySet> {
  const shown = shownJwksUrl(url);
  const timedOut = (error: unknown) =>
    (error as { name?: unknown } | null)?.name === "TimeoutError"
      ? new JwksUnavailableError(
          `cannot fetch the JWKS from ${shown}: no complete response within ${options.timeoutMs} ms`,
        )
      : undefined;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      headers: { Accept: "application/json" },
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: "error",
    });
  } catch (error) {
    // One message for the timeout whether the headers or the body stalled (review68).
    // A certificate that did not verify is named as the HTTP connectors name it (host and port only).
    const code = (error as { code?: unknown } | null)?.code;
    const untrusted = typeof code === "string" ? tlsVerificationFailure(code, url.href) : undefined;
    throw (
      timedOut(error) ??
      new JwksUnavailableError(
        `cannot fetch the JWKS from ${shown}: ${untrusted ?? withoutUrlSecrets(messageOf(error), url)}`,
      )
    );
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new JwksUnavailableError(`the JWKS at ${shown} answered HTTP ${response.status}`);
  }
  let text: string;
  try {
    text = await boundedText(response, MAX_JWKS_BYTES);
  } catch (error) {
    // The timeout covers the body too: a body that stalls is a fetch that failed, not a set that is
    // no key set, as its message said (adminauth hunt 2026-12-03).
    throw (
      timedOut(error) ?? new JwksUnavailableError(`the JWKS at ${shown} is not a JSON Web Key Set: ${messageOf(error)}`)
    );
  }
  try {
    const body = JSON.parse(text) as JSONWebKeySet;
    const set = createLocalJWKSet(body);
    const kids = new Set(body.keys.flatMap((k) => (typeof k.kid === "string" ? [k.kid] : [])));
    return { set, kids, freshnessMs: freshnessMs(response.headers, Date.now()) };
  } catch (error) {
    throw new JwksUnavailableError(`the JWKS at ${shown} is not a JSON Web Key Set: ${messageOf(error)}`);
  }
}
