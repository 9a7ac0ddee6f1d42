/**
 * RegexRouter (org.apache.kafka.connect.transforms.RegexRouter): renames the topic when the whole
 * topic matches `regex`, replacing the first match with `replacement` as Java's
 * `Matcher.replaceFirst` does (`$1` group references). Other records pass unchanged.
 */
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { validRegex } from "./util/config.ts";
import { transformation } from "./util/descriptors.ts";
import { compileJavaRegex, type JavaPattern, matches, replaceFirst } from "./util/java-regex.ts";

const config = defineConfig({
  regex: key.string({
    doc: "Regular expression to use for matching.",
    importance: "HIGH",
    validators: [validRegex],
  }),
  replacement: key.string({
    doc: "Replacement string.",
    importance: "HIGH",
  }),
});

export class RegexRouter implements Transformation {
  private pattern: JavaPattern | undefined;
  private replacement = "";

  configure(configs: Readonly<Record<string, string>>): void {
    const parsed = config.parse(configs);
    this.pattern = compileJavaRegex(parsed.regex);
    this.replacement = parsed.replacement;
  }

  apply<R extends ConnectRecord>(record: R): R {
    const pattern = this.pattern!;
    if (!matches(pattern, record.topic)) return record;
    return { ...record, topic: replaceFirst(pattern, record.topic, this.replacement) };
  }
}

export const regexRouter = transformation(
  "RegexRouter",
  "Changes the record's topic with a regular expression and a replacement string: when the expression matches the " +
    "whole topic, its first match is replaced as Java's Matcher.replaceFirst() does.",
  config,
  () => new RegexRouter(),
);
