/**
 * The one place errors become HTTP responses: Connect's ConnectExceptionMapper. Every REST error
 * body is `{"error_code": <status>, "message": <text>}`; messages pass through the log manager's
 * redaction so a registered secret never reaches a client. A write that failed because the
 * worker's SQLite file is full (SQLITE_FULL) stays a 500, as Connect answers a failed config-topic
 * write (ConnectExceptionMapper), with a message saying so and what to do instead of SQLite's text.
 * Any other SQLite failure behind a 500 (a disk I/O error, a read-only file) is logged at ERROR
 * with SQLite's code, so an operator finds why the API refused writes without DEBUG logging; when
 * it is one of the volume (SQLITE_IOERR_*, SQLITE_READONLY_*, SQLITE_CANTOPEN_*) the answer says so
 * in words instead of SQLite's bare "disk I/O error".
 */
import { AlreadyExistsError, messageOf, NotFoundError, RestError } from "../errors.ts";
import { isStoreFull, STORE_FULL_MESSAGE, storeErrorCode, storeVolumeFailureMessage } from "../store/store-full.ts";
import type { LogManager } from "../util/logger.ts";
import { jacksonStringify } from "./jackson/json-writer.ts";

export interface ErrorBody {
  error_code: number;
  message: string | null;
}

export function errorStatus(error: unknown): number {
  if (error instanceof RestError) return error.status;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof AlreadyExistsError) return 409;
  return 500;
}

export function errorResponse(error: unknown, logs: LogManager): Response {
  const status = errorStatus(error);
  const full = isStoreFull(error);
  const mapper = logs.get("org.apache.kafka.connect.runtime.rest.errors.ConnectExceptionMapper");
  const storeCode = status === 500 && !full ? storeErrorCode(error) : undefined;
  if (full) mapper.error(STORE_FULL_MESSAGE, error);
  else if (storeCode !== undefined)
    mapper.error(
      `A REST request failed on the worker's state store in data.dir (${storeCode}): ${messageOf(error)}`,
      error,
    );
  const volume = storeCode !== undefined ? storeVolumeFailureMessage(error) : undefined;
  const message = full ? STORE_FULL_MESSAGE : (volume ?? logs.redact(messageOf(error)));
  const body: ErrorBody = { error_code: status, message };
  // A body refused (too large, too slow) was not read to its end: the connection cannot be reused.
  const close = status === 408 || status === 413 ? { Connection: "close" } : {};
  return new Response(jacksonStringify(body), { status, headers: { "Content-Type": "application/json", ...close } });
}

/** Jersey's texts for framework-level failures. */
export const HTTP_MESSAGES = {
  404: "HTTP 404 Not Found",
  405: "HTTP 405 Method Not Allowed",
  406: "HTTP 406 Not Acceptable",
  415: "HTTP 415 Unsupported Media Type",
} as const;
