/**
 * Where and why a text is not JSON (RFC 8259), in words of its own: the position (line and column,
 * from 1) and a reason that never quotes the text. JSON.parse's messages do (Bun's `Unexpected
 * identifier "Hunter2SecretXyz"` for an unquoted password, `Invalid escape character q`), and the
 * text is a connector file, full of credentials. Used by connector-file.ts; one linear pass with
 * an explicit stack, so a deeply nested text cannot exhaust the call stack.
 *
 * A string at fault (a bad escape, a control character, not closed) is placed at its opening
 * quote, so the column never tells a secret's length or where in it a bad character is. A column
 * after a value (a missing ',' or '}', text after the JSON value) shows where that value ended.
 *
 * Not rest/jackson/json-parser.ts in a quiet mode: that parser's failures are Jackson's messages, which quote the
 * text, at Jackson's locations (inside a string, in UTF-8 bytes), under Jackson's limits (nesting, number length)
 * that JSON.parse, which reads the file, does not have; a reason free of content would have to be told by each of
 * its failures (or read back from its messages) on the REST request path's parser.
 */

export interface JsonSyntaxError {
  /** 1-based; a line ends at `\n`. */
  readonly line: number;
  /** 1-based, in UTF-16 code units from the line's start. */
  readonly column: number;
  readonly reason: string;
}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const SIMPLE_ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const NUMBER_PART = /[-+.eE\d]/;
const LITERAL = /true|false|null/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

/** Whether `re` (sticky) matches at `at`; its length when it does, else 0. */
function matchedAt(re: RegExp, text: string, at: number): number {
  re.lastIndex = at;
  return re.exec(text)?.[0].length ?? 0;
}

function position(text: string, at: number, reason: string): JsonSyntaxError {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < at; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: at - lineStart + 1, reason };
}

/** The first syntax error of `text` as JSON, or undefined when it is one JSON value. */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const skipWhitespace = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  };
  /**
   * Reads the string opening at `i`; the reason it is not one (with `i` back at its opening quote),
   * else undefined (with `i` past its closing quote).
   */
  const readString = (): string | undefined => {
    const start = i;
    const bad = stringFault();
    if (bad !== undefined) i = start;
    return bad;
  };
  const stringFault = (): string | undefined => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return "a control character (such as a line break) inside a string";
      if (c === 0x5c) {
        const next = text[i + 1];
        if (next !== undefined && SIMPLE_ESCAPES.has(next)) i += 2;
        else if (next === "u" && matchedAt(HEX4, text, i + 2) === 4) i += 6;
        else return "an invalid escape sequence in a string";
      } else i++;
    }
    return "a string that is not closed";
  };
  const open: ("{" | "[")[] = [];
  let expect: "value" | "name" | "after" = "value";
  for (;;) {
    skipWhitespace();
    const c = text[i];
    if (expect === "name") {
      if (c !== '"') return position(text, i, "a property name must be a string in double quotes");
      const bad = readString();
      if (bad) return position(text, i, bad);
      skipWhitespace();
      if (text[i] !== ":") return position(text, i, "a ':' must follow a property name");
      i++;
      expect = "value";
    } else if (expect === "value") {
      if (c === undefined) return position(text, i, "the text ends where a value should be");
      if (c === "{" || c === "[") {
        i++;
        skipWhitespace();
        if (text[i] === (c === "{" ? "}" : "]")) {
          i++;
          expect = "after";
        } else {
          open.push(c);
          expect = c === "{" ? "name" : "value";
        }
      } else if (c === '"') {
        const bad = readString();
        if (bad) return position(text, i, bad);
        expect = "after";
      } else if (c === "-" || (c >= "0" && c <= "9")) {
        const length = matchedAt(NUMBER, text, i);
        // `1.e`, `01`, `-`: what follows the longest valid number still belongs to it.
        if (length === 0 || NUMBER_PART.test(text[i + length] ?? "")) return position(text, i, "an invalid number");
        i += length;
        expect = "after";
      } else {
        const length = matchedAt(LITERAL, text, i);
        if (length === 0)
          return position(
            text,
            i,
            "a value must be a string in double quotes, a number, true, false, null, an object or an array",
          );
        i += length;
        expect = "after";
      }
    } else {
      const inside = open.at(-1);
      if (inside === undefined) return c === undefined ? undefined : position(text, i, "text after the JSON value");
      const close = inside === "{" ? "}" : "]";
      if (c === ",") {
        i++;
        expect = inside === "{" ? "name" : "value";
      } else if (c === close) {
        i++;
        open.pop();
      } else
        return position(
          text,
          i,
          inside === "{" ? "a ',' or '}' must follow a property's value" : "a ',' or ']' must follow an array element",
        );
    }
  }
}
