/**
 * The Java character sets StringConverter supports (`converter.encoding`), by Java's names and
 * aliases, case-insensitively: UTF-8, US-ASCII, ISO-8859-1, UTF-16, UTF-16BE and UTF-16LE. They
 * behave as Java's `String.getBytes` and `new String(bytes, charset)` do: an unmappable
 * character is written as `?`, a malformed byte sequence is read as U+FFFD, UTF-16 writes a
 * big-endian byte order mark and reads either one, and UTF-8 keeps a leading byte order mark.
 */
import { ConfigError } from "../errors.ts";

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

/** Lone surrogates cannot be encoded; Java writes `?` for each. */
function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.replace(/\p{Surrogate}/gu, "?");
}

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
      const offset = bom ? 2 : 0;
      const out = new Uint8Array(offset + units.length * 2);
      const view = new DataView(out.buffer);
      if (bom) view.setUint16(0, 0xfeff, false);
      for (let i = 0; i < units.length; i++) view.setUint16(offset + i * 2, units.charCodeAt(i), littleEndian);
      return out;
    },
    decode(bytes) {
      if (!bom) return (littleEndian ? utf16leDecoder : utf16beDecoder).decode(bytes);
      if (bytes[0] === 0xff && bytes[1] === 0xfe) return utf16leDecoder.decode(bytes.subarray(2));
      if (bytes[0] === 0xfe && bytes[1] === 0xff) return utf16beDecoder.decode(bytes.subarray(2));
      return utf16beDecoder.decode(bytes);
    },
  };
}

const UTF_8: Charset = {
  name: "UTF-8",
  encode: (text) => utf8Encoder.encode(wellFormed(text)),
  decode: (bytes) => utf8Decoder.decode(bytes),
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
