/**
 * A topic.creation group's include/exclude patterns against Apache Kafka Connect 4.3.1's answers
 * (test/fixtures/connect-rest/record-topic-creation-regex.sh recorded topic-creation-regex.json):
 * a pattern Connect refuses fails the connector with Connect's message, Java's
 * PatternSyntaxException wording included (it was JavaScript's RegExp wording); one it accepts
 * parses.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  caseConfig,
  type RegexRecordings,
  traceMessage,
} from "../../test/fixtures/connect-rest/topic-creation-regex.ts";
import { traceOf } from "../errors.ts";
import { topicCreationGroups } from "./topic-creation.ts";

const recordings: RegexRecordings = JSON.parse(
  readFileSync(join(import.meta.dir, "../../test/fixtures/connect-rest/topic-creation-regex.json"), "utf8"),
);

describe("topic.creation patterns, as Connect 4.3.1 answers them", () => {
  test.each(Object.entries(recordings))("%p", (pattern, outcome) => {
    let message: string | undefined;
    try {
      topicCreationGroups(caseConfig(pattern));
    } catch (error) {
      message = traceMessage(traceOf(error));
    }
    expect({ state: message === undefined ? "RUNNING" : "FAILED", message }).toEqual({
      state: outcome.state,
      message: outcome.message,
    });
  });
});
