/**
 * The default Content-Type of the HTTP sink's requests, from the value converter (RecordEncoder's
 * valueContentType, which deliveryFor sends unless sink.header.Content-Type or a CloudEvents
 * record's content-type overrides it), and `charsetNameOf`, the charset a converter writes text in
 * (RecordEncoder reads forwarded headers in the header converter's).
 */

/** Converters whose output is never text: ByteArrayConverter and the number and boolean converters. */
const BINARY_CONVERTERS = /(ByteArray|Boolean|Short|Integer|Long|Float|Double)Converter$/;
/** Converters whose output is binary numbers or booleans: never JSON text, framed in an array or not. */
const NUMBER_CONVERTERS = /(Boolean|Short|Integer|Long|Float|Double)Converter$/;
/** Charsets whose text is UTF-8 text too: a JSON batch of it needs no charset parameter. */
const UTF8_TEXT = new Set(["UTF-8", "US-ASCII"]);

/** The charset a StringConverter writes (`converter.encoding`; its `encodingName`), else UTF-8. */
export function charsetNameOf(converter: unknown): string {
  // StringConverter tells its charset; the connector does not depend on the converters' classes.
  const named = (converter as { readonly encodingName?: unknown } | undefined)?.encodingName;
  return typeof named === "string" ? named : "UTF-8";
}

/**
 * The Content-Type of a value converter's output. One value (single mode): text in the charset a
 * StringConverter writes (`converter.encoding`), UTF-8 for other text converters, bytes for the
 * binary ones. A batch (`[v1,v2,…]`): JSON whenever the values are JSON texts, which is the only
 * way an endpoint can split it (so also for ByteArrayConverter, Flink's `raw`), naming the charset
 * when the values' text is not UTF-8 (JSON's own; US-ASCII text is UTF-8, and a charset parameter
 * would only make endpoints that take UTF-8 JSON alone refuse it); bytes for the number and boolean
 * converters, whose binary values never make JSON, and for UTF-16 text, which single-byte brackets
 * and commas around it make no text in any charset.
 */
export function contentTypeOf(converterClass: string, converter?: unknown, batch = false): string {
  if (converterClass.endsWith("JsonConverter")) return "application/json";
  const charset = charsetNameOf(converter);
  if (batch) {
    // The brackets and commas are single bytes (as in Flink's sink): with UTF-16 values the body is no one text.
    if (NUMBER_CONVERTERS.test(converterClass) || charset.startsWith("UTF-16")) return "application/octet-stream";
    return UTF8_TEXT.has(charset) ? "application/json" : `application/json; charset=${charset.toLowerCase()}`;
  }
  if (BINARY_CONVERTERS.test(converterClass)) return "application/octet-stream";
  return `text/plain; charset=${charset.toLowerCase()}`;
}
