/**
 * The head of an HTTP/1.1 request (RFC 9112 sections 2-6): request line, header fields and the
 * body framing they declare, parsed from the bytes received so far. `http1-connection.ts` calls it
 * each time bytes arrive while it waits for a request, and each call continues where the last one
 * stopped (`HeadProgress`): a head costs the same work (linear) whatever pieces it arrives in, a
 * byte at a time included, and is answered as a parse from its first byte would answer it. Here
 * the head's lines are put in order (empty lines before the request line, the head's limit, each
 * field checked once complete, `completed-field.ts`) and its framing decided; each line is found
 * and checked by `head-line.ts`.
 *
 * Strict as the RFC and as Apache Kafka Connect's server (Jetty 12) are, with Jetty's reasons so a
 * refused request gets the answer Connect gives (`jetty-error-page.ts`): the method is a
 * case-sensitive token (a lower-case `get` is a method of its own, answered 405 by the
 * application), a control character in the request line or a field is a 400 naming it, whitespace
 * before a field's colon and obsolete line folding are 400s, Content-Length is digits only (any
 * number of them, leading zeros included, up to a Java long's maximum) and sent once,
 * Transfer-Encoding must end in one `chunked` (its codings a list as Jetty's QuotedCSV reads one)
 * and may not come with Content-Length (in any HTTP version, whose chunked body is read,
 * HTTP/1.0's too), HTTP/1.1 needs exactly one non-empty Host, which must be a host and port Jetty
 * parses (`host-port.ts`: no user info). As in Jetty, a version it does not know (and an absolute
 * form's port that is not digits) is refused with the request line, a Host, Content-Length or
 * Transfer-Encoding field as soon as the next line shows it complete (so its error comes before a
 * later line's), the rest once the head is complete; a byte Jetty refuses is refused as soon as
 * it arrives, before its line ends; a bare LF ends a line as CR LF does, a CR that no LF follows
 * is refused where it stands (after any byte refused before it), several
 * spaces may separate the request line's parts, and empty lines before the request line are
 * skipped (RFC 9112 section 2.2), counted toward the head's limit. The answers are recorded from Connect 4.3.1 in
 * test/fixtures/connect-rest/listener-corners.json.
 */
import { completedField, type FieldsSeen, newFieldsSeen } from "./completed-field.ts";
import {
  bareCrReason,
  checkable,
  checkField,
  checkRequestLine,
  counted,
  field,
  isRefusal,
  type LineCheck,
  lineCheck,
  type RequestLine,
  requestLine,
  scanLine,
} from "./head-line.ts";
import { TCHAR } from "./http-tokens.ts";
import { ABSOLUTE_FORM } from "./request-target.ts";
import { readAuthority } from "./target-authority.ts";

export interface RequestHead {
  /** The method token exactly as sent (case kept). */
  readonly method: string;
  /** The request target exactly as sent (no dot-segment resolution, no decoding). */
  readonly target: string;
  readonly version: "HTTP/1.0" | "HTTP/1.1";
  /** Header fields in order, names as sent, values without surrounding whitespace. */
  readonly headers: readonly (readonly [string, string])[];
  /** The body's length; null when the body is chunked. */
  readonly contentLength: number | null;
  readonly chunked: boolean;
  /** Whether the connection may carry another request after this one. */
  readonly keepAlive: boolean;
  readonly expectContinue: boolean;
  /** The Host field's value ("" for an HTTP/1.0 request without one). */
  readonly host: string;
  /** Bytes of the head, final empty line included. */
  readonly size: number;
}

/**
 * A refused head: the status, Jetty's reason, and what Jetty's error page shows as its URI
 * (`badMessage` before the request line was understood, the target after, the full URL for a few
 * checks made once the whole head is known).
 */
export interface HeadError {
  readonly status: 400 | 414 | 417 | 426 | 431 | 505;
  readonly reason: string;
  readonly uri:
    | { readonly kind: "badMessage" }
    | { readonly kind: "target"; readonly method: string; readonly target: string; readonly version?: string }
    | {
        readonly kind: "url";
        readonly method: string;
        readonly host: string;
        readonly target: string;
        readonly version?: string;
        /** Refused once Jetty made the request: the request log shows its header fields. */
        readonly headers: readonly (readonly [string, string])[];
      };
}

export type HeadResult =
  | { readonly kind: "incomplete"; readonly progress: HeadProgress }
  | { readonly kind: "head"; readonly head: RequestHead }
  | { readonly kind: "error"; readonly error: HeadError };

/**
 * Jetty's default request header size, counted from the first byte after the previous request
 * (empty lines before the request line included, but not the line ends `lineEndsAfterMessage`
 * skips): past it a request line is 414 when the byte past it is in the target, 431 anywhere else
 * (`lineTooLong`), a head or empty lines alone 431.
 */
export const MAX_HEAD_BYTES = 8192;

const CR = 13;
const LF = 10;
const COLON = 0x3a;
const BAD_MESSAGE = { kind: "badMessage" } as const;

/**
 * How many CR and LF bytes (in any order, a bare CR too) start `bytes`: what Jetty drops, without
 * counting it toward the next head's limit, right after a message ends (its parser's END state),
 * of the bytes it already holds then. Later bytes are the next head's (listener-corners.json:
 * empty-lines-second-request-*).
 */
export function lineEndsAfterMessage(bytes: Uint8Array): number {
  let n = 0;
  while (bytes[n] === CR || bytes[n] === LF) n++;
  return n;
}

function fail(status: HeadError["status"], reason: string, uri: HeadError["uri"] = BAD_MESSAGE): HeadResult {
  return { kind: "error", error: { status, reason, uri } };
}

/**
 * Jetty's answer to a request line past the head's limit, by the part the byte past it falls in
 * (`check` stops at the limit): 414 in the target, 431 in the method, the spaces, the version or
 * the line's end (listener-corners.json: line-*).
 */
const lineTooLong = (check: LineCheck): HeadResult =>
  check.part === "target" ? fail(414, "URI Too Long") : fail(431, "Request Header Fields Too Large");

/**
 * Where the parse of an incomplete head stopped. It belongs to the parser: pass it back as it is,
 * with the same bytes and more after them, and the parse continues from there.
 */
export type HeadProgress = Readonly<Progress>;

interface Progress {
  /** Where the request line starts, once the empty lines before it are skipped. */
  start: number;
  /** Where the line being read starts. */
  lineStart: number;
  /** The next byte of that line to examine. */
  scanned: number;
  /** The request line, once read. */
  line: RequestLine | null;
  headers: [string, string][];
  seen: FieldsSeen;
  /** How many fields were checked once complete (`completedField`): the last may still wait. */
  checked: number;
  /** How far the line being read was checked. */
  check: LineCheck;
}

/**
 * Parses the request head at the start of `bytes`: incomplete until its empty line arrives, an
 * error as soon as what arrived is wrong (a bad request line is refused before the fields come).
 * Given the `progress` of an incomplete parse of the first bytes of `bytes`, it continues from
 * there: each byte is examined a bounded number of times however many pieces the head comes in,
 * and the answer is the one a parse of `bytes` from the start gives.
 */
export function parseRequestHead(
  bytes: Uint8Array,
  maxHeadBytes = MAX_HEAD_BYTES,
  progress?: HeadProgress,
): HeadResult {
  const p: Progress = (progress as Progress | undefined) ?? {
    start: 0,
    lineStart: 0,
    scanned: 0,
    line: null,
    headers: [],
    seen: newFieldsSeen(),
    checked: 0,
    check: lineCheck("method", 0),
  };
  const incomplete: HeadResult = { kind: "incomplete", progress: p };
  if (p.line === null) {
    // Empty lines before a request are allowed (RFC 9112 2.2), but not without bound. Skipped
    // until a byte of the request line was examined (a CR last may still be one's end). Jetty
    // skips a colon there too (listener-corners.json: method-colon-first).
    // They count toward the head's limit, as Jetty counts every byte it reads before the request
    // line (listener-corners.json: empty-lines-*): past it they are 431 as they arrive.
    if (p.scanned === p.start) {
      let start = p.start;
      for (;;) {
        if (bytes[start] === LF || bytes[start] === COLON) start += 1;
        else if (bytes[start] === CR && bytes[start + 1] === LF) start += 2;
        else break;
      }
      if (start > maxHeadBytes) return fail(431, "Request Header Fields Too Large");
      p.start = p.lineStart = p.scanned = start;
      p.check = lineCheck("method", start);
      if (start >= bytes.length) return incomplete;
    }
    const first = scanLine(bytes, p);
    const refused = checkRequestLine(bytes, p.start, checkable(first, p, maxHeadBytes), p.check);
    if (refused) return fail(refused.status, refused.reason);
    if (counted(bytes, first) > maxHeadBytes) return lineTooLong(p.check);
    if (first === null) return incomplete;
    if ("bareCr" in first) return fail(400, bareCrReason(bytes, first.bareCr));
    const parsed = requestLine(bytes, p.start, first.end, p.check);
    if (isRefusal(parsed)) return fail(parsed.status, parsed.reason);
    // Jetty refuses a version it does not know with the request line, before reading any field.
    const version = parsed.version.toUpperCase();
    if (version === "HTTP/0.9" || version === "HTTP/3.0") return fail(505, "Unsupported Version");
    if (version !== "HTTP/1.1" && version !== "HTTP/1.0" && version !== "HTTP/2.0") return fail(505, "Unknown Version");
    // Then it reads the target: an absolute form's authority it cannot read (a port not digits) is a bad message.
    const absolute = ABSOLUTE_FORM.exec(parsed.target);
    if (absolute && readAuthority(absolute[1]!) === null) return fail(400, "Bad Request");
    p.line = parsed;
    p.lineStart = first.next;
    p.check = lineCheck("first", first.next);
  }
  const target = { kind: "target", method: p.line.method, target: p.line.target, version: p.line.version } as const;
  for (;;) {
    // Jetty checks a field once the next line shows it complete: starting with a token character
    // or ending the head (a folded line, or one starting with `:` or a control, is refused first;
    // so is a CR that no LF follows: a bad line end). Each field is checked once, against what
    // the earlier ones declared (`seen`).
    const lead = bytes[p.lineStart];
    const ends = lead === LF || (lead === CR && bytes[p.lineStart + 1] === LF);
    if (p.checked < p.headers.length && lead !== undefined && (TCHAR[lead] === 1 || ends)) {
      p.checked++;
      const refused = completedField(p.seen, p.headers.at(-1)!);
      if (refused !== undefined) return fail(400, refused, target);
    }
    const next = scanLine(bytes, p);
    const refused = checkField(bytes, checkable(next, p, maxHeadBytes), p.check);
    if (refused) return fail(refused.status, refused.reason, target);
    if (counted(bytes, next) > maxHeadBytes) return fail(431, "Request Header Fields Too Large", target);
    if (next === null) return incomplete;
    if ("bareCr" in next) return fail(400, bareCrReason(bytes, next.bareCr), target);
    if (next.end === p.lineStart) return framing(p.line, p.headers, p.seen, next.next);
    const f = field(bytes, p.lineStart, next.end, p.check);
    if (isRefusal(f)) return fail(f.status, f.reason, target);
    p.headers.push(f);
    p.lineStart = next.next;
    p.check = lineCheck("first", next.next);
  }
}

/** A list element without its optional white space (RFC 9110 5.6.1: SP and HTAB only, as Jetty's QuotedCSV). */
function trimOws(token: string): string {
  let from = 0;
  let to = token.length;
  while (from < to && (token[from] === " " || token[from] === "\t")) from++;
  while (to > from && (token[to - 1] === " " || token[to - 1] === "\t")) to--;
  return token.slice(from, to);
}

function framing(line: RequestLine, headers: [string, string][], seen: FieldsSeen, size: number): HeadResult {
  const target = { kind: "target", method: line.method, target: line.target, version: line.version } as const;
  let contentLength = 0;
  let host: string | null = null;
  let connection = "";
  let expect: string | null = null;
  for (const [name, value] of headers) {
    switch (name.toLowerCase()) {
      case "content-length":
        // Digits up to Long.MAX_VALUE (completedField); past 2^53 the count is not exact, but no
        // body that long completes anyway.
        contentLength = Number(value);
        break;
      case "host":
        host = value;
        break;
      case "connection":
        connection += `,${value.toLowerCase()}`;
        break;
      case "expect":
        expect = value.toLowerCase();
        break;
    }
  }
  // parseRequestHead refused any other version with the request line.
  const version = line.version.toUpperCase() as "HTTP/1.0" | "HTTP/1.1" | "HTTP/2.0";
  // Checked once Jetty made the request: its error page shows the URL, its request log the head as sent.
  const made = (status: 417 | 426, reason: string) =>
    fail(status, reason, {
      kind: "url",
      method: line.method,
      host: host ?? "",
      target: line.target,
      version: line.version,
      headers,
    });
  if (version === "HTTP/2.0") return made(426, "Upgrade Required");
  if (version === "HTTP/1.1" && host === null) return fail(400, "No Host", target);
  if (host === "") return fail(400, "Blank Host", target);

  // Each Content-Length and Transfer-Encoding passed as its field completed (completedField): at
  // most one Content-Length, a number, and no Transfer-Encoding with it; `chunked` at most once.
  if (seen.transferEncoding && !seen.chunked) return fail(400, "Bad Transfer-Encoding, chunked not last", target);
  // Jetty reads a chunked body whatever the version (HTTP/1.0 too: listener-corners.json).
  const chunked = seen.transferEncoding;
  const tokens = connection.split(",").map(trimOws);
  // An HTTP/1.0 message with Transfer-Encoding has faulty framing (RFC 9112 6.1): the connection
  // is not reused, or a chunked body would be read as the next request (smuggling).
  const keepAlive = version === "HTTP/1.1" ? !tokens.includes("close") : tokens.includes("keep-alive") && !chunked;
  if (version === "HTTP/1.1" && expect !== null && expect !== "100-continue") return made(417, "Expectation Failed");
  return {
    kind: "head",
    head: {
      method: line.method,
      target: line.target,
      version,
      headers,
      contentLength: chunked ? null : contentLength,
      chunked,
      keepAlive,
      expectContinue: expect === "100-continue" && version === "HTTP/1.1",
      host: host ?? "",
      size,
    },
  };
}
