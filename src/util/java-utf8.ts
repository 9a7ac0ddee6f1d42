/**
 * Text as Java writes it in UTF-8 (`String.getBytes(StandardCharsets.UTF_8)`, Kafka's
 * `Utils.utf8`): Java's encoder replaces a lone UTF-16 surrogate with `?` (0x3F), where TextEncoder
 * and Buffer write U+FFFD (EF BF BD). JSON text carries such strings (`"\ud800"`: JSON.parse keeps
 * it, as Jackson does). The `?` is ASCII, so the text with its lone surrogates replaced encodes to
 * Java's bytes with any UTF-8 encoder.
 */

/** `text` with each lone surrogate as `?`; the same string when it has none. */
export function javaUtf8Text(text: string): string {
  // With the u flag \p{Surrogate} matches only a surrogate that is not half of a pair.
  return text.isWellFormed() ? text : text.replace(/\p{Surrogate}/gu, "?");
}
