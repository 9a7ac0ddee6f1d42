import { describe, expect, test } from "bun:test";
import { Schemas } from "../../api/data/schema.ts";
import { DataError } from "../../errors.ts";
import { LogManager } from "../../util/logger.ts";
import { TaskMetrics } from "../task-metrics.ts";
import { LogReporter } from "./log-reporter.ts";
import type { ProcessingContext } from "./processing-context.ts";
import { jsonConversionFailure } from "./processing-context-test-support.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);
const consumed = jsonConversionFailure({
  partition: 2,
  timestamp: 1700000000000,
  key: utf8("customer-42"),
  value: utf8('{"card":"4111111111111111"}'),
  headers: [{ key: "authorization", value: utf8("Bearer s3cret") }],
});
const source: ProcessingContext = {
  connector: "s",
  task: 1,
  stage: "TRANSFORMATION",
  executingClass: "org.apache.kafka.connect.transforms.Cast$Value",
  error: new DataError("bad field"),
  attempts: 1,
  source: {
    topic: "out",
    kafkaPartition: null,
    sourcePartition: { url: "https://api.example/items?sig=abc" },
    sourceOffset: { cursor: "c-9" },
    keySchema: null,
    key: "k",
    valueSchema: null,
    value: "v",
    timestamp: null,
    headers: [],
  } as unknown as ProcessingContext["source"],
};

function logged(context: ProcessingContext, includeMessages: boolean): string {
  const lines: string[] = [];
  const metrics = new TaskMetrics();
  const reporter = new LogReporter(new LogManager({ sink: (l) => lines.push(l) }).get("t"), includeMessages, metrics);
  reporter.report(context);
  expect(metrics.totalErrorsLogged).toBe(1);
  return lines.join("\n");
}

describe("LogReporter (errors.log.enable), as Connect 4.3.1's", () => {
  test("a consumed record: no coordinates without errors.log.include.messages", () => {
    const line = logged(consumed, false);
    expect(line).toContain(
      "Error encountered in task c-0. Executing stage 'VALUE_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter'.",
    );
    expect(line).not.toContain("where consumed record");
  });

  test("a consumed record with errors.log.include.messages: topic, partition, offset and timestamp, never its key, value or headers", () => {
    const line = logged(consumed, true);
    expect(line).toContain(
      "Error encountered in task c-0. Executing stage 'VALUE_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter', where consumed record is {topic='in', partition=2, offset=7, timestamp=1700000000000, timestampType=CreateTime}.",
    );
    for (const secret of ["customer-42", "4111111111111111", "s3cret", "authorization"])
      expect(line).not.toContain(secret);
  });

  test("a source record: nothing of it without errors.log.include.messages, the record with it", () => {
    const without = logged(source, false);
    expect(without).toContain(
      "Error encountered in task s-1. Executing stage 'TRANSFORMATION' with class 'org.apache.kafka.connect.transforms.Cast$Value'.",
    );
    expect(without).not.toContain("sig=abc");
    expect(without).not.toContain("c-9");
    const withMessages = logged(source, true);
    expect(withMessages).toContain(", where source record is ");
    expect(withMessages).toContain("c-9");
    expect(withMessages).toContain("key=k");
  });

  test("a source record's key and value print as Java prints them (a map in HashMap order, a FLOAT64 as a Double)", () => {
    const record = {
      ...source.source!,
      keySchema: Schemas.FLOAT64,
      key: 3,
      value: { b: 1, a: 2, name: "x", id: 3 },
    } as ProcessingContext["source"];
    expect(logged({ ...source, source: record }, true)).toContain("with key=3.0, value={a=2, b=1, name=x, id=3}.");
  });
});
