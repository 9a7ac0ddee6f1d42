/**
 * Text of bytes a request sent, for a route whose converter writes text (StringConverter), read
 * strictly: a raw body in the charset its Content-Type names (UTF-8 when it names none), REST
 * Proxy binary data as UTF-8. Bytes that are not text in that charset are refused (NotText), never
 * read with U+FFFD in place of what was sent; a charset this gateway cannot read is
 * UnsupportedCharset. And the text of a request header: Bun hands header bytes over as ISO-8859-1
 * characters, so a header sent in UTF-8 (a device id `dév`) is read as UTF-8, not written to
 * Kafka twice encoded.
 */
import { charsetForName } from "../converters/charset.ts";

/** Bytes that are not text in the charset they are read in. */
export class NotText extends Error {
  override name = "NotText";
}

/** A Content-Type charset this gateway cannot read. */
export class UnsupportedCharset extends Error {
  override name = "UnsupportedCharset";
}

const decoders = {
  "UTF-8": new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }),
  "UTF-16BE": new TextDecoder("utf-16be", { fatal: true, ignoreBOM: true }),
  "UTF-16LE": new TextDecoder("utf-16le", { fatal: true, ignoreBOM: true }),
};

/** The `charset` parameter of a Content-Type (unquoted), or null when it has none. */
export function charsetOf(contentType: string | null): string | null {
  if (contentType === null || !contentType.includes(";")) return null;
  for (const param of contentType.split(";").slice(1)) {
    const eq = param.indexOf("=");
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== "charset") continue;
    const value = param.slice(eq + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return null;
}

/** `bytes` as text in UTF-8, UTF-16BE or UTF-16LE (a byte order mark kept); NotText when they are not. */
export function decode(name: keyof typeof decoders, bytes: Uint8Array): string {
  try {
    return decoders[name].decode(bytes);
  } catch {
    throw new NotText(`not valid ${name} text`);
  }
}

/** `bytes` read as text in `charset` (a Java name or alias; UTF-8 when null), strictly. */
/** The bytes as ISO-8859-1 text, read in place (no copy of a body up to its max bytes). */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

export function bytesText(bytes: Uint8Array, charset: string | null = null): string {
  if (charset === null) return decode("UTF-8", bytes);
  let name: string;
  try {
    name = charsetForName(charset).name;
  } catch {
    throw new UnsupportedCharset(`the charset ${charset} is not supported (UTF-8, US-ASCII, ISO-8859-1, UTF-16 are)`);
  }
  switch (name) {
    case "ISO-8859-1":
      return latin1(bytes);
    case "US-ASCII":
      if (bytes.some((b) => b > 0x7f)) throw new NotText("not valid US-ASCII text");
      return latin1(bytes);
    case "UTF-16": {
      // A byte order mark says which; without one, big-endian (as Java reads UTF-16).
      if (bytes[0] === 0xff && bytes[1] === 0xfe) return decode("UTF-16LE", bytes.subarray(2));
      return decode("UTF-16BE", bytes[0] === 0xfe && bytes[1] === 0xff ? bytes.subarray(2) : bytes);
    }
    default:
      return decode(name as keyof typeof decoders, bytes);
  }
}

/** Anything outside ASCII: a header Bun read as ISO-8859-1 that may have been UTF-8. */
const NON_ASCII = /[^\u0000-\u007f]/;

/** A request header's text: its bytes read as UTF-8 when they are UTF-8, else as Bun read them (ISO-8859-1). */
export function headerText(value: string): string {
  if (!NON_ASCII.test(value)) return value;
  try {
    return decoders["UTF-8"].decode(Buffer.from(value, "latin1"));
  } catch {
    return value;
  }
}

/** A request header's bytes exactly as sent. */
export function headerBytes(value: string): Uint8Array {
  return Buffer.from(value, "latin1");
}
