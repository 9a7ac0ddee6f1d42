/**
 * Java's `Character.digit(ch, 10)` of one UTF-16 unit: the value of a decimal digit (Unicode's Nd,
 * Java's Character.isDigit of a char), -1 for anything else: a lone surrogate, and a code that is no
 * UTF-16 unit (NaN, negative, past 0xFFFF). Read from a table filled as units are first seen, so a
 * text of digits costs one lookup per unit. Used where BigDecimal, Values and Cast's integer
 * parsers read digits (logical.ts, big-decimal-text.ts, transforms/util/java-numbers.ts).
 */

const UNSEEN = -2;
/** A value per BMP unit: 0 to 9, -1 for no digit, UNSEEN until first asked. */
const digitValues = new Int8Array(0x10000).fill(UNSEEN);

function isNd(code: number): boolean {
  return /\p{Nd}/u.test(String.fromCharCode(code));
}

/** The digit's value: its place in its run of Nd units, each run of the BMP being one 0-9 block. */
function nonAsciiDigit(code: number): number {
  if (!isNd(code)) return -1;
  let zero = code;
  while (zero > 0 && code - zero < 9 && isNd(zero - 1)) zero--;
  return (code - zero) % 10;
}

export function javaDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (!(code >= 0x80 && code <= 0xffff)) return -1; // NaN, a code point past the BMP: no UTF-16 unit
  let value = digitValues[code]!;
  if (value === UNSEEN) {
    value = nonAsciiDigit(code);
    digitValues[code] = value;
  }
  return value;
}
