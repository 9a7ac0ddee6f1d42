/**
 * One line of a request head (RFC 9112 sections 2-5), found and checked as Jetty 12's HttpParser
 * (Apache Kafka Connect's server) reads it, a byte at a time, with Jetty's reasons for what it
 * refuses. `request-head.ts` calls scanLine for the line's end as bytes arrive (each byte examined
 * once whatever pieces it arrives in), checkRequestLine or checkField on what arrived of the line
 * (so a byte Jetty refuses is refused as it arrives, before the line ends; `LineCheck` keeps how
 * far they got), then requestLine or field once the line ends, for its parts or what its end
 * lacks; `counted` and `checkable` say which of its bytes count toward the head's limit.
 */
import { CNTL, illegalCharacter, TCHAR } from "./http-tokens.ts";

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const COLON = 0x3a;

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
export function scanLine(
  bytes: Uint8Array,
  progress: { scanned: number },
): { end: number; next: number } | { bareCr: number } | null {
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

export type RequestLine = { method: string; target: string; version: string };

/** Why a line is refused: at a byte Jetty refuses, or at its end for what is wrong only there. */
export interface LineRefusal {
  readonly refused: true;
  readonly status: 400 | 505;
  readonly reason: string;
}

const refuse = (reason: string, status: 400 | 505 = 400): LineRefusal => ({ refused: true, status, reason });

export const isRefusal = (parsed: object): parsed is LineRefusal => "refused" in parsed;

/**
 * How far the line being read was checked, a byte at a time as Jetty reads it, so a byte it
 * refuses is refused as it arrives, before the line ends (listener-corners.json: stalled-*):
 * `at` is the next byte to check, `part` the part of the line it is in, and `marks` where the
 * parts seen so far start and end (the request line's method end, target start and end, version
 * start; a field's colon).
 */
export interface LineCheck {
  part: "method" | "space1" | "target" | "space2" | "version" | "first" | "name" | "value";
  at: number;
  marks: number[];
}

export const lineCheck = (part: LineCheck["part"], at: number): LineCheck => ({ part, at, marks: [] });
const visibleAscii = (c: number) => c > SP && c < 0x7f;

/**
 * Checks the request line's bytes `[check.at, to)` (none of them a line end): the first byte Jetty
 * refuses, or undefined (what is wrong only at the line's end, a part missing, waits for it).
 */
export function checkRequestLine(
  bytes: Uint8Array,
  from: number,
  to: number,
  check: LineCheck,
): LineRefusal | undefined {
  for (; check.at < to; check.at++) {
    const at = check.at;
    const c = bytes[at]!;
    switch (check.part) {
      case "method":
        // Jetty refuses a space before the method as it refuses any other character there.
        if (c === SP) {
          if (at === from) return refuse(illegalCharacter(SP));
          check.marks.push(at);
          check.part = "space1";
        }
        // Jetty starts a method with any visible character (`(GET` is a method of its own, routed:
        // listener-corners.json, method-*); the rest must be token characters.
        else if (TCHAR[c] === 0 && !(at === from && visibleAscii(c))) return refuse(illegalCharacter(c));
        break;
      case "space1":
        if (c === SP) break;
        // A target starts with a visible ASCII character; a control character is named, anything
        // else (a tab, a non-ASCII byte) is no target (listener-corners.json: no-uri-*).
        if (CNTL[c] === 1) return refuse(illegalCharacter(c));
        if (!visibleAscii(c)) return refuse("No URI");
        check.marks.push(at);
        check.part = "target";
        break;
      case "target":
        if (c === SP) {
          check.marks.push(at);
          check.part = "space2";
        } else if (CNTL[c] === 1 || c === HTAB) return refuse(illegalCharacter(c));
        break;
      case "space2":
        if (c === SP) break;
        check.marks.push(at);
        check.part = "version";
        if (!visibleAscii(c)) return refuse(illegalCharacter(c));
        break;
      default:
        if (!visibleAscii(c)) return refuse(illegalCharacter(c));
    }
  }
  return undefined;
}

/** The request line `bytes[from, to)`, all of it checked (`checkRequestLine`), or what its end lacks. */
export function requestLine(bytes: Uint8Array, from: number, to: number, check: LineCheck): RequestLine | LineRefusal {
  const [methodEnd, targetStart, targetEnd, versionStart] = check.marks;
  switch (check.part) {
    case "method":
    case "space1":
      return refuse("No URI");
    // The line ends right after the target: HTTP/0.9 (505); after a space, a bad line (400).
    case "target":
      return refuse("HTTP/0.9 not supported", 505);
    case "space2":
      return refuse("HTTP/0.9 not supported", 400);
    default:
      return {
        method: latin1(bytes, from, methodEnd!),
        target: latin1(bytes, targetStart!, targetEnd!),
        version: latin1(bytes, versionStart!, to),
      };
  }
}

/** Checks a field line's bytes `[check.at, to)` (none of them a line end): the first byte Jetty refuses. */
export function checkField(bytes: Uint8Array, to: number, check: LineCheck): LineRefusal | undefined {
  for (; check.at < to; check.at++) {
    const at = check.at;
    const c = bytes[at]!;
    if (check.part === "first") {
      if (c === SP || c === HTAB || c === COLON) return refuse("Line Folding not supported");
      check.part = "name";
    }
    if (check.part === "name") {
      if (c === COLON) {
        check.marks.push(at);
        check.part = "value";
      } else if (TCHAR[c] === 0) return refuse(illegalCharacter(c));
    } else if (CNTL[c] === 1) return refuse(illegalCharacter(c));
  }
  return undefined;
}

/** A field line `bytes[from, to)`, all of it checked (`checkField`): its name and value, or no colon. */
export function field(bytes: Uint8Array, from: number, to: number, check: LineCheck): [string, string] | LineRefusal {
  const colon = check.marks[0];
  if (colon === undefined) return refuse(illegalCharacter(LF));
  let vFrom = colon + 1;
  let vTo = to;
  while (vFrom < vTo && (bytes[vFrom] === SP || bytes[vFrom] === HTAB)) vFrom++;
  while (vTo > vFrom && (bytes[vTo - 1] === SP || bytes[vTo - 1] === HTAB)) vTo--;
  return [latin1(bytes, from, colon), latin1(bytes, vFrom, vTo)];
}

/** Jetty's reason for a CR at `cr` that no LF follows: a control character after it is named. */
export function bareCrReason(bytes: Uint8Array, cr: number): string {
  const after = bytes[cr + 1]!;
  return CNTL[after] === 1 ? illegalCharacter(after) : "Bad EOL";
}

/**
 * Where the bytes Jetty counts against the head's limit end, for the line being read: its line end
 * included, a bare CR and the byte after it (Jetty counts a byte before it reads it, so past the
 * limit the limit is the answer, not the byte), or all that arrived.
 */
export function counted(bytes: Uint8Array, scanned: ReturnType<typeof scanLine>): number {
  return scanned === null ? bytes.length : "bareCr" in scanned ? scanned.bareCr + 2 : scanned.next;
}

/**
 * Where the line being read can be checked up to: its end, a CR that no LF follows, or what
 * arrived of it (a CR last waits for the byte after it); bytes past the head's limit are not
 * checked (Jetty counts a byte before it reads it: the limit comes first).
 */
export function checkable(
  scanned: ReturnType<typeof scanLine>,
  p: { readonly scanned: number },
  limit: number,
): number {
  const upTo = scanned === null ? p.scanned : "bareCr" in scanned ? scanned.bareCr : scanned.end;
  return Math.min(upTo, limit);
}
