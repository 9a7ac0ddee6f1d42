/**
 * Request body framing of HTTP/1.1 (RFC 9112 sections 6 and 7.1): a Content-Length body or a
 * chunked one, decoded incrementally from whatever bytes arrive. `http1-connection.ts` feeds it
 * the bytes after the head; what it returns as `data` goes to the Request's body stream, and
 * bytes past the end (a pipelined next request) are left unconsumed.
 *
 * Chunked, as Jetty 12's HttpParser (Apache Kafka Connect 4.3.1's server) reads it, a byte at a
 * time (recorded in test/fixtures/connect-rest/listener-corners.json, chunk-* and trailer-*): lines
 * ended by CRLF or a bare LF; empty lines before a size line skipped; a size of 1 to 16 hex digits
 * (below 2^63: Jetty reads a signed long), then chunk extensions of strict syntax (`;name`,
 * `;name=token` or `;name="quoted"`, whitespace only around `;` and `=`), ignored; trailer lines
 * that are fields (`name:value`, no control character), dropped. A byte Jetty refuses is broken
 * framing as soon as it arrives, a CR as soon as the byte after it is no LF: an error, so bytes a
 * front proxy may read as another request are never read as one here. Jetty counts a chunk line's
 * bytes from its first `;` or whitespace on, and every trailer byte, against its request header
 * limit (8 KiB) together with the head's: past it, the framing is broken too.
 */
import { CNTL, TCHAR } from "./http-tokens.ts";
import { MAX_HEAD_BYTES } from "./request-head.ts";

export interface Decoded {
  /** Body bytes found in this input (views into it). */
  readonly data: Uint8Array[];
  /** Input bytes used; the rest belongs to the next request. */
  readonly consumed: number;
  readonly done: boolean;
  /** Set when the framing is broken: the connection cannot continue. */
  readonly error?: string;
}

export interface BodyDecoder {
  decode(input: Uint8Array): Decoded;
}

/** A body of exactly `length` bytes. */
export function contentLengthDecoder(length: number): BodyDecoder {
  let remaining = length;
  return {
    decode(input) {
      const take = Math.min(remaining, input.length);
      remaining -= take;
      return { data: take > 0 ? [input.subarray(0, take)] : [], consumed: take, done: remaining === 0 };
    },
  };
}

const LF = 10;
const CR = 13;
const SP = 32;
const HTAB = 9;
const QUOTE = 0x22;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

const isBws = (c: number) => c === SP || c === HTAB;
/** qdtext of RFC 9110 section 5.6.4, obs-text included. */
const isQdText = (c: number) =>
  isBws(c) || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80;
/** The character of a quoted-pair (after `\`). */
const isQuotedPair = (c: number) => isBws(c) || (c >= 0x21 && c <= 0x7e) || c >= 0x80;

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Where a chunked body's reading stands: Jetty's HttpParser states, named as there. */
type Phase = "size-start" | "size" | "data" | "data-end" | "trailer" | "done";
/** Jetty's ChunkSizeState: within a size line. */
type SizeState =
  | "size"
  | "ext-bws"
  | "ext-name-bws-before"
  | "ext-name"
  | "ext-name-bws-after"
  | "ext-value-bws-before"
  | "ext-value-open-quote"
  | "ext-value"
  | "ext-value-close-quote";
/** Within a trailer line. */
type FieldState = "field" | "name" | "value";

const REASON: Record<Exclude<Phase, "data" | "done">, string> = {
  "size-start": "Bad chunk size",
  size: "Bad chunk size",
  "data-end": "Missing CRLF after chunk data",
  trailer: "Bad trailer",
};

/**
 * A chunked body: size lines, data, trailers, until the zero-size chunk and its empty line.
 * `headBytes`: the request head's size, which Jetty's header limit `maxHeaderBytes` counts too.
 */
export function chunkedDecoder(headBytes = 0, maxHeaderBytes = MAX_HEAD_BYTES): BodyDecoder {
  let phase: Phase = "size-start";
  let sizeState: SizeState = "size";
  let fieldState: FieldState = "field";
  let escaped = false;
  /** A CR was the last byte read: the next must be LF. */
  let cr = false;
  let remaining = 0;
  let digits = 0;
  let firstDigit = 0;
  let counted = headBytes;

  /** Reads one line byte `c` (LF for a line's end); false when Jetty refuses it. */
  const lineByte = (c: number): boolean => {
    switch (phase) {
      case "size-start": {
        if (c === LF) return true;
        const d = hexDigit(c);
        if (d < 0) return false;
        remaining = d;
        firstDigit = d;
        digits = 1;
        phase = "size";
        sizeState = "size";
        return true;
      }
      case "size":
        return sizeByte(c);
      case "data-end":
        if (c !== LF) return false;
        phase = "size-start";
        return true;
      case "trailer":
        return trailerByte(c);
      default:
        return false;
    }
  };

  const sizeEnd = () => {
    sizeState = "size";
    if (remaining === 0) {
      phase = "trailer";
      fieldState = "field";
    } else phase = "data";
    return true;
  };

  const sizeByte = (c: number): boolean => {
    switch (sizeState) {
      case "size": {
        if (c === LF) return sizeEnd();
        const d = hexDigit(c);
        if (d >= 0) {
          // 16 digits at most, and below 2^63 (a signed long's overflow is refused).
          if (++digits > 16 || (digits === 16 && firstDigit >= 8)) return false;
          // Past 2^53 the size is not exact, but no chunk that long completes anyway.
          remaining = remaining * 16 + d;
          return true;
        }
        if (isBws(c)) sizeState = "ext-bws";
        else if (c === SEMICOLON) sizeState = "ext-name-bws-before";
        else return false;
        return true;
      }
      case "ext-bws":
        if (c === SEMICOLON) sizeState = "ext-name-bws-before";
        else if (!isBws(c)) return false;
        return true;
      case "ext-name-bws-before":
        if (TCHAR[c] === 1) sizeState = "ext-name";
        else if (!isBws(c)) return false;
        return true;
      case "ext-name":
        if (c === LF) return sizeEnd();
        if (c === SEMICOLON) sizeState = "ext-name-bws-before";
        else if (isBws(c)) sizeState = "ext-name-bws-after";
        else if (c === EQUALS) sizeState = "ext-value-bws-before";
        else if (TCHAR[c] !== 1) return false;
        return true;
      case "ext-name-bws-after":
        if (c === SEMICOLON) sizeState = "ext-name-bws-before";
        else if (c === EQUALS) sizeState = "ext-value-bws-before";
        else if (!isBws(c)) return false;
        return true;
      case "ext-value-bws-before":
        if (c === QUOTE) sizeState = "ext-value-open-quote";
        else if (TCHAR[c] === 1) sizeState = "ext-value";
        else if (!isBws(c)) return false;
        return true;
      case "ext-value-open-quote":
        if (escaped) {
          escaped = false;
          return isQuotedPair(c);
        }
        if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) sizeState = "ext-value-close-quote";
        else if (!isQdText(c)) return false;
        return true;
      case "ext-value":
        if (c === LF) return sizeEnd();
        if (isBws(c)) sizeState = "ext-bws";
        else if (c === SEMICOLON) sizeState = "ext-name-bws-before";
        else if (TCHAR[c] !== 1) return false;
        return true;
      case "ext-value-close-quote":
        if (c === LF) return sizeEnd();
        if (isBws(c)) sizeState = "ext-bws";
        else if (c === SEMICOLON) sizeState = "ext-name-bws-before";
        else return false;
        return true;
    }
  };

  const trailerByte = (c: number): boolean => {
    switch (fieldState) {
      case "field":
        if (c === LF) phase = "done";
        else if (TCHAR[c] === 1) fieldState = "name";
        else return false;
        return true;
      case "name":
        if (c === COLON) fieldState = "value";
        else if (TCHAR[c] !== 1) return false;
        return true;
      case "value":
        if (c === LF) fieldState = "field";
        return true;
    }
  };

  return {
    decode(input) {
      const data: Uint8Array[] = [];
      let at = 0;
      while (at < input.length && phase !== "done") {
        if (phase === "data") {
          const take = Math.min(remaining, input.length - at);
          data.push(input.subarray(at, at + take));
          at += take;
          remaining -= take;
          if (remaining === 0) phase = "data-end";
          continue;
        }
        const reason = REASON[phase];
        // Jetty counts extension and trailer bytes, as it reads each, with the head's.
        if ((phase === "size" && sizeState !== "size") || phase === "trailer") {
          if (++counted > maxHeaderBytes)
            return { data, consumed: at + 1, done: false, error: "Chunk lines too large" };
        }
        const c = input[at++]!;
        if (cr) {
          cr = false;
          if (c !== LF) return { data, consumed: at, done: false, error: reason };
        } else if (c === CR) {
          cr = true;
          continue;
        } else if (CNTL[c] === 1) return { data, consumed: at, done: false, error: reason };
        if (!lineByte(c)) return { data, consumed: at, done: false, error: reason };
      }
      return { data, consumed: at, done: phase === "done" };
    },
  };
}
