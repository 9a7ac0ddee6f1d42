import { describe, expect, test } from "bun:test";
import { Headers } from "../../api/data/headers.ts";
import { JsonText } from "../../api/data/json-text.ts";
import { Schemas } from "../../api/data/schema.ts";
import { sourceRecord } from "../../api/record.ts";
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
    expect(logged({ ...source, source: record }, true)).toContain(
      "key=3.0, keySchema=Schema{FLOAT64}, value={a=2, b=1, name=x, id=3}, ",
    );
  });

  // explore12 F5: a native ingest body (and an HTTP source's item) is a JsonText; it printed as its JSON
  // text where Connect prints the map JsonConverter (schemas.enable=false) read. Each expected text is
  // Connect 4.3.1's SourceRecord.toString of JsonConverter.toConnectData of the line.
  test.each([
    ['{"id":4,"n":"x"}', "{id=4, n=x}"],
    [
      '{"n":"x","id":4,"d":1.50,"big":12345678901234567890,"e":1e3,"l":[1,"a",null,true],"m":{"z":1,"a":{"q":[]}},"name":"x","b":1}',
      "{big=-6101065172474983726, b=1, d=1.5, e=1000.0, name=x, id=4, l=[1, a, null, true], m={a={q=[]}, z=1}, n=x}",
    ],
    ['"text"', "text"],
    ['[1,2.0,{"k":"v"}]', "[1, 2.0, {k=v}]"],
    ["-7", "-7"],
  ])("a JsonText value %s prints as Connect prints the value JsonConverter reads: %s", (text, java) => {
    const record = sourceRecord({ topic: "t", key: new JsonText('{"k":1}'), value: new JsonText(text), timestamp: 5 });
    expect(logged({ ...source, source: record }, true)).toContain(
      `ConnectRecord{topic='t', kafkaPartition=null, key={k=1}, keySchema=null, value=${java}, valueSchema=null, timestamp=5, headers=ConnectHeaders(headers=)}.`,
    );
  });

  test("a JsonText too deep to read prints as its text (the failure logged may be that one)", () => {
    const deep = `${"[".repeat(1001)}${"]".repeat(1001)}`;
    const record = sourceRecord({ topic: "t", value: new JsonText(deep) });
    expect(logged({ ...source, source: record }, true)).toContain(`value=${deep}, valueSchema=null`);
  });

  // explore9 F3: the line Connect 4.3.1 logged for FileStreamSource + Cast$Value (spec int32) on the
  // line "q1" (errors.log.include.messages=true), its error on the lines after it.
  test("a source record is described as Java's SourceRecord.toString, and the line ends with a period", () => {
    const context: ProcessingContext = {
      ...source,
      connector: "c-lg",
      task: 0,
      error: new DataError("Value (q1) was out of range for requested data type"),
      source: sourceRecord({
        topic: "ex9-lg-c-lg",
        sourcePartition: { filename: "/tmp/explore9-w/in7.txt" },
        sourceOffset: { position: 3 },
        valueSchema: Schemas.STRING,
        value: "q1",
        timestamp: 1796452499808,
      }),
    };
    const [line, error] = logged(context, true).split("\n");
    expect(line!.slice(line!.indexOf("Error encountered"))).toBe(
      "Error encountered in task c-lg-0. Executing stage 'TRANSFORMATION' with class 'org.apache.kafka.connect.transforms.Cast$Value', where source record is = SourceRecord{sourcePartition={filename=/tmp/explore9-w/in7.txt}, sourceOffset={position=3}} ConnectRecord{topic='ex9-lg-c-lg', kafkaPartition=null, key=null, keySchema=null, value=q1, valueSchema=Schema{STRING}, timestamp=1796452499808, headers=ConnectHeaders(headers=)}.",
    );
    expect(error).toEndWith("Value (q1) was out of range for requested data type");
  });

  test("a source record's headers as ConnectHeaders.toString lists them", () => {
    const context: ProcessingContext = {
      ...source,
      source: sourceRecord({
        topic: "out",
        kafkaPartition: 2,
        keySchema: Schemas.OPTIONAL_INT64,
        key: 7,
        headers: new Headers([
          { key: "h", value: "x", schema: Schemas.STRING },
          { key: "n", value: null, schema: null },
        ]),
      }),
    };
    expect(logged(context, true)).toContain(
      "ConnectRecord{topic='out', kafkaPartition=2, key=7, keySchema=Schema{INT64}, value=null, valueSchema=null, timestamp=null, headers=ConnectHeaders(headers=[ConnectHeader(key=h, value=x, schema=Schema{STRING}), ConnectHeader(key=n, value=null, schema=null)])}.",
    );
  });

  test("no line appends the error's message: Connect ends the sentence and prints the error after it", () => {
    for (const context of [consumed, source]) {
      for (const include of [false, true]) expect(logged(context, include).split("\n")[0]).toEndWith(".");
      expect(logged(context, true)).not.toContain(". Error: ");
    }
  });
});
