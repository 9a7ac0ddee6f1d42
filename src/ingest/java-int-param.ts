/**
 * A path parameter Jersey converts to a Java `int` (REST Proxy's `@PathParam("partition") int`):
 * Jersey calls `Integer.valueOf(text)` on the decoded segment, untrimmed, so an optional `+` or `-`
 * then decimal digits (any Unicode decimal digit of the BMP, as `Character.digit` reads them)
 * within int range convert; anything else (`0x0`, `1e0`, ` 0`, `2147483648`) fails, which Jersey
 * answers with a plain 404 before the resource runs.
 */

const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;
const DIGIT = /^\p{Nd}$/u;

/** The value of one BMP decimal digit: Unicode lays each script's digits out as a run 0..9. */
function digitValue(char: string): number | undefined {
  const code = char.charCodeAt(0);
  if (char.length !== 1 || !DIGIT.test(char)) return undefined;
  let zero = code;
  while (zero > 0 && DIGIT.test(String.fromCharCode(zero - 1))) zero--;
  return (code - zero) % 10;
}

/** `Integer.valueOf(text)` (radix 10), or undefined where it throws NumberFormatException. */
export function javaIntPathParam(text: string): number | undefined {
  const sign = text[0] === "-" || text[0] === "+" ? text[0] : "";
  const digits = text.slice(sign.length);
  if (digits.length === 0) return undefined;
  let value = 0;
  for (const char of digits) {
    const digit = digitValue(char);
    if (digit === undefined) return undefined;
    value = value * 10 + digit;
    if (value > INT_MAX + 1) return undefined;
  }
  const signed = sign === "-" ? -value : value;
  return signed < INT_MIN || signed > INT_MAX ? undefined : signed === 0 ? 0 : signed;
}
