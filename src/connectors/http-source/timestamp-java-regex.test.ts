import { expect, test } from "bun:test";
import { httpSourceConfig } from "./config.ts";
import { timestampKeyProblems } from "./timestamp-keys.ts";
import { instantReader } from "./timestamp-reader.ts";

const BASE = { "http.url": "http://127.0.0.1:1/e", "kafka.topic": "t" };
const REGEX = "http.response.record.timestamp.parser.regex";
const configOf = (regex: string) =>
  httpSourceConfig.parse({
    ...BASE,
    "http.response.record.timestamp.parser": "RegexTimestampParser",
    "http.response.record.timestamp.parser.pattern": "yyyy-MM-dd HH:mm",
    [REGEX]: regex,
  });
const iso = (ns: bigint | null) => (ns === null ? null : new Date(Number(ns / 1_000_000n)).toISOString());

test("the timestamp regex is a Java regex: \\Q…\\E, \\A, \\Z, (?i) and possessive quantifiers mean what they mean in Java", () => {
  const cases: [string, string][] = [
    // JavaScript read `\Q[at]\E` as `Q`, a class of `a` or `t`, `E`: no match.
    ["\\Q[at]\\E (\\S+ \\S+)", "seen [at] 2024-01-01 10:00"],
    // JavaScript refused `(?i)` and `\d++` (the key was refused, the parser keys ignored).
    ["(?i)updated (\\S+ \\S+) BY", "UPDATED 2024-01-01 10:00 by alice"],
    ["at (\\d++-\\d++-\\d++ \\S+)", "at 2024-01-01 10:00"],
    // JavaScript read `\A` and `\Z` as the letters A and Z.
    ["\\A(\\S+ \\S+)\\Z", "2024-01-01 10:00"],
    // Java's `$` is also before a final line terminator (JavaScript's only at the end).
    ["at (\\S+ \\S+)$", "at 2024-01-01 10:00\n"],
    // A quantified atomic group repeats the group (it repeated its first match: `2020`, no match).
    ["at ((?>\\d{2}){2}-\\S+ \\S+)", "at 2024-01-01 10:00"],
    // A `-` after `\s` in a class is a hyphen (review77 P2: it made a range `\r` to `:`, which took the comma).
    ["at ([\\d\\s-:]+)", "at 2024-01-01 10:00, by alice"],
    // A nested class and an `&&` intersection (runhunt3: they were refused).
    ["at ([[0-9]-]+ [\\d:&&[^a]]+)", "at 2024-01-01 10:00, by alice"],
  ];
  for (const [regex, text] of cases) {
    const config = configOf(regex);
    expect(timestampKeyProblems(config)).toEqual([]);
    expect(iso(instantReader(config)(text))).toBe("2024-01-01T10:00:00.000Z");
  }
  // Possessive: `\d++` never gives a digit back, as in Java, so `(\d++)0` matches nothing.
  expect(instantReader(configOf("(\\d++)0 \\S+"))("2024-01-01 10:00")).toBeNull();
});

test("Java regex syntax that cannot be run here, or that Java refuses, is refused on the key with the reason", () => {
  const messages = (regex: string) =>
    timestampKeyProblems(configOf(regex)).map((p) => `${p.key}: ${p.message.split("\n")[0]}`);
  expect(messages("at (\\S+)(?U)x")).toEqual([
    `${REGEX}: Invalid regular expression: Unsupported inline flag 'U' near index 8`,
  ]);
  expect(messages("([\\p{IsLatin}]+)")).toEqual([
    `${REGEX}: Invalid regular expression: Unsupported character class near index 2: \\p{IsLatin}]`,
  ]);
  expect(messages("(?q)(x)")).toEqual([`${REGEX}: Invalid regular expression: Unknown inline modifier near index 2`]);
  expect(messages("\\Q(x)\\E")).toEqual([
    `${REGEX}: The regex needs a capturing group (…): the timestamp is its group 1`,
  ]);
});

test("Java escapes JavaScript reads otherwise (\\h, \\x{…}, \\0…) mean what they mean in Java", () => {
  // JavaScript read `\h` as the letter h: no record's timestamp matched and the offset never moved.
  expect(iso(instantReader(configOf("at\\h(\\S+ \\S+)"))("at\u00a02024-01-01 10:00"))).toBe("2024-01-01T10:00:00.000Z");
  // Java's `\s` is ASCII whitespace: a no-break space is `\S` (JavaScript's `\s` took it).
  expect(instantReader(configOf("at\\s(\\S+ \\S+)"))("at\u00a02024-01-01 10:00")).toBeNull();
  expect(iso(instantReader(configOf("\\x{40}\\040(\\S+ \\S+)"))("@ 2024-01-01 10:00"))).toBe(
    "2024-01-01T10:00:00.000Z",
  );
  expect(instantReader(configOf("at\\h(\\S+ \\S+)"))("ath2024-01-01 10:00")).toBeNull();
});
