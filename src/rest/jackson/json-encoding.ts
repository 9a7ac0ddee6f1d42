/**
 * The encoding of a JSON body, detected as Jackson's ByteSourceJsonBootstrapper detects it (a BOM,
 * else the pattern of zero bytes in the first four), and the body as UTF-8 for the scanner
 * (json-scanner.ts). A UTF-16 or UTF-32 body is read by Jackson's char-based parser, whose columns
 * count characters (UTF-16 units), not bytes: `charColumns` says so, and `charColumn` counts them
 * (only when a message is built: counting per token would be quadratic on a one-line body).
 */
import { JacksonError } from "./jackson-error.ts";

type Encoding = "utf-8" | "utf-16be" | "utf-16le" | "utf-32be" | "utf-32le";

/** Jackson's read buffer (BufferRecycler's 8000 bytes): UTF32Reader decodes one at a time. */
const READ_BUFFER_BYTES = 8000;

export interface JsonInput {
  readonly utf8: Uint8Array;
  /** The body was transcoded from UTF-16/32: locations count characters. */
  readonly charColumns: boolean;
  /**
   * Jackson's UTF32Reader error (a value above U+10FFFF, a truncated last unit), raised only once
   * the parser reads past `utf8`: Jackson decodes lazily, so the parser sees the text before it.
   */
  readonly readError: JacksonError | null;
}

export function jsonInput(bytes: Uint8Array): JsonInput {
  const { encoding, skip } = detect(bytes);
  const body = bytes.subarray(skip);
  if (encoding === "utf-8") return { utf8: body, charColumns: false, readError: null };
  if (encoding === "utf-16be" || encoding === "utf-16le") {
    return { utf8: new TextEncoder().encode(decodeUtf16(body, encoding)), charColumns: true, readError: null };
  }
  const { text, readError } = utf32(body, encoding === "utf-32be", skip);
  return { utf8: new TextEncoder().encode(text), charColumns: true, readError };
}

/**
 * The column (1-based, in UTF-16 units) of byte `index` of the UTF-8 `text` whose line starts at
 * byte `lineStart`; a character `index` falls inside is not counted.
 */
export function charColumn(text: Uint8Array, lineStart: number, index: number): number {
  let units = 0;
  let i = lineStart;
  while (i < index) {
    const c = text[i]!;
    const size = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    if (i + size > index) break;
    units += size === 4 ? 2 : 1;
    i += size;
  }
  return units + 1;
}

function weirdUcs4(type: string): never {
  throw new JacksonError(`Unsupported UCS-4 endianness (${type}) detected`, null, false);
}

function detect(b: Uint8Array): { encoding: Encoding; skip: number } {
  if (b.length >= 4) {
    const quad = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    if (quad === 0x0000feff) return { encoding: "utf-32be", skip: 4 };
    if (quad === 0xfffe0000) return { encoding: "utf-32le", skip: 4 };
    if (quad === 0x0000fffe) weirdUcs4("2143");
    if (quad === 0xfeff0000) weirdUcs4("3412");
    const msw = quad >>> 16;
    if (msw === 0xfeff) return { encoding: "utf-16be", skip: 2 };
    if (msw === 0xfffe) return { encoding: "utf-16le", skip: 2 };
    if (quad >>> 8 === 0xefbbbf) return { encoding: "utf-8", skip: 3 };
    if (quad >>> 8 === 0) return { encoding: "utf-32be", skip: 0 };
    if ((quad & 0x00ffffff) === 0) return { encoding: "utf-32le", skip: 0 };
    if ((quad & 0xff00ffff) === 0) weirdUcs4("3412");
    if ((quad & 0xffff00ff) === 0) weirdUcs4("2143");
    return { encoding: utf16Order(msw), skip: 0 };
  }
  // Fewer than four bytes: Jackson looks for no BOM, only at the first two bytes' zeros.
  return { encoding: b.length >= 2 ? utf16Order((b[0]! << 8) | b[1]!) : "utf-8", skip: 0 };
}

function utf16Order(i16: number): Encoding {
  if ((i16 & 0xff00) === 0) return "utf-16be";
  if ((i16 & 0x00ff) === 0) return "utf-16le";
  return "utf-8";
}

function decodeUtf16(body: Uint8Array, encoding: "utf-16be" | "utf-16le"): string {
  // As Java's InputStreamReader: malformed input (an odd last byte) becomes U+FFFD, and a BOM after
  // the one detected is a character (ZWNBSP), which the parser refuses.
  return new TextDecoder(encoding, { ignoreBOM: true }).decode(body);
}

/**
 * Jackson's UTF32Reader. A value above U+10FFFF is reported as it computes it (minus 0x10000,
 * printed unsigned) once the parser reads the buffer holding it: the text before that buffer is
 * parsed first (READ_BUFFER_BYTES buffers, as a stream that fills each read delivers them). A
 * truncated last unit is reported once the parser reads past the last whole unit.
 */
function utf32(body: Uint8Array, bigEndian: boolean, skip: number): { text: string; readError: JacksonError | null } {
  const units = Math.floor(body.length / 4);
  let text = "";
  let bufferText = "";
  for (let i = 0; i < units; i++) {
    const at = i * 4;
    if ((skip + at) % READ_BUFFER_BYTES === 0) {
      text += bufferText;
      bufferText = "";
    }
    const value = bigEndian
      ? ((body[at]! << 24) | (body[at + 1]! << 16) | (body[at + 2]! << 8) | body[at + 3]!) >>> 0
      : ((body[at + 3]! << 24) | (body[at + 2]! << 16) | (body[at + 1]! << 8) | body[at]!) >>> 0;
    if (value > 0x10ffff) {
      const reported = ((value - 0x10000) >>> 0).toString(16);
      const chars = text.length + bufferText.length;
      const readError = new JacksonError(
        `Invalid UTF-32 character 0x${reported} (above 0x0010ffff) at char #${chars}, byte #${skip + at + 3})`,
        null,
        false,
      );
      return { text, readError };
    }
    bufferText += String.fromCodePoint(value);
  }
  text += bufferText;
  const left = body.length - units * 4;
  if (left === 0) return { text, readError: null };
  const readError = new JacksonError(
    `Unexpected EOF in the middle of a 4-byte UTF-32 char: got ${left}, needed 4, at char #${text.length}, byte #${skip + body.length})`,
    null,
    false,
  );
  return { text, readError };
}
