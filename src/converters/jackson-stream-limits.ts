/**
 * Jackson's StreamReadConstraints as Apache's JsonConverter (Jackson 2.21, Connect 4.3.1) applies
 * them: a document nesting arrays and objects more than 1000 levels deep, or a number with more
 * than 1000 digits, is refused wherever it stands, whatever follows the first value (trailing
 * content Jackson never reads is not scanned). A number's length is its digits only: an integer's
 * without the sign and leading zeros; a fraction's or exponent's integer, fraction and exponent
 * digits together (`1.` + 1000 digits is 1001). The first limit crossed in the text is the one
 * reported, with Jackson's message (recorded against Connect 4.3.1's JsonConverter).
 *
 * Cost: a text of at most 1000 characters cannot cross either limit; a longer one is scanned only
 * when it has more than 1000 brackets or a run of 1001 number characters (native checks), once,
 * linearly.
 */
import { closingQuote, MAX_JSON_DEPTH, mayBeDeeper } from "../api/data/json-depth.ts";
import { streamConstraintsMessage as exceeds } from "../rest/jackson/json-scanner.ts";

const MAX_NUMBER_LENGTH = 1000;
const LONG_NUMBER_RUN = /[-+.eE\d]{1001}/;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Jackson's StreamConstraintsException message for the first limit `text` crosses, or undefined. */
export function jacksonLimitExceeded(text: string): string | undefined {
  if (!mayBeDeeper(text, MAX_JSON_DEPTH) && !LONG_NUMBER_RUN.test(text)) return undefined;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = closingQuote(text, i);
      if (i < 0) return undefined;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH)
        return exceeds(`Document nesting depth (${depth})`, MAX_JSON_DEPTH, "getMaxNestingDepth");
    } else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) return undefined; // the first value ends: Jackson reads no further
    } else if (c === 0x2d || isDigit(c)) {
      const [end, length] = numberLength(text, i);
      if (length > MAX_NUMBER_LENGTH)
        return exceeds(`Number value length (${length})`, MAX_NUMBER_LENGTH, "getMaxNumberLength");
      if (depth === 0) return undefined; // a root number is the first value
      i = end - 1;
    }
  }
  return undefined;
}

/** Where the number starting at `start` ends, and its length as Jackson counts it. */
function numberLength(text: string, start: number): [number, number] {
  let i = text.charCodeAt(start) === 0x2d ? start + 1 : start;
  while (text.charCodeAt(i) === 0x30 && isDigit(text.charCodeAt(i + 1))) i++;
  const digitsFrom = i;
  while (isDigit(text.charCodeAt(i))) i++;
  let length = i - digitsFrom;
  if (text.charCodeAt(i) === 0x2e /* . */) {
    const from = ++i;
    while (isDigit(text.charCodeAt(i))) i++;
    length += i - from;
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    i++;
    if (text.charCodeAt(i) === 0x2b || text.charCodeAt(i) === 0x2d) i++;
    const from = i;
    while (isDigit(text.charCodeAt(i))) i++;
    length += i - from;
  }
  return [i, length];
}
