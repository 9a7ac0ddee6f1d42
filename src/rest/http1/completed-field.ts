/**
 * Jetty's checks of a request head's field once the next line shows it complete (HttpParser's
 * parsedHeader): `request-head.ts` calls completedField for each field, in order, with the
 * FieldsSeen of its request (one per request: a new head starts from newFieldsSeen()).
 */
import { isHostPort } from "./host-port.ts";

const SP = 32;
const HTAB = 9;

/** What the fields checked so far declared (Jetty's HttpParser keeps the same as it reads them). */
export interface FieldsSeen {
  contentLength: boolean;
  transferEncoding: boolean;
  /** The last Transfer-Encoding field ended in `chunked`. */
  chunked: boolean;
  host: boolean;
}

const LONG_MAX = "9223372036854775807";

/** Whether a string of digits is a number above Java's Long.MAX_VALUE. */
function pastLongMax(digits: string): boolean {
  let from = 0;
  while (from < digits.length - 1 && digits.charCodeAt(from) === 0x30) from++;
  const significant = digits.length - from;
  return significant > LONG_MAX.length || (significant === LONG_MAX.length && digits.slice(from) > LONG_MAX);
}

const isOws = (c: number) => c === SP || c === HTAB;

/**
 * A field value's list items (RFC 9110 section 5.6.1) as Jetty's QuotedCSV reads them: a comma in a
 * quoted string does not split, only spaces and tabs are trimmed (not String.trim's NBSP), and
 * empty items are dropped. Quotes are kept, so `"chunked"` is no `chunked`.
 */
function listItems(value: string): string[] {
  const items: string[] = [];
  let from = 0;
  let quoted = false;
  // The end of the value closes the last item, even inside a quoted string.
  for (let i = 0; i <= value.length; i++) {
    const c = i < value.length ? value.charCodeAt(i) : 0x2c;
    if (quoted && i < value.length) {
      if (c === 0x5c && i + 1 < value.length) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x2c) {
      let a = from;
      let b = i;
      while (a < b && isOws(value.charCodeAt(a))) a++;
      while (b > a && isOws(value.charCodeAt(b - 1))) b--;
      if (b > a) items.push(value.slice(a, b));
      from = i + 1;
    }
  }
  return items;
}

/**
 * Jetty's checks of a field once it is complete (HttpParser's parsedHeader), against what the
 * earlier fields declared (`seen`, updated), or undefined when it passes (every HTTP version):
 * Content-Length and Transfer-Encoding together; a Content-Length that is not digits, past a Java
 * long, or a second one (even equal); a Transfer-Encoding after one that ended in `chunked`, a
 * second `chunked` in one, or a coding after `chunked`; a second Host; a first Host that HostPort
 * does not parse.
 */
export function completedField(seen: FieldsSeen, [name, value]: readonly [string, string]): string | undefined {
  // Only three names are checked: most fields are passed over without a lower-cased copy.
  if (name.length !== 4 && name.length !== 14 && name.length !== 17) return undefined;
  switch (name.toLowerCase()) {
    case "content-length":
      if (seen.transferEncoding) return "Transfer-Encoding and Content-Length";
      if (!/^\d+$/.test(value)) return "Invalid Content-Length Value";
      // Jetty reads the digits into a Java long with exact arithmetic, leading zeros and all: past
      // Long.MAX_VALUE its ArithmeticException becomes a plain "Bad Request" (listener-corners.json).
      if (pastLongMax(value)) return "Bad Request";
      if (seen.contentLength) return "Multiple Content-Lengths";
      seen.contentLength = true;
      return undefined;
    case "transfer-encoding": {
      if (seen.contentLength) return "Transfer-Encoding and Content-Length";
      if (seen.chunked) return "Bad Transfer-Encoding, chunked not last";
      seen.transferEncoding = true;
      for (const coding of listItems(value)) {
        if (coding.toLowerCase() !== "chunked") {
          if (seen.chunked) return "Bad Transfer-Encoding, chunked not last";
        } else if (seen.chunked) return "Bad Transfer-Encoding, multiple chunked tokens";
        else seen.chunked = true;
      }
      return undefined;
    }
    case "host":
      if (seen.host) return "Duplicate Host Header";
      seen.host = true;
      return value !== "" && !isHostPort(value) ? "Bad HostPort" : undefined;
    default:
      return undefined;
  }
}

/** What a request declared before its first field. */
export function newFieldsSeen(): FieldsSeen {
  return { contentLength: false, transferEncoding: false, chunked: false, host: false };
}
