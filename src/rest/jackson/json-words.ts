/**
 * The word and number level of the JSON parser, between the byte level (json-scanner.ts) and the
 * token stream (json-parser.ts): numbers with Jackson's messages and StreamReadConstraints, and the
 * words Jackson refuses (`NaN`, `Infinity`, a leading `+`, bad tokens read to their end).
 */
import { charDesc } from "./jackson-error.ts";
import { isIdentPart, isJavaIdentifierPart, VALUE_EXPECTED } from "./java-chars.ts";
import { JsonScanner } from "./json-scanner.ts";

/** Jackson 2.21's default StreamReadConstraints.getMaxNumberLength. */
const MAX_NUMBER_LENGTH = 1000;

/** Jackson's default ErrorReportConfiguration.getMaxErrorTokenLength. */
const MAX_ERROR_TOKEN_LENGTH = 256;

export abstract class JsonWordScanner extends JsonScanner {
  /**
   * The end of the run of Java identifier parts from `i`, as Jackson reads a bad token to its end
   * (non-ASCII characters decoded: a broken UTF-8 sequence is its error instead).
   */
  protected wordEnd(i: number): number {
    let end = i;
    while (end < this.b.length) {
      const { code, size } = this.b[end]! < 0x80 ? { code: this.b[end]!, size: 1 } : this.codePointAt(end);
      if (!isJavaIdentifierPart(code)) break;
      end += size;
    }
    return end;
  }

  protected digitsFrom(index: number): number {
    let i = index;
    while (i < this.b.length && this.b[i]! >= 0x30 && this.b[i]! <= 0x39) i++;
    return i;
  }

  protected numberFail(what: string, index: number): never {
    const c = this.b[index];
    if (c === undefined) this.fail(`Unexpected end-of-input in a Number value: ${what}`, index);
    this.pos = index;
    this.fail(`Unexpected character (${charDesc(this.codePointAt(index).code)}) in numeric value: ${what}`, index);
  }

  /**
   * A sign (`-` or `+`, at `start`) followed by `I`: exactly `Infinity` is Jackson's refused
   * non-standard number, anything else an unrecognized token.
   */
  protected signedInfinity(start: number): never {
    if (this.knownWord(start + 1, ["Infinity"]) !== null) {
      this.nonStandard(new TextDecoder().decode(this.b.subarray(start, start + 9)), start + 9);
    }
    this.badToken(new TextDecoder().decode(this.b.subarray(start, this.wordEnd(start + 1))), start);
  }

  /**
   * Jackson's "Unrecognized token" for `word` at `start`: a word of 256 characters or more is shown
   * cut there, with `...` (ErrorReportConfiguration).
   */
  protected badToken(word: string, start: number): never {
    const shown = word.length >= MAX_ERROR_TOKEN_LENGTH ? `${word.slice(0, MAX_ERROR_TOKEN_LENGTH)}...` : word;
    this.fail(`Unrecognized token '${shown}': was expecting ${VALUE_EXPECTED}`, start);
  }

  /**
   * One of `words` spelled out in ASCII letters from `i` (and no more letters), or null. Jackson
   * then decodes a non-ASCII character after it from the wrong byte (its lead byte taken as the
   * middle byte): that UTF-8 error is the answer.
   */
  protected knownWord(i: number, words: readonly string[]): string | null {
    let end = i;
    while (end < this.b.length && isIdentPart(this.b[end]!)) end++;
    const word = new TextDecoder().decode(this.b.subarray(i, end));
    if (!words.includes(word)) return null;
    const lead = this.b[end];
    if (lead === undefined || lead < 0x80) return word;
    const hex = lead.toString(16);
    if ((lead & 0xe0) === 0xc0 || (lead & 0xf0) === 0xe0 || (lead & 0xf8) === 0xf0) {
      this.fail(`Invalid UTF-8 middle byte 0x${hex}`, end + 1);
    }
    this.fail(`Invalid UTF-8 start byte 0x${hex}`, end);
  }

  protected nonStandard(word: string, end: number): never {
    this.fail(`Non-standard token '${word}': enable \`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS\` to allow`, end);
  }

  /** A number starting with `+` (at `start`), which JSON does not allow. */
  protected plusSign(start: number): never {
    const d = this.b[start + 1];
    if (d === undefined) this.fail("Unexpected end-of-input in a Number value", start + 1);
    if (d === 0x49) this.signedInfinity(start);
    this.fail(
      "Unexpected character ('+' (code 43)) in numeric value: JSON spec does not allow numbers to have plus signs: enable `JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow",
      start + 1,
    );
  }

  /** A number at `start`; a root-level one must be followed by whitespace or the end. */
  protected scanNumber(start: number, root: boolean): "VALUE_NUMBER_INT" | "VALUE_NUMBER_FLOAT" {
    let i = start;
    if (this.b[i] === 0x2d) {
      i++;
      const d = this.b[i];
      if (d === undefined) this.fail(`Unexpected end-of-input in ${this.currentTokenName()}`, i);
      if (d === 0x49) this.signedInfinity(start);
      if (d < 0x30 || d > 0x39) {
        this.numberFail("expected digit (0-9) to follow minus sign, for valid numeric value", i);
      }
    }
    if (this.b[i] === 0x30 && this.b[i + 1] !== undefined && this.b[i + 1]! >= 0x30 && this.b[i + 1]! <= 0x39) {
      this.fail("Invalid numeric value: Leading zeroes not allowed", i + 1);
    }
    i = this.digitsFrom(i);
    let float = false;
    if (this.b[i] === 0x2e) {
      float = true;
      const end = this.digitsFrom(i + 1);
      if (end === this.b.length && end === i + 1) {
        this.fail("Unexpected character ('.' (code 46)) in numeric value: Decimal point not followed by a digit", i);
      }
      if (end === i + 1) this.numberFail("Decimal point not followed by a digit", i + 1);
      i = end;
    }
    if (this.b[i] === 0x65 || this.b[i] === 0x45) {
      float = true;
      let j = i + 1;
      if (this.b[j] === 0x2b || this.b[j] === 0x2d) j++;
      const end = this.digitsFrom(j);
      if (j === this.b.length) this.fail(`Unexpected end-of-input in ${this.currentTokenName()}`, j);
      if (end === j) this.numberFail("Exponent indicator not followed by a digit", j);
      i = end;
    }
    const after = this.b[i];
    if (root && after !== undefined && after !== 0x20 && after !== 0x09 && after !== 0x0a && after !== 0x0d) {
      this.pos = i;
      this.fail(
        `Unexpected character (${charDesc(this.codePointAt(i).code)}): Expected space separating root-level values`,
        i,
      );
    }
    this.tokenText = new TextDecoder().decode(this.b.subarray(start, i));
    this.pos = i;
    // StreamReadConstraints: at most 1000 digits (integer, fraction and exponent together).
    const digits = this.tokenText.replace(/[^0-9]/g, "").length;
    if (digits > MAX_NUMBER_LENGTH) {
      this.exceeds(`Number value length (${digits})`, MAX_NUMBER_LENGTH, "getMaxNumberLength");
    }
    return float ? "VALUE_NUMBER_FLOAT" : "VALUE_NUMBER_INT";
  }
}
