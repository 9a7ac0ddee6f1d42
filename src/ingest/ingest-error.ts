/**
 * IngestError: a request the ingest listener refuses, with the HTTP status and Confluent REST
 * Proxy's error code (`{"error_code": 42206, "message": "…"}`, see shared/rest-proxy-api.md). Stages
 * and parsers throw it; `ingestErrorResponse` is the one place it becomes an HTTP response, and
 * `failedAnswer` maps any other failure of a request (a generic 500: the detail goes to the log
 * only, rate-limited by InternalErrorLog); `notFound` is the listener's 404.
 */
import { ConnectError } from "../errors.ts";
import type { IngestHandlerDeps } from "./ingest-pipeline-contract.ts";
import { InternalErrorLog } from "./internal-error-log.ts";

export interface IngestErrorOptions {
  /** Seconds for a Retry-After header (429, 503). */
  readonly retryAfterSeconds?: number;
  /** Extra response headers (e.g. WWW-Authenticate for 401). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

export class IngestError extends ConnectError {
  override name = "IngestError";

  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
    readonly options: IngestErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** REST Proxy's codes used here (Errors.java, rest-utils). */
export const ErrorCodes = {
  BAD_REQUEST: 400,
  /** A failure of the gateway's own (rest-utils' generic code). */
  INTERNAL_SERVER_ERROR: 500,
  UNAUTHORIZED: 40101,
  FORBIDDEN: 40301,
  TOPIC_NOT_FOUND: 40401,
  PARTITION_NOT_FOUND: 40402,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Idempotency-Key reused with another body. */
  IDEMPOTENCY_MISMATCH: 422,
  JSON_CONVERSION: 42203,
  INVALID_PAYLOAD: 42206,
  BATCH_VALIDATION: 42208,
  TOO_MANY_REQUESTS: 42901,
  KAFKA_ERROR: 50002,
  KAFKA_RETRIABLE_ERROR: 50003,
  BROKER_NOT_AVAILABLE: 50302,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
} as const;

/**
 * REST Proxy's error_code for a record Kafka did not write: 40301 when it refused the gateway's
 * principal the topic (as REST Proxy maps an AuthorizationException), else 50003 retriable or 50002.
 */
export function failedRecordCode(failed: { readonly retriable: boolean; readonly denied?: true }): number {
  if (failed.denied) return ErrorCodes.FORBIDDEN;
  return failed.retriable ? ErrorCodes.KAFKA_RETRIABLE_ERROR : ErrorCodes.KAFKA_ERROR;
}

export const badRequest = (message: string, code: number = ErrorCodes.BAD_REQUEST) =>
  new IngestError(400, code, message);
export const unprocessable = (message: string, code: number = ErrorCodes.INVALID_PAYLOAD) =>
  new IngestError(422, code, message);
export const unavailable = (message: string, retryAfterSeconds: number) =>
  new IngestError(503, ErrorCodes.SERVICE_UNAVAILABLE, message, { retryAfterSeconds });
export const topicNotFound = () => new IngestError(404, ErrorCodes.TOPIC_NOT_FOUND, "Topic not found.");
/** REST Proxy requests for a topic several ingest connectors accept and none of them alone names (route-table.ts byTopic). */
export const sharedTopic = (topic: string, connectors: readonly string[]) =>
  connectors.length < 2
    ? undefined
    : new IngestError(404, ErrorCodes.TOPIC_NOT_FOUND, sharedTopicMessage(topic, connectors));

export const sharedTopicMessage = (topic: string, connectors: readonly string[]) =>
  `REST Proxy produce requests for topic ${topic} are accepted by more than one ingest connector (${connectors.join(", ")}), so none serves them: name the topic in ingest.rest.proxy.topics of the one that should, or set ingest.rest.proxy.enable=false on the others`;

/** The REST Proxy error body, with `error_code` first as the proxy writes it. */
export function errorBody(errorCode: number, message: string): string {
  return JSON.stringify({ error_code: errorCode, message });
}

export function ingestErrorResponse(error: IngestError, redact: (s: string) => string = (s) => s): Response {
  const headers: Record<string, string> = { "Content-Type": "application/json", ...error.options.headers };
  if (error.options.retryAfterSeconds !== undefined) headers["Retry-After"] = String(error.options.retryAfterSeconds);
  return new Response(errorBody(error.errorCode, redact(error.message)), { status: error.status, headers });
}

export const NOT_FOUND_MESSAGE = "HTTP 404 Not Found";

export function notFound(): Response {
  return new Response(errorBody(404, NOT_FOUND_MESSAGE), {
    status: 404,
    headers: { "Content-Type": "application/json" },
  });
}

/** A connector's path asked with a method other than POST. */
export function methodNotAllowed(): Response {
  return new Response(errorBody(ErrorCodes.METHOD_NOT_ALLOWED, "HTTP 405 Method Not Allowed"), {
    status: 405,
    headers: { "Content-Type": "application/json", Allow: "POST" },
  });
}

/** What a client is told of a failure of the gateway's own: nothing of its text (it is in the log). */
export const INTERNAL_ERROR_MESSAGE = "Internal Server Error";

/** The internal-error log of each handler (its deps object). */
const internalErrorLogs = new WeakMap<object, InternalErrorLog>();

/** Logs (rate-limited, without request data) a failure of the gateway's own on `label`. */
export function reportInternalError(
  deps: Pick<IngestHandlerDeps, "log" | "clock">,
  label: string,
  error: unknown,
): void {
  let log = internalErrorLogs.get(deps);
  if (log === undefined) {
    log = new InternalErrorLog(deps.log, deps.clock);
    internalErrorLogs.set(deps, log);
  }
  log.report(label, error);
}

/** The one error mapping of the ingest listener. */
export function failedAnswer(
  deps: Pick<IngestHandlerDeps, "log" | "redact" | "clock">,
  label: string,
  error: unknown,
  redact: (text: string) => string = (text) => deps.redact(text),
): Response {
  if (error instanceof IngestError) return ingestErrorResponse(error, redact);
  reportInternalError(deps, label, error);
  return new Response(errorBody(ErrorCodes.INTERNAL_SERVER_ERROR, INTERNAL_ERROR_MESSAGE), {
    status: 500,
    headers: { "Content-Type": "application/json" },
  });
}
