/**
 * The Java character sets StringConverter supports (`converter.encoding`), by Java's names and
 * aliases, case-insensitively: UTF-8, US-ASCII, ISO-8859-1, UTF-16, UTF-16BE and UTF-16LE. They
 * behave as Java's `String.getBytes` and `new String(bytes, charset)` do: an unmappable
 * character is written as `?`, a malformed byte sequence is read as U+FFFD, UTF-16 writes a
 * big-endian byte order mark (none for empty text) and reads either one, and UTF-8 keeps a leading
 * byte order mark.
 */
import { ConfigError } from "../errors.ts";
import { javaUtf8Text } from "../util/java-utf8.ts";

export interface Charset {
  /** Java's canonical name. */
  readonly name: string;
  encode(text: string): Uint8Array;
  decode(bytes: Uint8Array): string;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const utf16beDecoder = new TextDecoder("utf-16be", { ignoreBOM: true });
const utf16leDecoder = new TextDecoder("utf-16le", { ignoreBOM: true });

function singleByte(name: string, max: number): Charset {
  return {
    name,
    encode(text) {
      const out: number[] = [];
      for (const ch of text) {
        const code = ch.codePointAt(0)!;
        out.push(code <= max ? code : 0x3f);
      }
      return new Uint8Array(out);
    },
    decode(bytes) {
      let out = "";
      for (let i = 0; i < bytes.length; i += 8192) {
        const chunk = Array.from(bytes.subarray(i, i + 8192), (b) => (b <= max ? b : 0xfffd));
        out += String.fromCharCode(...chunk);
      }
      return out;
    },
  };
}

function utf16(name: string, littleEndian: boolean, bom: boolean): Charset {
  return {
    name,
    encode(text) {
      const units = text.isWellFormed() ? text : text.toWellFormed();
      // Java writes the byte order mark before the first character: no character, no mark.
      const offset = bom && units.length > 0 ? 2 : 0;
      const out = new Uint8Array(offset + units.length * 2);
      const view = new DataView(out.buffer);
      if (offset > 0) view.setUint16(0, 0xfeff, false);
      for (let i = 0; i < units.length; i++) view.setUint16(offset + i * 2, units.charCodeAt(i), littleEndian);
      return out;
    },
    decode(bytes) {
      if (!bom) return decodeUtf16(bytes, littleEndian);
      if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeUtf16(bytes.subarray(2), true);
      if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeUtf16(bytes.subarray(2), false);
      return decodeUtf16(bytes, false);
    },
  };
}

/**
 * Java's UTF-16 decoder replaces a high surrogate and the unit after it, when that is no low
 * surrogate, with one U+FFFD (and a high surrogate with less than a unit after it, with what is
 * left); the WHATWG decoder replaces only the high surrogate. Only text with a U+FFFD in it can
 * differ, so other text keeps the fast decoder.
 */
function decodeUtf16(bytes: Uint8Array, littleEndian: boolean): string {
  const fast = (littleEndian ? utf16leDecoder : utf16beDecoder).decode(bytes);
  if (!fast.includes("\ufffd")) return fast;
  const unit = (i: number) => (littleEndian ? bytes[i]! | (bytes[i + 1]! << 8) : (bytes[i]! << 8) | bytes[i + 1]!);
  const units: number[] = [];
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    const u = unit(i);
    if (u >= 0xd800 && u <= 0xdbff) {
      if (i + 3 >= bytes.length) {
        units.push(0xfffd);
        i = bytes.length;
        break;
      }
      const next = unit(i + 2);
      units.push(...(next >= 0xdc00 && next <= 0xdfff ? [u, next] : [0xfffd]));
      i += 2;
    } else units.push(u >= 0xdc00 && u <= 0xdfff ? 0xfffd : u);
  }
  if (i < bytes.length) units.push(0xfffd);
  let out = "";
  for (let k = 0; k < units.length; k += 8192) out += String.fromCharCode(...units.slice(k, k + 8192));
  return out;
}

/**
 * JDK 17's `new String(bytes, UTF_8)` reads 0xED followed by 0xA0–0xBF (a UTF-16 surrogate encoded
 * in UTF-8, as CESU-8 writes it), with the next byte when that is a continuation byte, as one
 * malformed sequence: one U+FFFD where the WHATWG decoder gives one per byte. 0xED is never a
 * continuation byte, so each such pair starts a sequence in both decoders.
 */
function decodeUtf8(bytes: Uint8Array): string {
  const fast = utf8Decoder.decode(bytes);
  if (!fast.includes("\ufffd")) return fast;
  let out = "";
  let start = 0;
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] !== 0xed || bytes[i + 1]! < 0xa0 || bytes[i + 1]! > 0xbf) continue;
    out += utf8Decoder.decode(bytes.subarray(start, i));
    out += "\ufffd";
    const third = bytes[i + 2];
    start = i + (third !== undefined && third >= 0x80 && third <= 0xbf ? 3 : 2);
    i = start - 1;
  }
  return out + utf8Decoder.decode(bytes.subarray(start));
}

const UTF_8: Charset = {
  name: "UTF-8",
  encode: (text) => utf8Encoder.encode(javaUtf8Text(text)),
  decode: decodeUtf8,
};

const CHARSETS: readonly [Charset, readonly string[]][] = [
  [UTF_8, ["utf-8", "utf8", "unicode-1-1-utf-8"]],
  [
    singleByte("US-ASCII", 0x7f),
    ["us-ascii", "ascii", "iso646-us", "ascii7", "646", "us", "cp367", "csascii", "default"],
  ],
  [
    singleByte("ISO-8859-1", 0xff),
    ["iso-8859-1", "iso8859_1", "iso_8859_1", "iso8859-1", "iso_8859-1", "latin1", "l1", "8859_1", "cp819", "ibm819"],
  ],
  [utf16("UTF-16", false, true), ["utf-16", "utf_16", "utf16", "unicode"]],
  [utf16("UTF-16BE", false, false), ["utf-16be", "utf_16be", "x-utf-16be", "iso-10646-ucs-2", "unicodebigunmarked"]],
  [utf16("UTF-16LE", true, false), ["utf-16le", "utf_16le", "x-utf-16le", "unicodelittleunmarked"]],
];

const BY_NAME: ReadonlyMap<string, Charset> = new Map(
  CHARSETS.flatMap(([charset, names]) => names.map((n) => [n, charset] as const)),
);

/** The charset Java's `Charset.forName(name)` would give; ConfigError when it is not supported here. */
export function charsetForName(name: string): Charset {
  const charset = BY_NAME.get(name.toLowerCase());
  if (!charset) throw new ConfigError(`Unsupported encoding ${name}`);
  return charset;
}
