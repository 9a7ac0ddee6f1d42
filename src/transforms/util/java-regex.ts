/**
 * Java regular expressions (java.util.regex.Pattern) on JavaScript's RegExp, for RegexRouter and
 * TopicNameMatches. The syntax both share passes through; the Java-only parts users write in
 * topic patterns are translated: `\Q…\E` quoting, inline flags `(?i)` `(?i:X)` (leading ones as
 * the RegExp's flags, others scoped: java-regex-flags.ts), `\A` `\z` `\Z`,
 * possessive quantifiers and atomic groups (never backtracked into, as in Java:
 * java-regex-atomic.ts), nested classes and `&&` intersections (java-regex-class.ts), the POSIX
 * classes `\p{Alpha}` … and `\p{javaLowerCase}` … (java-regex-properties.ts) and the escapes JavaScript reads otherwise
 * (`\h`, `\v`, `\e`, `\x{41}`, `\0101`…: java-regex-escapes.ts). Other Java-only syntax is rejected.
 *
 * `matches` is `Matcher.matches()` (the whole input must match) and `replaceFirst` is
 * `Matcher.replaceFirst()` with Java's replacement syntax (`$1`, `${name}`, `\$`).
 */
import { JavaException } from "../../errors.ts";
import { IllegalArgumentError } from "./errors.ts";
import {
  javaPatternSyntaxError,
  PatternFault,
  PatternSyntaxException,
  patternSyntaxMessage,
} from "./java-pattern-syntax.ts";
import { atomic, backreference, javaGroups, resolveBackreferences } from "./java-regex-atomic.ts";
import { translateClass } from "./java-regex-class.ts";
import { type ReadPattern, withoutComments } from "./java-regex-comments.ts";
import {
  DOT,
  escapeAt,
  INPUT_END,
  JAVA_END,
  LINE_END,
  LINE_START,
  UNIX_END,
  UNIX_LINE_END,
  UNIX_LINE_START,
} from "./java-regex-escapes.ts";
import { ScopedFlags } from "./java-regex-flags.ts";
import { isJavaProperty, propertyRanges } from "./java-regex-properties.ts";
import { removeQuotes } from "./java-regex-quotes.ts";

export interface JavaPattern {
  /** The pattern as configured. */
  readonly pattern: string;
  /** Finds the first match anywhere (Matcher.find). */
  readonly find: RegExp;
  /** Matches the whole input only (Matcher.matches). */
  readonly whole: RegExp;
  /** Each Java group number's group in the RegExps (java-regex-atomic.ts: atomic helpers shift them). */
  readonly groups: readonly number[];
}

/** The leading flags' JavaScript flags (UNIX_LINES, COMMENTS and UNICODE_CASE have none: written out or ignored). */
const FLAG_LETTERS: Readonly<Record<string, string>> = { i: "i", s: "s", m: "m", u: "", d: "", x: "" };

/** Translates a Java pattern, as its parser reads it, to JS source and flags; throws SyntaxError for what it cannot run. */
function translate(read: ReadPattern): { source: string; flags: string } {
  const pattern = read.text;
  let flags = "";
  let javaFlags = "";
  let i = 0;
  // Leading inline flag groups, e.g. (?i) or (?is).
  for (let m = /^\(\?([a-zA-Z]+)\)/.exec(pattern); m; m = /^\(\?([a-zA-Z]+)\)/.exec(pattern.slice(i))) {
    for (const letter of m[1]!) {
      const flag = FLAG_LETTERS[letter];
      if (flag === undefined) throw new SyntaxError(`Unsupported inline flag '${letter}' near index ${i}`);
      if (!flags.includes(flag)) flags += flag;
      javaFlags += letter;
    }
    i += m[0].length;
  }
  const scoped = new ScopedFlags(javaFlags);
  // UNIX_LINES (`(?d)`, no JavaScript flag): `\n` is the only line terminator for `$`, `\Z` and `.`.
  const unix = () => scoped.has("d");
  const end = () => (unix() ? UNIX_END : JAVA_END);
  // DOTALL may change inside the pattern: `.` is written out for the flags in force.
  const dot = () => (scoped.has("s") ? (flags.includes("s") ? "." : "[\\s\\S]") : unix() ? "[^\\n]" : DOT);
  let out = "";
  let afterQuantifier = false;
  // Whether the last item is an atom a quantifier repeats (not the start, `(`, `|` or a quantifier).
  let repeatable = false;
  // Where the last atom (a character, escape, class or group) starts in `out`: a possessive
  // quantifier makes it and its quantifier atomic.
  let atomStart = 0;
  let atomics = 0;
  let javaGroupCount = 0;
  const open: { start: number; atomic: boolean }[] = [];
  // Java quantifies an assertion (`^*`, `$?`, `\b+`: it matches empty), JS refuses it: grouped.
  const assertion = (text: string, after: number): string =>
    "*+?{".includes(pattern[after] ?? "x") ? `(?:${text})` : text;
  while (i < pattern.length) {
    const c = pattern[i]!;
    const wasQuantifier: boolean = afterQuantifier;
    afterQuantifier = false;
    const wasRepeatable: boolean = repeatable;
    repeatable = !"(|*+?{".includes(c);
    if (!"*+?{)".includes(c)) atomStart = out.length;
    if (c === "\\") {
      const next = pattern[i + 1];
      // translateRead reports javaPatternSyntaxError's fault for a trailing backslash; kept so `next` is a character.
      if (next === undefined) throw new SyntaxError("Unescaped trailing backslash");
      if (next >= "1" && next <= "9") {
        // Java reads as many digits as still name a group opened before it (`\10` with one group is `\1` then 0).
        let ref = Number(next);
        let j = i + 2;
        while (j < pattern.length && /\d/.test(pattern[j]!) && ref * 10 + Number(pattern[j]) <= javaGroupCount) {
          ref = ref * 10 + Number(pattern[j]);
          j++;
        }
        out += backreference(ref);
        i = j;
        continue;
      }
      if (next === "A") {
        out += assertion(scoped.has("m") ? "(?<![\\s\\S])" : "^", i + 2);
      } else if (next === "z") {
        out += assertion(INPUT_END, i + 2);
      } else if (next === "b" || next === "B") {
        out += assertion(c + next, i + 2);
      } else if (next === "Z") {
        out += end();
      } else if (next === "p" || next === "P") {
        const m = /^\{(?:Is)?([A-Za-z]+)\}/.exec(pattern.slice(i + 2));
        const chars = m ? propertyRanges(m[1]!, false, scoped.has("i")) : undefined;
        if (!m || chars === undefined) {
          throw new SyntaxError(`Unsupported character class near index ${i}: ${pattern.slice(i, i + 12)}`);
        }
        const cls = `[${next === "P" ? "^" : ""}${chars}]`;
        out += scoped.has("i") && isJavaProperty(m[1]!) ? `(?-i:${cls})` : cls;
        i += 2 + m[0].length;
        continue;
      } else {
        const { text, length } = escapeAt(pattern, i, false);
        out += text;
        i += length;
        continue;
      }
      i += 2;
      continue;
    }
    if (c === "[") {
      const cls = translateClass(read, i, scoped.has("i"));
      out += cls.text;
      i = cls.end;
      continue;
    }
    if (c === "(") {
      const inline = /^\(\?([a-zA-Z]*-?[a-zA-Z]*)([):])/.exec(pattern.slice(i));
      if (inline && inline[1] !== "") {
        if (inline[2] === ")") {
          out += scoped.change(inline[1]!, i);
        } else {
          open.push({ start: out.length, atomic: false });
          out += scoped.openScoped(inline[1]!, i);
        }
        i += inline[0].length;
        continue;
      }
      scoped.openGroup();
      const opener = /^\((?:\?(?:[:=!>]|<[=!]|<[a-zA-Z][a-zA-Z0-9]*>))?/.exec(pattern.slice(i))![0];
      const atomicGroup = opener === "(?>";
      if (opener === "(" || /^\(\?<[a-zA-Z]/.test(opener)) javaGroupCount++;
      open.push({ start: out.length, atomic: atomicGroup });
      out += atomicGroup ? "(?:" : opener;
      i += opener.length;
      continue;
    }
    if (c === ")" && open.length > 0) {
      const group = open.pop()!;
      out += `${scoped.close()})`;
      if (group.atomic) out = out.slice(0, group.start) + atomic(out.slice(group.start), atomics++);
      atomStart = group.start;
      i++;
      continue;
    }
    if (c === "+" && wasQuantifier) {
      // Possessive: the atom with its quantifier, atomic.
      out = out.slice(0, atomStart) + atomic(out.slice(atomStart), atomics++);
      i++;
      continue;
    }
    if (c === "*" || c === "+" || c === "?") {
      if (c === "?" && wasQuantifier) {
        out += "?";
        i++;
        continue;
      }
      out += c;
      afterQuantifier = true;
      i++;
      continue;
    }
    if (c === "{") {
      const m = /^\{\d+(?:,\d*)?\}/.exec(pattern.slice(i));
      if (m) {
        // Java repeats an empty atom where nothing precedes to repeat (`{2}a`, `a*{2}`, `(|{2})`): that is
        // empty, written without its count (JavaScript's engine finds nothing under a large one, `(?:){5000000}`).
        if (wasRepeatable) out += m[0];
        else {
          atomStart = out.length;
          out += "(?:)";
        }
        i += m[0].length;
        afterQuantifier = true;
        continue;
      }
    }
    if (c === "|") out += scoped.alternate();
    else if (c === ".") out += dot();
    else if (c === "^") out += assertion(scoped.has("m") ? (unix() ? UNIX_LINE_START : LINE_START) : c, i + 1);
    else if (c === "$") out += assertion(scoped.has("m") ? (unix() ? UNIX_LINE_END : LINE_END) : end(), i + 1);
    else out += c;
    i++;
  }
  return { source: out + scoped.end(), flags };
}

/**
 * Compiles a Java pattern; throws SyntaxError with the reason when it is invalid or unsupported:
 * Java's own message (a PatternSyntaxException) for what Java refuses, else a message of ours.
 */
export function compileJavaRegex(pattern: string): JavaPattern {
  const translated = translateRead(pattern);
  const groups = javaGroups(translated.source);
  const source = resolveBackreferences(translated.source, groups);
  const flags = translated.flags;
  try {
    // Under `m` JavaScript's `^` `$` are a line's ends: the whole input's are written out.
    const whole = flags.includes("m") ? `(?<![\\s\\S])(?:${source})${INPUT_END}` : `^(?:${source})$`;
    return { pattern, find: new RegExp(source, flags), whole: new RegExp(whole, flags), groups };
  } catch (error) {
    // JavaScript's wording echoes the translated source: name the reason and the pattern as written.
    // (V8 writes `Invalid regular expression: /<source>/<flags>: <reason>`, Bun's JSC `Invalid regular expression: <reason>`.)
    const reason = (error as Error).message.replace(/^Invalid regular expression: (?:\/.*\/[a-z]*: )?/s, "");
    throw new SyntaxError(patternSyntaxMessage(`Invalid regular expression (${reason})`, -1, pattern));
  }
}

/**
 * The translation of what Java's parser reads of `pattern` (the `\Q…\E` quotes written out, and
 * under `(?x)` no whitespace or comments); throws Java's syntax error, the first of
 * javaPatternSyntaxError's and one found while translating (placed in `pattern`).
 */
function translateRead(pattern: string): { source: string; flags: string } {
  let translated: { source: string; flags: string };
  try {
    translated = translate(withoutComments(removeQuotes(pattern)));
  } catch (error) {
    const fault = javaPatternSyntaxError(pattern, error instanceof PatternFault ? error : undefined);
    if (fault !== undefined) throw new PatternSyntaxException(fault);
    throw error;
  }
  const fault = javaPatternSyntaxError(pattern);
  if (fault !== undefined) throw new PatternSyntaxException(fault);
  return translated;
}

export function matches(pattern: JavaPattern, input: string): boolean {
  return pattern.whole.test(input);
}

/** Matcher.replaceFirst: the first match of `pattern` in `input` replaced by `replacement`. */
export function replaceFirst(pattern: JavaPattern, input: string, replacement: string): string {
  const m = pattern.find.exec(input);
  if (!m) return input;
  return (
    input.slice(0, m.index) + expandReplacement(m, pattern.groups, replacement) + input.slice(m.index + m[0].length)
  );
}

/** Java's replacement syntax: `\x` is a literal x, `$n` a group (as many digits as name a group), `${name}` a named group. */
function expandReplacement(m: RegExpExecArray, groups: readonly number[], replacement: string): string {
  const groupCount = groups.length - 1;
  let out = "";
  let i = 0;
  while (i < replacement.length) {
    const c = replacement[i]!;
    if (c === "\\") {
      i++;
      if (i >= replacement.length) throw new IllegalArgumentError("character to be escaped is missing");
      out += replacement[i];
      i++;
    } else if (c === "$") {
      i++;
      if (i >= replacement.length) throw new IllegalArgumentError("Illegal group reference: group index is missing");
      if (replacement[i] === "{") {
        const end = replacement.indexOf("}", i);
        const name = end < 0 ? "" : replacement.slice(i + 1, end);
        if (end < 0 || !/^[a-zA-Z][a-zA-Z0-9]*$/.test(name)) {
          throw new IllegalArgumentError("named capturing group is missing trailing '}'");
        }
        if (!m.groups || !(name in m.groups)) throw new IllegalArgumentError(`No group with name {${name}}`);
        out += m.groups[name] ?? "";
        i = end + 1;
      } else {
        let ref = replacement.charCodeAt(i) - 48;
        if (ref < 0 || ref > 9) throw new IllegalArgumentError("Illegal group reference");
        i++;
        while (i < replacement.length) {
          const digit = replacement.charCodeAt(i) - 48;
          if (digit < 0 || digit > 9 || ref * 10 + digit > groupCount) break;
          ref = ref * 10 + digit;
          i++;
        }
        // Matcher.appendReplacement: a reference past the last group is an IndexOutOfBoundsException.
        if (ref > groupCount) throw new JavaException("java.lang.IndexOutOfBoundsException", `No group ${ref}`);
        out += m[groups[ref]!] ?? "";
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
