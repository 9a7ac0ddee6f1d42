/**
 * TopicNameMatches (org.apache.kafka.connect.transforms.predicates.TopicNameMatches): true for
 * records whose whole topic name matches the configured Java regular expression.
 */
import type { ConnectRecord } from "../../api/record.ts";
import type { Predicate } from "../../api/transformation.ts";
import { defineConfig, key } from "../../plugin/config-def.ts";
import { configError, nonEmptyString, validRegex } from "../util/config.ts";
import { predicate } from "../util/descriptors.ts";
import { compileJavaRegex, type JavaPattern, matches } from "../util/java-regex.ts";

const config = defineConfig({
  pattern: key.string({
    doc: "A Java regular expression for matching against the name of a record's topic.",
    importance: "MEDIUM",
    validators: [nonEmptyString, validRegex],
  }),
});

export class TopicNameMatches implements Predicate {
  private pattern: JavaPattern | undefined;

  configure(configs: Readonly<Record<string, string>>): void {
    const value = config.parse(configs).pattern;
    try {
      this.pattern = compileJavaRegex(value);
    } catch (e) {
      throw configError(
        "pattern",
        value,
        `entry must be a Java-compatible regular expression: ${(e as Error).message}`,
      );
    }
  }

  test(record: ConnectRecord): boolean {
    return this.pattern !== undefined && typeof record.topic === "string" && matches(this.pattern, record.topic);
  }

  toString(): string {
    return `TopicNameMatches{pattern=${this.pattern?.pattern}}`;
  }
}

export const topicNameMatches = predicate(
  "TopicNameMatches",
  "True for records whose topic name matches the configured regular expression.",
  config,
  () => new TopicNameMatches(),
);
