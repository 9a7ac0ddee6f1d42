import { describe, expect, test } from "bun:test";
import { jsonPathProblem } from "../../api/data/json-path-problem.ts";
import { httpSourceConfig } from "./config.ts";
import { httpSource } from "./index.ts";

const base = { "http.url": "https://api.example.com/events", "kafka.topic": "t" };

describe("validating an HTTP source config with a filter expression", () => {
  test("reports it on the key at fault: records path, cursor path, offset field, key field", () => {
    const records = httpSourceConfig.validate({ ...base, "http.response.records.path": "$.data[?(@.a==1)]" });
    const errors = records.get("http.response.records.path")!.errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toEndWith(jsonPathProblem("$.data[?(@.a==1)]")!);
    const crossKey = httpSource.validate!({
      ...base,
      "http.pagination.type": "CURSOR",
      "http.pagination.cursor.path": "$.next[?(@)]",
      "http.offset.mode": "CURSOR",
      "http.offset.field": "$.items[(@.length-1)].id",
      "http.record.key.field": "$.ids[?(@)]",
    });
    expect(crossKey).toEqual([
      { key: "http.pagination.cursor.path", message: jsonPathProblem("$.next[?(@)]")! },
      { key: "http.offset.field", message: jsonPathProblem("$.items[(@.length-1)].id")! },
      { key: "http.record.key.field", message: jsonPathProblem("$.ids[?(@)]")! },
    ]);
  });
});
