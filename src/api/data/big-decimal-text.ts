/**
 * What Java's `new BigDecimal(String)` refuses, and the NumberFormatException it throws: the one
 * place that decides which texts are decimals. BigDecimal.parse (logical.ts) refuses exactly what
 * this refuses; Values (values-numbers.ts) and MaskField carry the exception as their
 * DataException's cause, as Connect does.
 *
 * Follows BigDecimal(char[], int, int, MathContext) of Java 25 one UTF-16 unit at a time (a
 * character outside the Basic Multilingual Plane is a stray surrogate), recorded in
 * test/fixtures/java-values: a stray character is named on the compact path (at most 18 UTF-16
 * units after the sign) but not on the long one; reading past the end (an empty text, nothing after
 * the exponent mark or its sign) is a NumberFormatException without a message, caused by the index
 * error.
 */
import { JavaException } from "../../errors.ts";
import { javaDigit } from "./java-digit.ts";

/** BigDecimal reads the unit after the text's last (its ArrayIndexOutOfBoundsException). */
const PAST_END = Symbol("past end");
/** Why BigDecimal refuses a text: its NumberFormatException's message, or PAST_END. */
type Refusal = string | typeof PAST_END;

/** Whether `new BigDecimal(text)` reads `text`; builds no exception (a hot path's question). */
export function isBigDecimalText(text: string): boolean {
  return refusalOf(text) === undefined;
}

/** The NumberFormatException `new BigDecimal(text)` throws; undefined where it reads a number. */
export function bigDecimalFormatError(text: string): JavaException | undefined {
  const refusal = refusalOf(text);
  if (refusal === undefined) return undefined;
  if (refusal !== PAST_END) return numberFormat(refusal);
  const index = `Index ${text.length} out of bounds for length ${text.length}`;
  return numberFormat("", new JavaException("java.lang.ArrayIndexOutOfBoundsException", index));
}

function refusalOf(text: string): Refusal | undefined {
  if (text === "") return PAST_END;
  let at = text[0] === "-" || text[0] === "+" ? 1 : 0;
  const compact = text.length - at <= 18;
  let dot = false;
  let digits = false;
  let scale = 0;
  for (; at < text.length; at++) {
    const c = text[at]!;
    if (javaDigit(c.charCodeAt(0)) >= 0) {
      digits = true;
      if (dot) scale++;
    } else if (c === ".") {
      if (dot) return "Character array contains more than one decimal point.";
      dot = true;
    } else if (c === "e" || c === "E") {
      const exponent = exponentOf(text, at + 1);
      if (typeof exponent !== "number") return exponent;
      scale -= exponent;
      break;
    } else {
      return compact
        ? `Character ${c} is neither a decimal digit number, decimal point, nor "e" notation exponential mark.`
        : 'Character array is missing "e" notation exponential mark.';
    }
  }
  if (!digits) return "No digits found.";
  return (scale | 0) === scale ? undefined : "Exponent overflow.";
}

/** BigDecimal's parseExp from `start`, just after the mark: the exponent, or why it throws. */
function exponentOf(text: string, start: number): number | Refusal {
  let at = start;
  if (at === text.length) return PAST_END;
  const negative = text[at] === "-";
  if (negative || text[at] === "+") {
    at++;
    if (at === text.length) return PAST_END;
  }
  // Leading zeros are skipped only while more than ten characters remain.
  while (text.length - at > 10 && javaDigit(text.charCodeAt(at)) === 0) at++;
  if (text.length - at > 10) return "Too many nonzero exponent digits.";
  // At most ten digits: below 2^53, exact.
  let magnitude = 0;
  for (let i = at; i < text.length; i++) {
    const digit = javaDigit(text.charCodeAt(i));
    if (digit < 0) return "Not a digit.";
    magnitude = magnitude * 10 + digit;
  }
  return negative ? -magnitude : magnitude;
}

function numberFormat(message: string, cause?: JavaException): JavaException {
  return new JavaException("java.lang.NumberFormatException", message, cause ? { cause } : undefined);
}
