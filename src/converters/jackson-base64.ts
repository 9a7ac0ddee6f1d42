/**
 * Jackson's reading of a JSON text node as bytes (`TextNode.binaryValue()`, the MIME-NO-LINEFEEDS
 * variant), which JsonConverter 4.3.1 uses for BYTES and Decimal payloads: the text trimmed of
 * characters up to U+0020, the standard alphabet, padding required, such characters skipped between
 * 4-character units (only there), and bits past the last byte ignored (`AB==` is one zero byte).
 * Malformed text fails with Jackson's InvalidFormatException and its message (runtime cases
 * hunt-decimal-base64-*). Used by json-to-connect.ts.
 */
import { JavaException } from "../errors.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const SEXTETS = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) SEXTETS[ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d;
const SPACE = 0x20;
const MISSING_PADDING =
  "Unexpected end of base64-encoded String: base64 variant 'MIME-NO-LINEFEEDS' expects padding (one or more '=' characters) at the end. This Base64Variant might have been incorrectly configured";

function broken(message: string): JavaException {
  return new JavaException(
    "com.fasterxml.jackson.databind.exc.InvalidFormatException",
    `Cannot access contents of TextNode as binary due to broken Base64 encoding: ${message}`,
  );
}

/** Jackson's message for `code` as character `index` (0–3) of a unit, with what was expected. */
function illegal(code: number, index: number, expected?: string): JavaException {
  const hex = code.toString(16);
  const char = String.fromCharCode(code);
  const base =
    code <= SPACE
      ? `Illegal white space character (code 0x${hex}) as character #${index + 1} of 4-char base64 unit: can only used between units`
      : code === PAD
        ? `Unexpected padding character ('=') as character #${index + 1} of 4-char base64 unit: padding only legal as 3rd or 4th character`
        : // Java's !Character.isDefined(ch) || Character.isISOControl(ch)
          /\p{Cn}/u.test(char) || (code >= 0x7f && code <= 0x9f)
          ? `Illegal character (code 0x${hex}) in base64 content`
          : `Illegal character '${char}' (code 0x${hex}) in base64 content`;
  return broken(expected === undefined ? base : `${base}: ${expected}`);
}

function sextet(code: number, index: number): number {
  const bits = code < 128 ? SEXTETS[code]! : -1;
  if (bits < 0) throw illegal(code, index);
  return bits;
}

/** The bytes of base64 `json` text as Jackson reads them; a JavaException (InvalidFormatException) when malformed. */
export function jacksonBase64(json: string): Uint8Array {
  // Java's String.trim(): every character up to U+0020 at either end (index loops: a regex
  // anchored at the end retries from every start of a run in the middle, quadratic in its length).
  let start = 0;
  let end = json.length;
  while (start < end && json.charCodeAt(start) <= SPACE) start++;
  while (end > start && json.charCodeAt(end - 1) <= SPACE) end--;
  const out: number[] = [];
  let i = start;
  const take = (): number => {
    if (i >= end) throw broken(MISSING_PADDING);
    return json.charCodeAt(i++);
  };
  for (;;) {
    while (i < end && json.charCodeAt(i) <= SPACE) i++;
    if (i >= end) return Uint8Array.from(out);
    const first = sextet(take(), 0);
    const twelve = (first << 6) | sextet(take(), 1);
    const third = take();
    if (third === PAD) {
      const fourth = take();
      if (fourth !== PAD) throw illegal(fourth, 3, "expected padding character '='");
      out.push(twelve >> 4);
      continue;
    }
    const eighteen = (twelve << 6) | sextet(third, 2);
    const fourth = take();
    if (fourth === PAD) {
      out.push(eighteen >> 10, (eighteen >> 2) & 0xff);
      continue;
    }
    const all = (eighteen << 6) | sextet(fourth, 3);
    out.push(all >> 16, (all >> 8) & 0xff, all & 0xff);
  }
}
