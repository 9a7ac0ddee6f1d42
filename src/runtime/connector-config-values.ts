/**
 * How the framework reads two kinds of connector config value: a LIST (split on commas, as Connect
 * does) and a Java regular expression naming topics (topics.regex, topic.creation.<group>.include
 * and exclude), matched against whole topic names.
 */
import { validRegex } from "../transforms/util/config.ts";
import { compileJavaRegex } from "../transforms/util/java-regex.ts";

/** Why `pattern` is not a valid Java regular expression (Connect's RegexValidator message), or undefined. */
export function regexError(pattern: string): string | undefined {
  return validRegex(pattern);
}

/**
 * A Java regular expression (topics.regex, topic.creation.<group>.include/exclude) as a RegExp
 * matching whole topic names (Matcher.matches), with the SMTs' Java-regex translation.
 */
export function topicPattern(pattern: string): RegExp {
  return compileJavaRegex(pattern).whole;
}

/** A LIST value as Connect splits it (trimmed, comma-separated, empty → []). */
export function splitList(value: string | null | undefined): string[] {
  const trimmed = (value ?? "").trim();
  return trimmed === "" ? [] : trimmed.split(/\s*,\s*/);
}
