/**
 * The character classes a request's lines are checked against, as Jetty 12's HttpTokens names
 * them (Apache Kafka Connect's server): RFC 9110's tchar, Jetty's CNTL, and the name Jetty gives a
 * character it refuses, the reason of its 400. `head-line.ts` and `request-head.ts` check a head's
 * bytes with them, `body-decoder.ts` a chunked body's size and trailer lines.
 */

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const COLON = 0x3a;

/** tchar of RFC 9110 section 5.6.2. */
export const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/**
 * Jetty's CNTL characters (HttpTokens), refused wherever they come in a head or a chunked body's
 * lines: the C0 controls but HTAB, LF and CR (which have rules of their own), and DEL.
 */
export const CNTL = new Uint8Array(256);
for (let c = 0; c < SP; c++) if (c !== HTAB && c !== LF && c !== CR) CNTL[c] = 1;
CNTL[0x7f] = 1;

/** Jetty's name for a character it refuses (`Illegal character CNTL=0x1`). */
export function illegalCharacter(c: number): string {
  if (c === HTAB) return "Illegal character HTAB=0x9";
  if (c === SP) return "Illegal character SPACE=' '";
  if (c === LF) return "Illegal character LF=\\n";
  if (c === COLON) return "Illegal character COLON=':'";
  if (CNTL[c] === 1 || c === CR) return `Illegal character CNTL=0x${c.toString(16)}`;
  if (c >= 0x80) return `Illegal character OTEXT=0x${c.toString(16)}`;
  return `Illegal character VCHAR='${String.fromCharCode(c)}'`;
}
