/**
 * Request body framing of HTTP/1.1 (RFC 9112 sections 6 and 7.1): a Content-Length body or a
 * chunked one, decoded incrementally from whatever bytes arrive. `http1-connection.ts` feeds it
 * the bytes after the head; what it returns as `data` goes to the Request's body stream, and
 * bytes past the end (a pipelined next request) are left unconsumed.
 *
 * Chunked, as Jetty 12 (Apache Kafka Connect 4.3.1's server) reads it (recorded in
 * test/fixtures/connect-rest/listener-corners.json, chunk-* and trailer-*): lines ended by CRLF or a
 * bare LF; empty lines before a size line skipped; a size of 1 to 16 hex digits, then chunk
 * extensions of strict syntax (`;name`, `;name=token` or `;name="quoted"`, whitespace only around
 * `;` and `=`), ignored; trailer lines that are fields (`name:value`, no control character),
 * dropped. Anything else, a missing line end after the data or an over-long line is broken framing:
 * an error, so bytes a front proxy may read as another request are never read as one here.
 */

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

const MAX_LINE = 4096;

/** tchar of RFC 9110 section 5.6.2. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
/** quoted-string of RFC 9110 section 5.6.4 (obs-text included, as Jetty reads one). */
const QUOTED = '"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t \\x21-\\x7e\\x80-\\xff])*"';
/** chunk-size and chunk-ext of RFC 9112 section 7.1.1, with the digits and whitespace Jetty allows. */
/** A 16-digit chunk size from 2^63 on: negative as the signed long Jetty reads it into. */
const PAST_LONG_MAX = /^0*[89a-fA-F][0-9a-fA-F]{15}$/;
const CHUNK_SIZE_LINE = new RegExp(
  `^([0-9A-Fa-f]{1,16})(?:[ \\t]*;[ \\t]*${TOKEN}(?:[ \\t]*=[ \\t]*(?:${TOKEN}|${QUOTED}))?)*$`,
);
/** field-line of RFC 9112 section 5 as Jetty reads a trailer: a token name, no control character. */
const TRAILER_LINE = new RegExp(`^${TOKEN}:[\\t\\x20-\\x7e\\x80-\\xff]*$`);

type ChunkState = "size" | "data" | "data-crlf" | "trailer" | "done";

/** A chunked body: size lines, data, trailers, until the zero-size chunk and its empty line. */
export function chunkedDecoder(): BodyDecoder {
  let state: ChunkState = "size";
  let remaining = 0;
  let line: number[] = [];
  let trailerBytes = 0;

  /**
   * Collects one line, ended by CRLF or (as Jetty reads a chunked body) a bare LF; returns it when
   * complete, null while it is still arriving.
   */
  const takeLine = (input: Uint8Array, at: number): { text: string | null; next: number; error?: string } => {
    let i = at;
    while (i < input.length) {
      const c = input[i++]!;
      if (c === 10) {
        const text = String.fromCharCode(...(line.at(-1) === 13 ? line.slice(0, -1) : line));
        line = [];
        return { text, next: i };
      }
      line.push(c);
      if (line.length > MAX_LINE) return { text: null, next: i, error: "Chunk line too long" };
    }
    return { text: null, next: i };
  };

  return {
    decode(input) {
      const data: Uint8Array[] = [];
      let at = 0;
      while (at < input.length && state !== "done") {
        if (state === "data") {
          const take = Math.min(remaining, input.length - at);
          data.push(input.subarray(at, at + take));
          at += take;
          remaining -= take;
          if (remaining === 0) state = "data-crlf";
          continue;
        }
        const { text, next, error } = takeLine(input, at);
        at = next;
        if (error) return { data, consumed: at, done: false, error };
        if (text === null) break;
        if (state === "data-crlf") {
          if (text !== "") return { data, consumed: at, done: false, error: "Missing CRLF after chunk data" };
          state = "size";
        } else if (state === "size") {
          if (text === "") continue;
          const size = CHUNK_SIZE_LINE.exec(text);
          if (!size) return { data, consumed: at, done: false, error: "Bad chunk size" };
          // Jetty reads the size as a signed long: 2^63 and above is negative, refused at once.
          if (PAST_LONG_MAX.test(size[1]!)) return { data, consumed: at, done: false, error: "Bad chunk size" };
          // Past 2^53 the size is not exact, but no chunk that long completes anyway.
          remaining = Number.parseInt(size[1]!, 16);
          state = remaining === 0 ? "trailer" : "data";
        } else {
          trailerBytes += text.length + 2;
          if (trailerBytes > MAX_LINE * 2) return { data, consumed: at, done: false, error: "Trailers too large" };
          if (text === "") state = "done";
          else if (!TRAILER_LINE.test(text)) return { data, consumed: at, done: false, error: "Bad trailer" };
        }
      }
      return { data, consumed: at, done: state === "done" };
    },
  };
}
