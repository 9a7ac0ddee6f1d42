/**
 * The character classes Jackson's parser reads a bad token with (Java's Character methods): a
 * token is read to its end for the error message while its characters are Java identifier parts.
 */

export const VALUE_EXPECTED = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

/** ASCII letters, digits, `_` and `$`: where Jackson starts reading a literal or a bad token. */
export function isIdentPart(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24;
}

const START = /[\p{L}\p{Nl}\p{Sc}\p{Pc}]/u;
const PART = /[\p{L}\p{Nl}\p{Sc}\p{Pc}\p{Nd}\p{Mn}\p{Mc}\p{Cf}]/u;

/** Character.isJavaIdentifierStart. */
export function isJavaIdentifierStart(code: number): boolean {
  return START.test(String.fromCodePoint(code));
}

/** Character.isJavaIdentifierPart (identifier-ignorable control characters included). */
export function isJavaIdentifierPart(code: number): boolean {
  if (code <= 0x08 || (code >= 0x0e && code <= 0x1b) || (code >= 0x7f && code <= 0x9f)) return true;
  return PART.test(String.fromCodePoint(code));
}
