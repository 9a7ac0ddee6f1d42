/**
 * SQLite's BINARY order of texts, in JavaScript: for the stores that keep a position in an index of
 * text columns (IdempotencyEviction's cursors over the Idempotency-Keys' primary key).
 */

/**
 * Compares two texts read from SQLite as its BINARY collation does: by their UTF-8 bytes, that is
 * by code point. JavaScript's `<` compares UTF-16 code units, which puts a character above U+FFFF (a
 * surrogate, 0xD800-0xDFFF) before U+E000-U+FFFF: those units are shifted back into code point
 * order. Negative, 0 or positive, as `Array.prototype.sort` takes it.
 */
export function compareSqliteText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return inCodePointOrder(x) - inCodePointOrder(y);
  }
  return a.length - b.length;
}

const inCodePointOrder = (unit: number) => (unit < 0xd800 ? unit : unit >= 0xe000 ? unit - 0x800 : unit + 0x2000);
