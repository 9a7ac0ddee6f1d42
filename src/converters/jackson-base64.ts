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
  const text = json.slice(start, end);
  return plainBase64(text) ?? readUnits(text);
}

/**
 * `text`'s bytes when it is standard base64 with padding only at its end, read by Bun's
 * Uint8Array.fromBase64 ("loose" ignores bits past the last byte, as Jackson does); else undefined.
 * fromBase64 also reads what Jackson refuses, white space anywhere and a last unit without padding;
 * either leaves fewer characters to decode than this length holds, so fewer bytes than 3 a unit
 * less 1 a trailing '=': the length tells them apart.
 */
function plainBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.fromBase64(text, { lastChunkHandling: "loose" });
  } catch {
    return undefined;
  }
  let pads = 0;
  while (pads < text.length && text.charCodeAt(text.length - 1 - pads) === PAD) pads++;
  return bytes.length === (text.length >> 2) * 3 - pads ? bytes : undefined;
}

/** Jackson's unit-by-unit reading of trimmed `text`: white space between units, its errors in its order. */
function readUnits(text: string): Uint8Array {
  const end = text.length;
  const out = new Uint8Array((end >> 2) * 3 + 3);
  let n = 0;
  let i = 0;
  for (;;) {
    while (i < end && text.charCodeAt(i) <= SPACE) i++;
    if (i >= end) return out.subarray(0, n);
    const first = sextet(text.charCodeAt(i), 0);
    if (i + 1 >= end) throw broken(MISSING_PADDING);
    const twelve = (first << 6) | sextet(text.charCodeAt(i + 1), 1);
    if (i + 2 >= end) throw broken(MISSING_PADDING);
    const third = text.charCodeAt(i + 2);
    const thirdBits = third === PAD ? 0 : sextet(third, 2);
    if (i + 3 >= end) throw broken(MISSING_PADDING);
    const fourth = text.charCodeAt(i + 3);
    i += 4;
    if (third === PAD) {
      if (fourth !== PAD) throw illegal(fourth, 3, "expected padding character '='");
      out[n++] = twelve >> 4;
      continue;
    }
    const eighteen = (twelve << 6) | thirdBits;
    if (fourth === PAD) {
      out[n++] = eighteen >> 10;
      out[n++] = eighteen >> 2;
      continue;
    }
    const all = (eighteen << 6) | sextet(fourth, 3);
    out[n++] = all >> 16;
    out[n++] = all >> 8;
    out[n++] = all;
  }
}
