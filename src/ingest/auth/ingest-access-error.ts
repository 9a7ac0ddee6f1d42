/**
 * Refusals of the ingest security stages (authentication 401, authorization 403, quota 429,
 * unavailable identity provider or full spool 503), carrying REST Proxy's error code and the
 * response headers the status needs (WWW-Authenticate, Retry-After). Thrown by the stages and
 * turned into `{"error_code", "message"}` bodies by the ingest route's one error mapping
 * (`accessErrorResponse` until then).
 */
import { RestError } from "../../errors.ts";

/** REST Proxy error codes (rest-proxy-api.md, Errors.java). */
export const REST_PROXY_CODES = { 401: 40101, 403: 40301, 429: 42901, 503: 50302 } as const;

export class IngestAccessError extends RestError {
  override name = "IngestAccessError";
  constructor(
    status: 401 | 403 | 429 | 503,
    message: string,
    readonly headers: Readonly<Record<string, string | readonly string[]>> = {},
    readonly errorCode: number = REST_PROXY_CODES[status],
  ) {
    super(status, message);
  }
}

/** The REST Proxy-shaped response of a refusal. */
export function accessErrorResponse(error: IngestAccessError): Response {
  const headers = new Headers({ "Content-Type": "application/json" });
  for (const [name, value] of Object.entries(error.headers)) {
    for (const v of typeof value === "string" ? [value] : value) headers.append(name, v);
  }
  return new Response(JSON.stringify({ error_code: error.errorCode, message: error.message }), {
    status: error.status,
    headers,
  });
}
