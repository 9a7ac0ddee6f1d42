/**
 * The errors of the outbound HTTP client (http-client.ts): a request that got no response
 * (`HttpTransportError`, retriable, with the kind of failure read from what fetch threw) and a
 * response body past the client's limit (`HttpResponseTooLargeError`, not retriable). Any HTTP status
 * is a response, never one of these.
 */
import { ConnectError, RetriableError } from "../errors.ts";
import { isVerifyFailure } from "../tls/verify-codes.ts";
import { isNotHttpCode, runtimeWords } from "./network-exception.ts";

/** `decode`: a body its Content-Encoding does not describe (not gzip, deflate, br or zstd after all). */
export type TransportFailure = "connect" | "timeout" | "tls" | "io" | "decode";

/** A request that got no HTTP response: nothing reached the caller. */
export class HttpTransportError extends RetriableError {
  override name = "HttpTransportError";
  /**
   * The status of the response whose head had come when the failure came (a body stalled or cut off after the
   * headers: the endpoint did answer, though not in full); undefined when no head came.
   */
  readonly headStatus: number | undefined;
  /** Bun's code of the failure ("" when it gave none or the request timed out). */
  readonly code: string;
  constructor(
    readonly failure: TransportFailure,
    message: string,
    options?: ErrorOptions & { readonly headStatus?: number; readonly code?: string },
  ) {
    super(message, options);
    this.headStatus = options?.headStatus;
    this.code = options?.code ?? "";
  }

  /** Whether the peer answered with something that is not HTTP/1.1 (network-exception.ts's isNotHttpCode). */
  get notHttp(): boolean {
    return isNotHttpCode(this.code);
  }

  /** Whether the proxy (HTTPS_PROXY) refused to open a tunnel to the endpoint: a `connect` failure no host refused. */
  get proxyRefused(): boolean {
    return this.code === "ERR_PROXY_TUNNEL";
  }
}

/** The response body is larger than `maxResponseBytes` (not retried: it would be as large again). */
export class HttpResponseTooLargeError extends ConnectError {
  override name = "HttpResponseTooLargeError";
  constructor(
    message: string,
    /** The limit passed, in bytes. */
    readonly limit: number,
  ) {
    super(message);
  }
}

/**
 * Codes that name a connection never made: refused, no such host (EAI_AGAIN: the resolver did not answer in time, an
 * UnknownHostException as Java reports it), no route, no socket, a proxy that refused to open a tunnel to the host
 * (ERR_PROXY_TUNNEL: its status, 407 or 502, is no answer of the endpoint).
 */
const CONNECT_CODES =
  /^(ECONNREFUSED|ConnectionRefused|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|FailedToOpenSocket|ERR_PROXY_TUNNEL)$/;

export { CLASSIFIED_CHARS } from "./network-exception.ts";

/**
 * The kind of failure an error thrown by fetch (or by reading its body) is, from its code first: a certificate that
 * did not verify (tls/verify-codes.ts, e.g. PATH_LENGTH_EXCEEDED, whose text names no certificate) is `tls`, an
 * answer that is not HTTP/1.1 `io`. Only a code that says neither is read by its message's words, without the URL it
 * quotes: an endpoint at `…/certificates/in` or `…/dns` that answers an SSH banner is no TLS or DNS failure.
 */
export function transportFailureOf(error: unknown): TransportFailure {
  const code = String((error as { code?: unknown }).code ?? "");
  if (/^(ZlibError|BrotliDecompressionError|ZstdDecompressionError)$/.test(code)) return "decode";
  if (isVerifyFailure(code)) return "tls";
  if (isNotHttpCode(code)) return "io";
  if (CONNECT_CODES.test(code)) return "connect";
  const text = `${code} ${runtimeWords(error)}`;
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME|certificate/i.test(text)) return "tls";
  if (/Refused|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|FailedToOpenSocket|DNS/i.test(text)) return "connect";
  return "io";
}
