/**
 * A compiled java.text.SimpleDateFormat pattern: its tokens (quoted and other literals, runs of a
 * pattern letter) and the month and day names both directions use. Used by SimpleDateFormat and
 * its field formatter and parser.
 */
import { IllegalArgumentError } from "./errors.ts";

export type Token =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "field"; readonly letter: string; readonly count: number };

const KNOWN_LETTERS = "GyMLdDEuaHkKhmszZXSYwWF";
const NUMERIC_LETTERS = "ydDuHkKhmsSYwWF";
export const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
export const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Whether a token is a numeric field (its parser then takes exactly its width when abutting). */
export function isNumeric(token: Token | undefined): boolean {
  if (token?.kind !== "field") return false;
  if (token.letter === "M" || token.letter === "L") return token.count <= 2;
  return NUMERIC_LETTERS.includes(token.letter);
}

/** Throws IllegalArgumentError for a pattern Java would reject (or one this subset cannot run). */
export function compileDatePattern(pattern: string): Token[] {
  const tokens: Token[] = [];
  let literal = "";
  const flush = () => {
    if (literal) tokens.push({ kind: "literal", text: literal });
    literal = "";
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        literal += "'";
        i += 2;
        continue;
      }
      i++;
      let closed = false;
      while (i < pattern.length) {
        if (pattern[i] === "'") {
          if (pattern[i + 1] === "'") {
            literal += "'";
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        literal += pattern[i];
        i++;
      }
      if (!closed) throw new IllegalArgumentError("Unterminated quote");
      continue;
    }
    if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z")) {
      if (!KNOWN_LETTERS.includes(c)) throw new IllegalArgumentError(`Illegal pattern character '${c}'`);
      let count = 1;
      while (pattern[i + count] === c) count++;
      if (c === "X" && count > 3) throw new IllegalArgumentError(`invalid ISO 8601 format: length=${count}`);
      flush();
      tokens.push({ kind: "field", letter: c, count });
      i += count;
      continue;
    }
    literal += c;
    i++;
  }
  flush();
  return tokens;
}
