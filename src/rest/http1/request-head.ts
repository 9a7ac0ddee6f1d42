/**
 * The head of an HTTP/1.1 request (RFC 9112 sections 2-6): request line, header fields and the
 * body framing they declare, parsed from the bytes received so far. `http1-connection.ts` calls it
 * each time bytes arrive while it waits for a request, and each call continues where the last one
 * stopped (`HeadProgress`): a head costs the same work (linear) whatever pieces it arrives in, a
 * byte at a time included, and is answered as a parse from its first byte would answer it.
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
 * later line's), the rest once the head is complete; a bare LF ends a line as CR LF does, a CR
 * that no LF follows is refused where it stands (after any byte refused before it), several
 * spaces may separate the request line's parts, and empty lines before the request line are
 * skipped (RFC 9112 section 2.2). The answers are recorded from Connect 4.3.1 in
 * test/fixtures/connect-rest/listener-corners.json.
 */
import { completedField, type FieldsSeen, newFieldsSeen } from "./completed-field.ts";
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

/** Jetty's default request header size: the request line past it is 414, the head 431. */
export const MAX_HEAD_BYTES = 8192;

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const COLON = 0x3a;
const BAD_MESSAGE = { kind: "badMessage" } as const;

/** tchar of RFC 9110 section 5.6.2. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** Jetty's name for a character it refuses (`Illegal character CNTL=0x1`). */
export function illegalCharacter(c: number): string {
  if (c === HTAB) return "Illegal character HTAB=0x9";
  if (c === SP) return "Illegal character SPACE=' '";
  if (c === LF) return "Illegal character LF=\\n";
  if (c === COLON) return "Illegal character COLON=':'";
  if (c < 0x20 || c === 0x7f) return `Illegal character CNTL=0x${c.toString(16)}`;
  if (c >= 0x80) return `Illegal character OTEXT=0x${c.toString(16)}`;
  return `Illegal character VCHAR='${String.fromCharCode(c)}'`;
}

function fail(status: HeadError["status"], reason: string, uri: HeadError["uri"] = BAD_MESSAGE): HeadResult {
  return { kind: "error", error: { status, reason, uri } };
}

function latin1(bytes: Uint8Array, from: number, to: number): string {
  let out = "";
  for (let i = from; i < to; i += 4096) out += String.fromCharCode(...bytes.subarray(i, Math.min(to, i + 4096)));
  return out;
}

/**
 * Reads the line being parsed on from `progress.scanned`, each byte once whatever pieces it arrives
 * in: its end (the CR of a CR LF, or a bare LF) and the start of the next line; `bareCr`, where a
 * CR followed by anything but LF is; null while the line is incomplete (`scanned` then says where
 * to continue: a CR last is examined again, as the byte after it decides).
 */
function scanLine(bytes: Uint8Array, progress: Progress): { end: number; next: number } | { bareCr: number } | null {
  let at = progress.scanned;
  for (; at < bytes.length; at++) {
    const c = bytes[at];
    if (c === LF) {
      progress.scanned = at + 1;
      return { end: at, next: at + 1 };
    }
    if (c === CR) {
      if (at + 1 === bytes.length) break;
      if (bytes[at + 1] !== LF) return { bareCr: at };
      progress.scanned = at + 2;
      return { end: at, next: at + 2 };
    }
  }
  progress.scanned = at;
  return null;
}

type RequestLine = { method: string; target: string; version: string };

/**
 * Why a line is refused and where: `at` is the byte Jetty refuses, or the line's end for what it
 * finds wrong only there (a part missing, a field without a colon).
 */
interface LineRefusal {
  readonly refused: true;
  readonly status: 400 | 505;
  readonly reason: string;
  readonly at: number;
}

const refuse = (at: number, reason: string, status: 400 | 505 = 400): LineRefusal => ({
  refused: true,
  status,
  reason,
  at,
});

const isRefusal = (parsed: object): parsed is LineRefusal => "refused" in parsed;

function requestLine(bytes: Uint8Array, from: number, to: number): RequestLine | LineRefusal {
  let at = from;
  while (at < to && bytes[at] !== SP) {
    const c = bytes[at]!;
    // Jetty starts a method with any visible character (`(GET` is a method of its own, routed:
    // listener-corners.json, method-*); the rest must be token characters.
    const visibleFirst = at === from && c > SP && c < 0x7f;
    if (TCHAR[c] === 0 && !visibleFirst) return refuse(at, illegalCharacter(c));
    at++;
  }
  // Jetty refuses a space before the method as it refuses any other character there.
  if (at === from) return refuse(at, illegalCharacter(SP));
  if (at === to) return refuse(at, "No URI");
  const method = latin1(bytes, from, at);
  while (at < to && bytes[at] === SP) at++;
  // A target starts with a visible ASCII character; a control character is named, anything else
  // (the line's end, a tab, a non-ASCII byte) is no target (listener-corners.json: no-uri-*).
  if (at === to) return refuse(at, "No URI");
  const start = bytes[at]!;
  if ((start < 0x20 && start !== HTAB) || start === 0x7f) return refuse(at, illegalCharacter(start));
  if (start <= SP || start > 0x7f) return refuse(at, "No URI");
  const targetStart = at;
  while (at < to && bytes[at] !== SP) {
    const c = bytes[at]!;
    if (c < 0x20 || c === 0x7f) return refuse(at, illegalCharacter(c));
    at++;
  }
  const target = latin1(bytes, targetStart, at);
  const targetEnd = at;
  while (at < to && bytes[at] === SP) at++;
  // The line ends right after the target: HTTP/0.9 (505); after a space, a bad line (400).
  if (at === to) return refuse(at, "HTTP/0.9 not supported", at === targetEnd ? 505 : 400);
  const versionStart = at;
  for (; at < to; at++) {
    const c = bytes[at]!;
    if (c <= 0x20 || c >= 0x7f) return refuse(at, illegalCharacter(c));
  }
  return { method, target, version: latin1(bytes, versionStart, to) };
}

/** A field line `bytes[from, to)`: its name and value, or why Jetty refuses it. */
function field(bytes: Uint8Array, from: number, to: number): [string, string] | LineRefusal {
  const first = bytes[from]!;
  if (first === SP || first === HTAB || first === COLON) return refuse(from, "Line Folding not supported");
  let at = from;
  for (; at < to && bytes[at] !== COLON; at++) {
    const c = bytes[at]!;
    if (TCHAR[c] === 0) return refuse(at, illegalCharacter(c));
  }
  if (at === to) return refuse(to, illegalCharacter(LF));
  const name = latin1(bytes, from, at);
  let vFrom = at + 1;
  let vTo = to;
  while (vFrom < vTo && (bytes[vFrom] === SP || bytes[vFrom] === HTAB)) vFrom++;
  while (vTo > vFrom && (bytes[vTo - 1] === SP || bytes[vTo - 1] === HTAB)) vTo--;
  for (let i = vFrom; i < vTo; i++) {
    const c = bytes[i]!;
    if ((c < 0x20 && c !== HTAB) || c === 0x7f) return refuse(i, illegalCharacter(c));
  }
  return [name, latin1(bytes, vFrom, vTo)];
}

/**
 * Jetty's reason for a line `bytes[from, …)` cut by a CR at `cr` that no LF follows. It reads a
 * byte at a time: a byte it refuses before the CR comes first (`line` checks the bytes before it);
 * then a control character after the CR is named, anything else is a bad line end.
 */
function bareCrReason<T extends object>(
  bytes: Uint8Array,
  from: number,
  cr: number,
  line: (bytes: Uint8Array, from: number, to: number) => T | LineRefusal,
): string {
  if (cr > from) {
    const before = line(bytes, from, cr);
    if (isRefusal(before) && before.at < cr) return before.reason;
  }
  const after = bytes[cr + 1]!;
  return (after < 0x20 && after !== HTAB && after !== LF && after !== CR) || after === 0x7f
    ? illegalCharacter(after)
    : "Bad EOL";
}

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
  };
  const incomplete: HeadResult = { kind: "incomplete", progress: p };
  if (p.line === null) {
    // Empty lines before a request are allowed (RFC 9112 2.2), but not without bound. Skipped
    // until a byte of the request line was examined (a CR last may still be one's end). Jetty
    // skips a colon there too (listener-corners.json: method-colon-first).
    if (p.scanned === p.start) {
      let start = p.start;
      for (;;) {
        if (bytes[start] === LF || bytes[start] === COLON) start += 1;
        else if (bytes[start] === CR && bytes[start + 1] === LF) start += 2;
        else break;
      }
      if (start > maxHeadBytes) return fail(400, "Bad Request");
      p.start = p.lineStart = p.scanned = start;
      if (start >= bytes.length) return incomplete;
    }
    const first = scanLine(bytes, p);
    if (first !== null && "bareCr" in first) return fail(400, bareCrReason(bytes, p.start, first.bareCr, requestLine));
    if (first === null) return bytes.length - p.start > maxHeadBytes ? fail(414, "URI Too Long") : incomplete;
    if (first.end - p.start > maxHeadBytes) return fail(414, "URI Too Long");
    const parsed = requestLine(bytes, p.start, first.end);
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
    if (next !== null && "bareCr" in next)
      return fail(400, bareCrReason(bytes, p.lineStart, next.bareCr, field), target);
    if (next === null) {
      return bytes.length - p.start > maxHeadBytes ? fail(431, "Request Header Fields Too Large", target) : incomplete;
    }
    if (next.next - p.start > maxHeadBytes) return fail(431, "Request Header Fields Too Large", target);
    if (next.end === p.lineStart) return framing(p.line, p.headers, p.seen, next.next);
    const f = field(bytes, p.lineStart, next.end);
    if (isRefusal(f)) return fail(f.status, f.reason, target);
    p.headers.push(f);
    p.lineStart = next.next;
  }
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
  const tokens = connection.split(",").map((t) => t.trim());
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
