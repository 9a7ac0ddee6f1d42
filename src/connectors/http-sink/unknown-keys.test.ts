// explore29 F5: a typo in a key of the sink's namespaces (Flink's options) ran as if unset, in silence.
import { describe, expect, test } from "bun:test";
import { connectorStartLines } from "./test-support.ts";

const base = { "connector.class": "HttpSink", topics: "orders", url: "http://127.0.0.1:9/in" };

function warningsAtStart(config: Record<string, string>): string[] {
  return connectorStartLines({ ...base, ...config }).filter((l) => l.includes("WARN"));
}

describe("HttpSinkConnector with keys of its namespaces it does not read", () => {
  test("one WARN at start names them, each with the key it likely means, never a value", () => {
    const warnings = warningsAtStart({
      "flink.connector.http.sink.request.batch-size": "value-1",
      "http.sink.writer.request-mode": "value-2",
      "sink.no.such.option": "value-3",
      "gid.connector.http.sink.error.code": "value-4",
      "sink.error.codes": "value-5",
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      "The HTTP sink does not read flink.connector.http.sink.request.batch-size (sink.request.batch.size?), http.sink.writer.request-mode (sink.writer.request.mode?), sink.no.such.option, gid.connector.http.sink.error.code (getindata's prefix is not read: sink.error.code), sink.error.codes (sink.error.code?): they are ignored (its keys: GET /connector-plugins/HttpSink/config)",
    );
    expect(warnings[0]).not.toContain("value-");
  });

  test("a header key without a header name is named with no key to suggest", () => {
    const warnings = warningsAtStart({ "sink.header.": "v", "flink.connector.http.sink.header.": "w" });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      "The HTTP sink does not read sink.header., flink.connector.http.sink.header.: they are ignored",
    );
  });

  test("no warning for declared keys under any spelling, headers and keys outside its namespaces", () => {
    const warnings = warningsAtStart({
      "flink.connector.http.sink.request.batch.size": "10",
      "http.sink.writer.request.mode": "batch",
      "sink.error.code": "4XX,5XX",
      "http.sink.header.X-Api-Key": "k",
      "flink.connector.http.sink.header.X-Other": "o",
      "sink.header.X-Third": "t",
      "flink.connector.http.source.lookup.use-raw-authorization-header": "false",
      "errors.tolerance": "all",
      "consumer.override.max.poll.records": "10",
    });
    expect(warnings).toEqual([]);
  });
});
