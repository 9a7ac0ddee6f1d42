/**
 * The default Content-Type of the HTTP sink's requests, from the value converter (RecordEncoder's
 * valueContentType, which deliveryFor sends unless sink.header.Content-Type or a CloudEvents
 * record's content-type overrides it); `charsetNameOf`, the charset a converter writes text in
 * (RecordEncoder reads forwarded headers in the header converter's); and `batchValueCharset`, the
 * charset RecordEncoder re-encodes a batch's values from, so that a batch is UTF-8 JSON.
 */
import { type Charset, charsetForName } from "../../converters/charset.ts";

/** Converters whose output is never text: ByteArrayConverter and the number and boolean converters. */
const BINARY_CONVERTERS = /(ByteArray|Boolean|Short|Integer|Long|Float|Double)Converter$/;
/** Converters whose output is binary numbers or booleans: never JSON text, framed in an array or not. */
const NUMBER_CONVERTERS = /(Boolean|Short|Integer|Long|Float|Double)Converter$/;
/** Charsets whose text is UTF-8 text as it is. */
const UTF8_TEXT = new Set(["UTF-8", "US-ASCII"]);

/** The charset a StringConverter writes (`converter.encoding`; its `encodingName`), else UTF-8. */
export function charsetNameOf(converter: unknown): string {
  // StringConverter tells its charset; the connector does not depend on the converters' classes.
  const named = (converter as { readonly encodingName?: unknown } | undefined)?.encodingName;
  return typeof named === "string" ? named : "UTF-8";
}

/**
 * The charset of the text a value converter writes when a batch must re-encode it in UTF-8: JSON
 * is UTF-8 (RFC 8259 defines no charset parameter for it: a compliant endpoint reads another
 * charset's text as UTF-8, and some refuse a charset that is not UTF, as Express's JSON parser
 * does with 415). Null when the text is UTF-8 already.
 */
export function batchValueCharset(converter: unknown): Charset | null {
  const name = charsetNameOf(converter);
  return UTF8_TEXT.has(name) ? null : charsetForName(name);
}

/**
 * The Content-Type of a value converter's output. One value (single mode): text in the charset a
 * StringConverter writes (`converter.encoding`), UTF-8 for other text converters, bytes for the
 * binary ones. A batch (`[v1,v2,…]`): JSON whenever the values are JSON texts, which is the only
 * way an endpoint can split it (so also for ByteArrayConverter, Flink's `raw`; a StringConverter's
 * text in another charset is re-encoded in UTF-8: batchValueCharset); bytes for the number and
 * boolean converters, whose binary values never make JSON.
 */
export function contentTypeOf(converterClass: string, converter?: unknown, batch = false): string {
  if (converterClass.endsWith("JsonConverter")) return "application/json";
  if (batch) return NUMBER_CONVERTERS.test(converterClass) ? "application/octet-stream" : "application/json";
  if (BINARY_CONVERTERS.test(converterClass)) return "application/octet-stream";
  return `text/plain; charset=${charsetNameOf(converter).toLowerCase()}`;
}
