/**
 * The syntax errors Java's `Pattern.compile` reports for the commonest malformed patterns, with
 * PatternSyntaxException's message (description, ` near index i`, the pattern, a caret line), so
 * `topics.regex`, RegexRouter's `regex` and TopicNameMatches' `pattern` are refused in Connect's
 * words: unclosed character classes and groups, an unmatched `)`, reversed ranges, dangling
 * quantifiers, malformed `{n,m}` repetitions and unterminated group names. Patterns it finds
 * nothing wrong with go on to the translation in java-regex.ts.
 */

/** PatternSyntaxException.getMessage(). */
function message(description: string, index: number, pattern: string): string {
  let out = description + (index >= 0 ? ` near index ${index}` : "") + `\n${pattern}`;
  if (index >= 0 && index < pattern.length) out += `\n${" ".repeat(index)}^`;
  return out;
}

const QUANTIFIERS = "*+?";

/** Java's message for the first syntax error of `pattern` found here, or undefined. */
export function javaSyntaxError(pattern: string): string | undefined {
  const fail = (description: string, index: number) => message(description, index, pattern);
  // The helpers report "index:description".
  const failAt = (found: string) =>
    fail(found.slice(found.indexOf(":") + 1), Number(found.slice(0, found.indexOf(":"))));
  let groups = 0;
  let canQuantify = false;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "\\") {
      i = skipEscape(pattern, i);
      canQuantify = true;
      continue;
    }
    if (c === "[") {
      const end = classEnd(pattern, i);
      if (typeof end === "string") return failAt(end);
      i = end + 1;
      canQuantify = true;
      continue;
    }
    if (c === "(") {
      groups++;
      i++;
      if (pattern[i] === "?") {
        const header = groupHeader(pattern, i);
        if (header === undefined) return undefined;
        if (typeof header === "string") return failAt(header);
        i = header;
      }
      canQuantify = false;
      continue;
    }
    if (c === ")") {
      if (groups === 0) return fail("Unmatched closing ')'", i - 1);
      groups--;
      i++;
      canQuantify = true;
      continue;
    }
    if (c === "|") {
      i++;
      canQuantify = false;
      continue;
    }
    if (QUANTIFIERS.includes(c) || c === "{") {
      if (c === "{") {
        const end = repetitionEnd(pattern, i);
        if (typeof end === "string") return failAt(end);
        i = end + 1;
      } else {
        if (!canQuantify) return fail(`Dangling meta character '${c}'`, i);
        i++;
      }
      if (pattern[i] === "?" || pattern[i] === "+") i++;
      canQuantify = false;
      continue;
    }
    i++;
    canQuantify = true;
  }
  return groups > 0 ? fail("Unclosed group", pattern.length) : undefined;
}

/** The index after an escape starting at `at` (`\p{…}`, `\x{…}`, `\Q…\E` as a whole). */
function skipEscape(pattern: string, at: number): number {
  const next = pattern[at + 1];
  if (next === "Q") {
    const end = pattern.indexOf("\\E", at + 2);
    return end < 0 ? pattern.length : end + 2;
  }
  if ((next === "p" || next === "P" || next === "x" || next === "N") && pattern[at + 2] === "{") {
    const end = pattern.indexOf("}", at + 3);
    return end < 0 ? pattern.length : end + 1;
  }
  return at + 2;
}

/** The index of the `]` closing the class opened at `at`, or "index:description" for an error. */
function classEnd(pattern: string, at: number): number | string {
  let i = at + 1;
  if (pattern[i] === "^") i++;
  // A `]` first in the class is literal (Java).
  if (pattern[i] === "]") i++;
  let previous: string | undefined;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "]") return i;
    if (c === "[") {
      const inner = classEnd(pattern, i);
      if (typeof inner === "string") return inner;
      i = inner + 1;
      previous = undefined;
      continue;
    }
    if (c === "\\") {
      i = skipEscape(pattern, i);
      previous = undefined;
      continue;
    }
    if (c === "-" && previous !== undefined && i + 1 < pattern.length && !"]\\[".includes(pattern[i + 1]!)) {
      const high = pattern[i + 1]!;
      if (high < previous) return `${i + 1}:Illegal character range`;
      i += 2;
      previous = undefined;
      continue;
    }
    previous = c;
    i++;
  }
  return `${pattern.length - 1}:Unclosed character class`;
}

/** The index of the `}` ending a `{n}`, `{n,}` or `{n,m}` at `at`, or "index:description". */
function repetitionEnd(pattern: string, at: number): number | string {
  let i = at + 1;
  const digits = (): string => {
    const start = i;
    while (i < pattern.length && pattern[i]! >= "0" && pattern[i]! <= "9") i++;
    return pattern.slice(start, i);
  };
  const min = digits();
  if (min === "") return `${at + 1}:Illegal repetition`;
  let max = min;
  if (pattern[i] === ",") {
    i++;
    max = digits();
  }
  if (pattern[i] !== "}") return `${i}:Unclosed counted closure`;
  if (max !== "" && Number(max) < Number(min)) return `${i}:Illegal repetition range`;
  return i;
}

/**
 * After `(?` at `at`: the index where the group's body starts, "index:description" when the group's
 * name is not terminated, or undefined for a construct not checked here.
 */
function groupHeader(pattern: string, at: number): number | string | undefined {
  const next = pattern[at + 1];
  if (next === ":" || next === "=" || next === "!" || next === ">") return at + 2;
  if (next === "<") {
    const after = pattern[at + 2];
    if (after === "=" || after === "!") return at + 3;
    let i = at + 2;
    while (i < pattern.length && /[A-Za-z0-9]/.test(pattern[i]!)) i++;
    if (pattern[i] !== ">") return `${i}:named capturing group is missing trailing '>'`;
    return i + 1;
  }
  return undefined;
}
