/**
 * The text of a JSON request body in the encoding it was sent in. Confluent REST Proxy reads its
 * bodies with Jackson, which ignores a Content-Type charset and tells UTF-8, UTF-16 and UTF-32 (big-
 * or little-endian) apart by the first bytes (jackson-core's ByteSourceJsonBootstrapper): a byte
 * order mark says which (and is skipped); without one, JSON's first character is ASCII, so its zero
 * bytes say it (`00 00 00 xx` UTF-32BE, `xx 00 00 00` UTF-32LE, `00 xx` UTF-16BE, `xx 00`
 * UTF-16LE); anything else is UTF-8. The REST Proxy routes read bodies so. The connector's own
 * path also honours a charset parameter (it wins: the client said what it sent), and reads a body
 * without one as Jackson does.
 *
 * Read strictly, as every body of the listener is (body-text.ts): bytes that are not text in the
 * encoding are refused (`refuse(encoding)`), never read with U+FFFD in their place.
 */
import { charsetForName } from "../converters/charset.ts";
import { bytesText, decode, NotText } from "./body-text.ts";

export interface JsonBodyText {
  readonly text: string;
  /** The body's bytes are the UTF-8 of `text` (no other encoding, no byte order mark skipped). */
  readonly utf8: boolean;
}

/** What a body that is not text in `encoding` (a name such as UTF-16LE) is refused with. */
export type RefuseText = (encoding: string) => Error;

/** The encoding of a JSON body by its first bytes (Jackson's), and the byte order mark's length. */
export function detected(b: Uint8Array): { encoding: string; skip: number } {
  if (b.length >= 4) {
    const quad = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    if (quad === 0x0000feff) return { encoding: "UTF-32BE", skip: 4 };
    if (quad === 0xfffe0000) return { encoding: "UTF-32LE", skip: 4 };
    // The byte orders 2143 and 3412 Jackson refuses ("Unsupported UCS-4 endianness").
    if (quad === 0x0000fffe || quad === 0xfeff0000) return { encoding: "UTF-32", skip: -1 };
  }
  if (b.length >= 2) {
    if (b[0] === 0xfe && b[1] === 0xff) return { encoding: "UTF-16BE", skip: 2 };
    if (b[0] === 0xff && b[1] === 0xfe) return { encoding: "UTF-16LE", skip: 2 };
  }
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: "UTF-8", skip: 3 };
  if (b.length >= 4) {
    if (b[0] === 0 && b[1] === 0 && b[2] === 0) return { encoding: "UTF-32BE", skip: 0 };
    if (b[1] === 0 && b[2] === 0 && b[3] === 0) return { encoding: "UTF-32LE", skip: 0 };
    if ((b[0] === 0 && b[2] === 0 && b[3] === 0) || (b[0] === 0 && b[1] === 0 && b[3] === 0))
      return { encoding: "UTF-32", skip: -1 };
  }
  if (b.length >= 2) {
    if (b[0] === 0) return { encoding: "UTF-16BE", skip: 0 };
    if (b[1] === 0) return { encoding: "UTF-16LE", skip: 0 };
  }
  return { encoding: "UTF-8", skip: 0 };
}

/** UTF-32 code units as text; null when one is no Unicode scalar value or the length is no multiple of 4. */
export function utf32(bytes: Uint8Array, littleEndian: boolean): string | null {
  if (bytes.length % 4 !== 0) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const points: number[] = [];
  let out = "";
  for (let i = 0; i < bytes.length; i += 4) {
    const point = view.getUint32(i, littleEndian);
    if (point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) return null;
    points.push(point);
    if (points.length === 8192) out += String.fromCodePoint(...points.splice(0));
  }
  return out + String.fromCodePoint(...points);
}

/** `bytes` as text in `encoding` (one `detected` names), or null when they are not. */
function decoded(bytes: Uint8Array, encoding: string): string | null {
  if (encoding === "UTF-32BE" || encoding === "UTF-32LE") return utf32(bytes, encoding === "UTF-32LE");
  if (encoding !== "UTF-8" && encoding !== "UTF-16BE" && encoding !== "UTF-16LE") return null;
  try {
    return decode(encoding, bytes);
  } catch {
    return null;
  }
}

/** A body read as Jackson reads it, whatever a Content-Type says (the REST Proxy routes). */
export function jacksonBodyText(body: Uint8Array, refuse: RefuseText): JsonBodyText {
  const { encoding, skip } = detected(body);
  const text = skip < 0 ? null : decoded(skip === 0 ? body : body.subarray(skip), encoding);
  if (text === null) throw refuse(encoding);
  return { text, utf8: encoding === "UTF-8" && skip === 0 };
}

/** UTF-32 by its Java names, which bytesText does not read: big-endian unless a byte order mark or the name says. */
function utf32Named(charset: string, body: Uint8Array): string | undefined {
  const name = charset.toLowerCase();
  if (name === "utf-32le") return "UTF-32LE";
  if (name === "utf-32be") return "UTF-32BE";
  if (name !== "utf-32") return undefined;
  return body[0] === 0xff && body[1] === 0xfe && body[2] === 0 && body[3] === 0 ? "UTF-32LE" : "UTF-32BE";
}

/**
 * A body in `charset` (a Content-Type's charset parameter: it wins) or, without one, as Jackson
 * reads it (the connector's own path). A byte order mark at the start is not part of the text.
 * UnsupportedCharset for a charset this gateway cannot read.
 */
export function jsonBodyText(body: Uint8Array, charset: string | null, refuse: RefuseText): JsonBodyText {
  if (charset === null) return jacksonBodyText(body, refuse);
  const utf32 = utf32Named(charset, body);
  let text: string | null;
  if (utf32 !== undefined) text = decoded(body, utf32);
  else {
    try {
      text = bytesText(body, charset);
    } catch (error) {
      if (!(error instanceof NotText)) throw error;
      text = null;
    }
  }
  if (text === null) throw refuse(utf32 ?? charset);
  const bom = text.charCodeAt(0) === 0xfeff;
  // UTF-8 bodies (the common `charset=utf-8`) keep their bytes: no encode on the way to Kafka.
  const utf8 = !bom && utf32 === undefined && UTF8_BYTES.has(charsetForName(charset).name);
  return { text: bom ? text.slice(1) : text, utf8 };
}

/** Charsets whose text is the body's bytes as UTF-8 (US-ASCII: read only when all bytes are ASCII). */
const UTF8_BYTES: ReadonlySet<string> = new Set(["UTF-8", "US-ASCII"]);
