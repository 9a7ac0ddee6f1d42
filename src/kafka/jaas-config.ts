/**
 * The `sasl.jaas.config` value parsed as Kafka's clients parse it (org.apache.kafka.common.security
 * .JaasConfig over java.io.StreamTokenizer): `<LoginModule> <flag> (<name>=<value>)*;`, one entry
 * or more, each ended by `;`, with `//`, `/* … *\/` and `/` line comments. A value that is not
 * accepted there is refused here with Kafka's message (IllegalArgumentException's text), so a
 * config that fails in Connect does not start here. Called by sasl-settings.ts.
 *
 * Tokens as StreamTokenizer makes them with JaasConfig's settings: words of letters, digits, `.`,
 * `-`, `_`, `$` and characters from U+00A0 on, starting with a letter, `_` or `$` (a token starting
 * with a digit, `.` or `-` followed by a digit is a number, which has no string value: Kafka
 * refuses `password=123`, and so do we); strings in `"` or `'` (backslash escapes, ended by the
 * quote or a line end); any other character is a token of its own (`=`, `;`).
 * A quoted token's text never appears in a message (it may be a password); a word's does, as in
 * Kafka, until an option had an unquoted value: from then on words are hidden too, as a word there
 * may be the rest of that value (`password=my secret;` makes `secret` a key, `password=a;b c;` makes
 * `c` a control flag), which Kafka's message would quote.
 */

export interface JaasEntry {
  readonly loginModule: string;
  readonly controlFlag: "REQUIRED" | "REQUISITE" | "SUFFICIENT" | "OPTIONAL";
  readonly options: ReadonlyMap<string, string>;
}

/** A `sasl.jaas.config` Kafka's clients refuse; the message is Kafka's. */
export class JaasConfigError extends Error {
  override name = "JaasConfigError";
}

type Token =
  | { kind: "eof" }
  | { kind: "word"; text: string }
  | { kind: "quoted"; text: string }
  | { kind: "number" }
  | { kind: "char"; char: string };

const isWordStart = (c: string) => /[A-Za-z_$]/.test(c) || c.charCodeAt(0) >= 0xa0;
const isWordPart = (c: string) => isWordStart(c) || /[0-9.-]/.test(c);
const isDigit = (c: string) => c >= "0" && c <= "9";
const ESCAPES: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

class Tokenizer {
  private at = 0;
  constructor(private readonly text: string) {}

  private peek(offset = 0): string {
    return this.text[this.at + offset] ?? "";
  }

  private skipLine(): void {
    while (this.at < this.text.length && this.peek() !== "\n" && this.peek() !== "\r") this.at++;
  }

  next(): Token {
    for (;;) {
      while (this.at < this.text.length && this.text.charCodeAt(this.at) <= 32) this.at++;
      const c = this.peek();
      if (c === "") return { kind: "eof" };
      if (c === "/") {
        if (this.peek(1) === "*") {
          const end = this.text.indexOf("*/", this.at + 2);
          this.at = end < 0 ? this.text.length : end + 2;
        } else this.skipLine(); // `//`, or `/` alone: a comment character
        continue;
      }
      if (isDigit(c) || c === "." || (c === "-" && (isDigit(this.peek(1)) || this.peek(1) === "."))) {
        return this.number();
      }
      if (isWordStart(c) && c !== "-") {
        const start = this.at;
        while (this.at < this.text.length && isWordPart(this.peek())) this.at++;
        return { kind: "word", text: this.text.slice(start, this.at) };
      }
      if (c === '"' || c === "'") return this.quoted(c);
      this.at++;
      return { kind: "char", char: c };
    }
  }

  /** `-`?, digits with at most one `.`: the token ends at the first other character. */
  private number(): Token {
    if (this.peek() === "-") this.at++;
    let dot = false;
    while (isDigit(this.peek()) || (this.peek() === "." && !dot)) {
      if (this.peek() === ".") dot = true;
      this.at++;
    }
    return { kind: "number" };
  }

  private quoted(quote: string): Token {
    this.at++;
    let out = "";
    for (;;) {
      const c = this.peek();
      if (c === "" || c === "\n" || c === "\r") return { kind: "quoted", text: out };
      this.at++;
      if (c === quote) return { kind: "quoted", text: out };
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.peek();
      if (e === "") return { kind: "quoted", text: out };
      this.at++;
      if (e >= "0" && e <= "7") {
        let digits = e;
        const max = e <= "3" ? 3 : 2;
        while (digits.length < max && this.peek() >= "0" && this.peek() <= "7") digits += this.text[this.at++];
        out += String.fromCharCode(Number.parseInt(digits, 8));
      } else out += ESCAPES[e] ?? e;
    }
  }
}

/** A token's string value (a word's or a string's), undefined for numbers and single characters. */
const stringOf = (t: Token) => (t.kind === "word" || t.kind === "quoted" ? t.text : undefined);
/** What the parse has seen so far that changes its messages. */
interface ParseState {
  /** An option's value was a word (unquoted): a later word may be the rest of it. */
  unquotedValue: boolean;
}

/** How a token appears in a message: a string's text stays hidden, a word's after an unquoted value. */
const shown = (t: Token, state: ParseState) =>
  t.kind === "word" ? (state.unquotedValue ? "[hidden]" : t.text) : t.kind === "quoted" ? "[hidden]" : "null";

/** The entries of `value`, or a JaasConfigError with the message Kafka's JaasConfig gives. */
export function parseJaasConfig(value: string): JaasEntry[] {
  const tokens = new Tokenizer(value);
  const entries: JaasEntry[] = [];
  const state: ParseState = { unquotedValue: false };
  for (let t = tokens.next(); t.kind !== "eof"; t = tokens.next()) entries.push(parseEntry(t, tokens, state));
  if (entries.length === 0) throw new JaasConfigError("Login module not specified in JAAS config");
  return entries;
}

function parseEntry(first: Token, tokens: Tokenizer, state: ParseState): JaasEntry {
  const loginModule = stringOf(first) ?? "null";
  const flagToken = tokens.next();
  if (flagToken.kind === "eof") throw new JaasConfigError("Login module control flag not specified in JAAS config");
  const flag = stringOf(flagToken);
  if (flag === undefined) throw new JaasConfigError("Login module control flag is not available in the JAAS config");
  const controlFlag = flag.toUpperCase();
  if (!["REQUIRED", "REQUISITE", "SUFFICIENT", "OPTIONAL"].includes(controlFlag))
    throw new JaasConfigError(`Invalid login module control flag '${shown(flagToken, state)}' in JAAS config`);
  const options = new Map<string, string>();
  let t = tokens.next();
  for (; t.kind !== "eof" && !(t.kind === "char" && t.char === ";"); t = tokens.next()) {
    const keyToken = t;
    const equals = tokens.next();
    const valueToken = equals.kind === "char" && equals.char === "=" ? tokens.next() : undefined;
    const optionValue = valueToken ? stringOf(valueToken) : undefined;
    if (optionValue === undefined)
      throw new JaasConfigError(`Value not specified for key '${shown(keyToken, state)}' in JAAS config`);
    if (valueToken!.kind === "word") state.unquotedValue = true;
    options.set(stringOf(keyToken) ?? "null", optionValue);
  }
  if (t.kind === "eof") throw new JaasConfigError("JAAS config entry not terminated by semi-colon");
  return { loginModule, controlFlag: controlFlag as JaasEntry["controlFlag"], options };
}
