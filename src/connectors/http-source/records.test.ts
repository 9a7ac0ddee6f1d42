import { describe, expect, test } from "bun:test";
import { allTexts } from "../../../test/support/all-texts.ts";
import { JsonNumberText } from "../../api/data/json-reader.ts";
import { JsonText } from "../../api/data/json-text.ts";
import { JsonConverter } from "../../converters/json-converter.ts";
import { StringConverter } from "../../converters/string-converter.ts";
import { Slicer } from "../../util/sliced.ts";
import {
  exactNumber,
  fieldValue,
  parseJsonBody,
  ResponseFormatError,
  selectAll,
  selectRecords,
  trailingZeros,
} from "./records.ts";
import { api, startTask } from "./test-support.ts";

const body = (text: string) => parseJsonBody(new TextEncoder().encode(text));
const texts = (records: { value: unknown }[]) =>
  records.map((r) => (r.value instanceof JsonText ? `json:${r.value.text}` : r.value));

describe("selectRecords", () => {
  test("a recursive descent over a number that needs the exact reading selects the number, not its inside", async () => {
    const doc = body('{"a":0.12345678901234567890,"b":{"c":"x","d":1.50}}');
    expect(texts(await selectRecords(doc, "$..*", new Slicer()))).toEqual([
      "json:0.12345678901234567890",
      'json:{"c":"x","d":1.50}',
      "x",
      "json:1.50",
    ]);
    expect(selectAll(doc.json, "$..source")).toEqual([]);
  });

  test("members of an object come in the order the response has them, integer-like names too", async () => {
    const doc = body('{"data":{"20":{"id":"c"},"3":{"id":"a"},"x":{"id":"b"},"1":{"id":"d"}},"next":"n"}');
    const ids = ['json:{"id":"c"}', 'json:{"id":"a"}', 'json:{"id":"b"}', 'json:{"id":"d"}'];
    expect(texts(await selectRecords(doc, "$.data[*]", new Slicer()))).toEqual(ids);
    expect(texts(await selectRecords(doc, "$.data.*", new Slicer()))).toEqual(ids);
    // A union keeps the order it names.
    expect(texts(await selectRecords(doc, "$.data['1','20']", new Slicer()))).toEqual([ids[3], ids[0]]);
  });

  test("a field really named source is still selected", async () => {
    const doc = body('{"items":[{"source":"sensor-1","v":1.50}]}');
    expect(texts(await selectRecords(doc, "$..source", new Slicer()))).toEqual(["sensor-1"]);
    expect(texts(await selectRecords(doc, "$.items[*]", new Slicer()))).toEqual([
      'json:{"source":"sensor-1","v":1.50}',
    ]);
  });
});

describe("selectRecords on a plain array path ($.a.b[*], read without jsonpath-plus)", () => {
  const doc = body(
    ' { "a" : { "b" : [ 1.50 , null,"x\\"y" ,true,{"k":[1, 2 ]} , [ ],12345678901234567890,-0.0e+1, "" ] , "n": 1 },"top":[{"c":1}] } ',
  );
  // The same selections as a slice go through jsonpath-plus: both must agree exactly.
  test.each([
    ["$.a.b[*]", "$['a']['b'][0:]"],
    ["$.a.b.*", "$['a']['b'][0:]"],
    ["$.top[*]", "$['top'][0:]"],
    ["$['a']['b'][*]", "$.a.b[0:]"],
    ['$["a"].b.*', "$.a.b[0:]"],
    ['$["top"][*]', "$.top[0:]"],
  ])("%s selects what %s selects, with the same texts", async (plain, bracketed) => {
    const fast = await selectRecords(doc, plain, new Slicer());
    const general = await selectRecords(doc, bracketed, new Slicer());
    expect(texts(fast)).toEqual(texts(general));
    expect(fast.map((r) => r.parsed)).toEqual(general.map((r) => r.parsed));
    expect(fast.length).toBeGreaterThan(0);
  });

  test("a root array, and a duplicate member name (the last one counts, as JSON.parse keeps it)", async () => {
    expect(texts(await selectRecords(body("[ 1.0 ,{ } ]"), "$[*]", new Slicer()))).toEqual(["json:1.0", "json:{ }"]);
    const dup = body('{"d":[1.0],"d":[2.0,3.0]}');
    expect(texts(await selectRecords(dup, "$.d[*]", new Slicer()))).toEqual(["json:2.0", "json:3.0"]);
  });

  // Member paths jsonpath-plus reads otherwise than as plain members: it selects, not the fast path.
  test.each([
    ["$.$[*]", '{"$":[1],"x":[2]}', ["json:[1]", "json:[2]"]],
    ["$['$'][*]", '{"$":[1],"x":[2]}', ["json:[1]", "json:[2]"]],
    ["$['ite\\ms'][*]", '{"items":[1],"ite\\\\ms":[2]}', ["json:2"]],
    ["$.items[0][*]", '{"items":[[1,2]]}', ["json:1", "json:2"]],
  ])("%s on %s selects as jsonpath-plus does", async (path, text, expected) => {
    expect(texts(await selectRecords(body(text), path, new Slicer()))).toEqual(expected);
  });

  test("a path to something else than an array goes through jsonpath-plus as before", async () => {
    const obj = body('{"d":{"x":1.0,"y":"s"}}');
    expect(texts(await selectRecords(obj, "$.d[*]", new Slicer()))).toEqual(["json:1.0", "s"]);
    expect(texts(await selectRecords(obj, "$.missing[*]", new Slicer()))).toEqual([]);
  });
});

describe("a body nested too deeply for the records path (review P3.11)", () => {
  // Deep enough to overflow the stack of a recursive descent on any platform Bun runs on.
  const deep = (depth: number) => `{"data":[${"[".repeat(depth)}${"]".repeat(depth)}]}`;

  test("is a ResponseFormatError, and behavior.on.error decides: log goes on, fail fails with the reason", async () => {
    using server = api(() => new Response(deep(100_000), { headers: { "content-type": "application/json" } }));
    const config = { "http.url": `${server.base}/e`, "http.response.records.path": "$..*" };
    const thrown = await selectRecords(body(deep(100_000)), "$..*", new Slicer()).catch((error) => error);
    expect(thrown).toBeInstanceOf(ResponseFormatError);
    // A poll gives up waiting on a page after its time limit and the next one picks it up: on a
    // loaded machine the 100,000-level body can take more than one poll to read.
    const tolerant = await startTask({ ...config, "behavior.on.error": "log" });
    const evaluatedLog = () => tolerant.logs.some((l) => l.includes("$..* could not be evaluated on the response"));
    while (!evaluatedLog()) expect(await tolerant.task.poll(new AbortController().signal)).toBeNull();
    const strict = await startTask({ ...config, "behavior.on.error": "fail" });
    let error: Error | undefined;
    while (error === undefined) {
      error = await strict.task.poll(new AbortController().signal).then(
        (records) => {
          expect(records).toBeNull();
          return undefined;
        },
        (e: Error) => e,
      );
    }
    expect(error.name).toBe("ConnectError");
    expect(error.message).toContain(`Unreadable response from GET ${server.base}/e: $..* could not be evaluated`);
  });
});

describe("a document or record that is null, false, 0 or an empty string (jsonpath-plus answers nothing at all)", () => {
  test("is a scalar like any other: `$` selects it (a null document is no record), any other path nothing", async () => {
    for (const text of ["null", "false", "0", '""']) {
      expect(await selectRecords(body(text), "$.data[*]", new Slicer())).toEqual([]);
      expect(await selectRecords(body(text), "$..*", new Slicer())).toEqual([]);
      const whole = await selectRecords(body(text), "$", new Slicer());
      expect(whole.map((r) => r.parsed)).toEqual(text === "null" ? [] : [JSON.parse(text)]);
      expect(fieldValue(JSON.parse(text), "$.ts")).toBeNull();
    }
  });

  test("a string has no length or characters to select either", async () => {
    expect(fieldValue("abc", "$.length")).toBeNull();
    expect(await selectRecords(body('"abc"'), "$[0]", new Slicer())).toEqual([]);
    expect((await selectRecords(body('"abc"'), "$", new Slicer())).map((r) => r.value)).toEqual(["abc"]);
  });

  test("a page with such an element and a JSONPath offset field is read, not failed as unreadable", async () => {
    const page = '{"data":[{"ts":"2024-01-01T00:00:01Z"},null,{"ts":"2024-01-01T00:00:02Z"},0]}';
    using server = api(() => new Response(page, { headers: { "content-type": "application/json" } }));
    const { task } = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$.data[*]",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "$.ts",
      "http.record.key.field": "$.ts",
    });
    const records = await task.poll(new AbortController().signal);
    expect(records?.map((r) => r.key)).toEqual(["2024-01-01T00:00:01Z", null, "2024-01-01T00:00:02Z", null]);
  });
});

describe("a null item (castorm's connector makes the text `null` of it, Jackson's asText)", () => {
  test("is a record whose value is the text null, written as `null` by JsonConverter and StringConverter: no tombstone", async () => {
    using server = api(() => new Response('{"data":[{"id":1},null],"more":null}'));
    for (const path of ["$.data[*]", "$..[1]", "$.data.*"]) {
      const { task } = await startTask({ "http.url": `${server.base}/e`, "http.response.records.path": path });
      const records = (await task.poll(new AbortController().signal)) ?? [];
      const value = records.at(-1)?.value;
      expect(value instanceof JsonText ? value.text : value).toBe("null");
      const json = new JsonConverter();
      json.configure({ "schemas.enable": "false" }, false);
      const string = new StringConverter();
      string.configure({}, false);
      for (const converter of [json, string])
        expect(new TextDecoder().decode(converter.fromConnectData("t", undefined, null, value) ?? undefined)).toBe(
          "null",
        );
      task.stop();
    }
  });
});

describe("a null where the records path selects one value (castorm's connector makes no record of a null list)", () => {
  test("$.data on {data: null}, $ on null and $.data[0] on [null] are no record; a missing, empty or scalar container as before", async () => {
    const select = async (text: string, path: string) => texts(await selectRecords(body(text), path, new Slicer()));
    expect(await select('{"data":null}', "$.data")).toEqual([]);
    expect(await select('{"data":null}', "$['data']")).toEqual([]);
    expect(await select("null", "$")).toEqual([]);
    expect(await select('{"data":[null]}', "$.data[0]")).toEqual([]);
    // Several values: a null among them is a record (the text null), as castorm's null array item.
    expect(await select('{"data":[null]}', "$.data[*]")).toEqual(["json:null"]);
    expect(await select('{"a":null,"b":null}', "$.*")).toEqual(["json:null", "json:null"]);
    expect(await select('{"data":null}', "$.data[*]")).toEqual([]);
    expect(await select('{"data":[]}', "$.data[*]")).toEqual([]);
    expect(await select("{}", "$.data")).toEqual([]);
    expect(await select('{"data":5}', "$.data")).toEqual(["json:5"]);
    expect(await select('{"data":{"id":1}}', "$.data")).toEqual(['json:{"id":1}']);
  });

  test("the task polls such a page without a record and without the nothing-to-select warning", async () => {
    using server = api(() => new Response('{"data":null}', { headers: { "content-type": "application/json" } }));
    const { task, logs } = await startTask({ "http.url": `${server.base}/e`, "http.response.records.path": "$.data" });
    expect((await task.poll(new AbortController().signal)) ?? []).toEqual([]);
    expect(server.seen).toHaveLength(1);
    expect(logs.filter((l) => l.includes("selects nothing"))).toEqual([]);
    task.stop();
  });
});

describe("exactNumber", () => {
  test("the double where it holds the decimal's value, the text where a double would round it", () => {
    const cases = ["1.50", "-0.10", "0.0000001", "-0.0", "1e5", "1700000000.1234567", "1700000000.123456789"];
    expect(cases.map((c) => exactNumber(new JsonNumberText(c)))).toEqual([
      1.5,
      -0.1,
      1e-7,
      -0,
      1e5,
      1700000000.1234567,
      "1700000000.123456789",
    ]);
    expect(exactNumber(new JsonNumberText("0.1000000000000000055511151231257827"))).toBe(
      "0.1000000000000000055511151231257827",
    );
  });
});

describe("a remote API's long decimal (its trailing zeros were found by /0+$/, quadratic: ReDoS audit)", () => {
  test("trailingZeros answers as /0+$/ did for every text of up to 10 characters over 0, 1 and .", () => {
    const texts = allTexts(["0", "1", "."], 10);
    expect(texts.filter((t) => trailingZeros(t) !== t.length - t.replace(/0+$/, "").length)).toEqual([]);
  });

  test("a number of 400k digits with zeros between its ends is keyed at once (minutes before)", () => {
    const text = `1.${"0".repeat(400_000)}1`;
    expect(exactNumber(new JsonNumberText(text))).toBe(text);
    expect(exactNumber(new JsonNumberText(`1.5${"0".repeat(400_000)}`))).toBe(1.5);
  });
});

describe("parseJsonBody", () => {
  test("integral doubles (3.0, 1e3, -0.0) are plain numbers, as before schemaless Doubles; long integers stay exact", () => {
    expect(body('{"a":3.0,"b":1e3,"c":-0.0,"d":1.05,"e":"x 3.0","f":12345678901234567890}').json).toEqual({
      a: 3,
      b: 1000,
      c: -0,
      d: 1.05,
      e: "x 3.0",
      f: 12345678901234567890n,
    });
  });
});
