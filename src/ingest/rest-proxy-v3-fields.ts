/**
 * A REST Proxy v3 record's fields decoded and checked, for rest-proxy-v3.ts (and decodeBase64 for
 * rest-proxy-v2.ts): base64 data, the record's own headers (names validated, count bounded by
 * ingest.max.record.headers, gateway-stamped names dropped) and its timestamp (bounded by
 * ingest.timestamp.max.future.ms). A problem with one record throws RecordError, which the parser
 * turns into that record's own report (400 unless it says otherwise) while the others are written.
 */

import type { IngestHeaderValue } from "./ingest-record.ts";
import { CONTROL_CHARACTER } from "./kafka-header-name.ts";
import type { IngestRouteSettings } from "./route-settings.ts";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes standard base64 (padded, as Java's Base64 decoder wants), or null when it is not. */
export function decodeBase64(text: string): Uint8Array | null {
  if (!BASE64.test(text)) return null;
  return Buffer.from(text, "base64");
}

/** A problem with one record: reported for it alone (error_code 400 unless given). */
export class RecordError extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly errorCode = 400,
  ) {
    super(message);
  }
}

function headerValue(value: string | null | undefined): IngestHeaderValue {
  if (value === undefined || value === null) return null;
  const bytes = decodeBase64(value);
  if (!bytes) throw new RecordError(`Bad Request: header value=${value} is not a base64 string.`);
  // Text headers stay text, so the header converter writes exactly these bytes back.
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes;
  }
}

/**
 * A record's own headers: names validated (non-empty, no control characters), at most
 * ingest.max.record.headers of them, those named like a header the gateway stamps dropped (so a
 * client cannot shadow them: Java's Headers.lastHeader would return the client's, appended last).
 */
export function clientHeaders(
  settings: IngestRouteSettings,
  headers: readonly { name: string; value?: string | null }[],
): (readonly [string, IngestHeaderValue])[] {
  const max = settings.limits.maxRecordHeaders;
  if (headers.length > max)
    throw new RecordError(
      `Bad Request: the record has ${headers.length} headers, more than ${max} (ingest.max.record.headers)`,
    );
  const stamped = settings.headers.stamped;
  const out: (readonly [string, IngestHeaderValue])[] = [];
  for (const { name, value } of headers) {
    if (name === "") throw new RecordError("Bad Request: a header name must not be empty");
    if (CONTROL_CHARACTER.test(name))
      throw new RecordError(`Bad Request: header name ${JSON.stringify(name)} contains a control character`);
    const decoded = headerValue(value);
    if (!stamped.has(name.toLowerCase())) out.push([name, decoded]);
  }
  return out;
}

/** The record's timestamp: refused when negative or further ahead than ingest.timestamp.max.future.ms. */
export function clientTimestamp(settings: IngestRouteSettings, text: string, receivedAt: number): number {
  const ms = Date.parse(text);
  if (ms < 0) throw new RecordError(`Bad Request: timestamp ${text} is before 1970-01-01T00:00:00Z`);
  const max = settings.limits.maxFutureTimestampMs;
  if (ms - receivedAt > max)
    throw new RecordError(
      `Bad Request: timestamp ${text} is more than ${max} ms ahead of the gateway's clock (ingest.timestamp.max.future.ms)`,
    );
  return ms;
}
