/**
 * User text (a config key, a header name) quoted for a message or a log line: as a JSON string,
 * with every character that could break the line or hide what it says escaped as `\uXXXX`: C0 and
 * C1 controls, DEL (JSON leaves it and C1 as they are), the Unicode line and paragraph separators,
 * and the bidirectional and format characters that reorder or hide text on screen (a key shown
 * as `drowssap` that is `password` written right to left).
 */

/** DEL, C1 controls, line and paragraph separators, bidi marks, embeddings, overrides and isolates, the BOM. */
const UNSAFE = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** `text` as a JSON string with UNSAFE characters escaped too. */
export function quotedText(text: string): string {
  return JSON.stringify(text).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
