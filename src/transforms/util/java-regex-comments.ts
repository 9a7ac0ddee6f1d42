/**
 * Java's COMMENTS flag, `(?x)`, for java-regex.ts: where it is in force (from `(?x)` to the end of
 * its group, the alternatives after a `|` included, or inside `(?x:…)`, until a `(?-x)`), Java's
 * parser skips whitespace (` `, `\t`, `\n`, `\x0B`, `\f`, `\r`) and `#` comments to the end of the
 * line, also inside character classes (`[a b]` is `[ab]`, `[a#]` an unclosed class). This module
 * writes the pattern without them, so the translation sees what Java's parser reads; escapes
 * (`\ ` and `\#` are a space and a `#`; it reads the pattern with its `\Q…\E` quotes written out,
 * java-regex-quotes.ts) stay as they are. A `^` after skipped
 * whitespace at a class's start is a literal in Java (`[ ^a]`): it is written escaped.
 */

const WHITESPACE = " \t\n\x0B\f\r";
const LINE_END = "\n\r\u0085\u2028\u2029";

interface Group {
  /** Its opener as read so far while it may still be a flag group (`(?i-x`), else undefined. */
  opener: string | undefined;
  /** Whether COMMENTS was in force where it opened (restored where it closes). */
  readonly comments: boolean;
}

/** What the parser reads: the text, and where each of its characters is in the pattern as written. */
export interface ReadPattern {
  readonly text: string;
  /** The pattern's index of the text's index `at` (past its end: as far past the pattern's). */
  originalIndex(at: number): number;
  /** Whether the text's character at `at` is the pattern's next after the one before it (no whitespace or comment skipped). */
  adjacent(at: number): boolean;
}

/** `pattern` without the whitespace and comments Java skips under `(?x)`; as it is without an `x` flag. */
export function withoutComments(pattern: string): ReadPattern {
  if (!/\(\?[a-zA-Z-]*x/.test(pattern)) return { text: pattern, originalIndex: (at) => at, adjacent: () => true };
  let out = "";
  const origin: number[] = [];
  const emit = (text: string, from: number) => {
    for (let k = 0; k < text.length; k++) origin.push(Math.min(from + k, pattern.length - 1));
    out += text;
  };
  let comments = false;
  let classDepth = 0;
  let classStart = false;
  const groups: Group[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (comments && WHITESPACE.includes(c)) {
      i++;
      // Java reads a `^` after whitespace at a class's start as a literal.
      if (classStart && pattern[i] === "^") {
        out += "\\";
        origin.push(i);
        emit("^", i);
        i++;
        classStart = false;
      }
      continue;
    }
    if (comments && c === "#") {
      while (i < pattern.length && !LINE_END.includes(pattern[i]!)) i++;
      continue;
    }
    classStart = false;
    if (c === "\\") {
      // An escape's `{` (`\x{41}`) is no repetition; a property's name is read as written after
      // whitespace right after its `{` (`\p{java Letter}` is unknown).
      const braced = comments && "pPxN".includes(pattern[i + 1] ?? "x") && pattern[i + 2] === "{";
      emit(pattern.slice(i, braced ? i + 3 : i + 2), i);
      i += braced ? 3 : 2;
      const family = braced && "pP".includes(pattern[i - 2]!) ? pattern.indexOf("}", i) : -1;
      if (family >= 0) {
        i = pastGap(pattern, i);
        emit(pattern.slice(i, family + 1), i);
        i = family + 1;
      }
      continue;
    }
    if (comments && c === "&" && classDepth > 0) {
      // Java reads a `&` in a class with the next character after whitespace: a `&` (`& &` is `&&`),
      // or else a literal, the `&` dropped (`[a& ]]` holds `]`).
      const next = pastGap(pattern, i + 1);
      if (pattern[next] === "&") {
        emit("&", i);
        emit("&", next);
        i = next + 1;
        continue;
      }
      if (next > i + 1 && next < pattern.length) {
        const literal = pattern[next]!;
        if (literal !== "\\" && !/[a-zA-Z0-9]/.test(literal) && literal < "\x80") {
          out += "\\";
          origin.push(next);
        }
        i = next;
        if (literal === "\\") continue;
        emit(literal, i);
        i++;
        continue;
      }
    }
    // A `{` Java reads a repetition from when a digit follows it at once (`a{ 2}`: Illegal repetition).
    if (comments && c === "{" && classDepth === 0 && i + 1 < pattern.length && pastGap(pattern, i + 1) > i + 1) {
      emit(pattern.slice(i, i + 2), i);
      i += 2;
      continue;
    }
    emit(c, i);
    i++;
    if (c === "[") {
      classDepth++;
      classStart = true;
      // A `]` first in a class (after a `^`) is a literal.
      const literal = pattern[i] === "]" ? "]" : pattern[i] === "^" && pattern[i + 1] === "]" ? "^]" : "";
      emit(literal, i);
      i += literal.length;
    } else if (c === "]" && classDepth > 0) {
      classDepth--;
    } else if (classDepth === 0) {
      comments = afterGroupCharacter(c, groups, comments);
    }
  }
  const originalIndex = (at: number) => (at < origin.length ? origin[at]! : pattern.length + at - out.length);
  return { text: out, originalIndex, adjacent: (at) => originalIndex(at) === originalIndex(at - 1) + 1 };
}

/** Where the whitespace and `#` comments Java skips under `(?x)` from `at` end. */
function pastGap(pattern: string, at: number): number {
  let i = at;
  while (i < pattern.length && (WHITESPACE.includes(pattern[i]!) || pattern[i] === "#")) {
    if (pattern[i] === "#") while (i < pattern.length && !LINE_END.includes(pattern[i]!)) i++;
    else i++;
  }
  return i;
}

/**
 * Follows the groups through `c`, a character outside classes: `(` opens one, `)` closes one
 * (after `(?x)` COMMENTS is in force until the enclosing group ends), `:` ends a `(?x:` opener
 * (in force inside it). Returns whether COMMENTS is in force after `c`.
 */
function afterGroupCharacter(c: string, groups: Group[], comments: boolean): boolean {
  if (c === "(") {
    groups.push({ opener: "(", comments });
    return comments;
  }
  const group = groups.at(-1);
  if (group === undefined) return comments;
  if (c === ")") {
    groups.pop();
    return group.opener === undefined ? group.comments : applyComments(group.opener, group.comments);
  }
  if (group.opener === undefined) return comments;
  if (c === ":") {
    const opener = group.opener;
    group.opener = undefined;
    return applyComments(opener, comments);
  }
  // The opener read so far while it may be a flag group: `(?` then flag letters.
  group.opener = (group.opener === "(" ? c === "?" : /[a-zA-Z-]/.test(c)) ? group.opener + c : undefined;
  return comments;
}

/** Whether COMMENTS is in force after the flag group opened by `opener` (`(?on-off`). */
function applyComments(opener: string, comments: boolean): boolean {
  if (!opener.startsWith("(?")) return comments;
  const [on = "", off = ""] = opener.slice(2).split("-");
  if (off.includes("x")) return false;
  return on.includes("x") || comments;
}
