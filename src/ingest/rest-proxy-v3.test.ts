import { describe, expect, test } from "bun:test";
import { instantString, parseV3Batch, parseV3Records, v3BatchResponse, v3RecordsResponse } from "./rest-proxy-v3.ts";
import { decodeBase64 } from "./rest-proxy-v3-fields.ts";
import { bytes, post, testSettings } from "./test-support.ts";

const T = Date.parse("2021-02-05T19:14:42Z");

describe("REST Proxy v3 records", () => {
  test("Java Instant text: no fraction when the milliseconds are zero", () => {
    expect(instantString(T)).toBe("2021-02-05T19:14:42Z");
    expect(instantString(T + 5)).toBe("2021-02-05T19:14:42.005Z");
  });

  test("base64 as Java's basic decoder takes it", () => {
    expect(decodeBase64("Zm9vYmFy")).toEqual(new Uint8Array(Buffer.from("foobar")));
    for (const bad of ["1", "Zm9vYmF", "Zm9v YmFy", "Zm9v-mFy"]) expect(decodeBase64(bad)).toBeNull();
  });

  test("the documented example gives the documented delivery report, byte for byte", () => {
    const body =
      '{"partition_id":1,"headers":[{"name":"Header-1","value":"SGVhZGVyLTE="}],"key":{"type":"BINARY","data":"Zm9vYmFyMQ=="},"value":{"type":"JSON","data":{"foo":"bar12"}},"timestamp":"2021-02-05T19:14:42Z"}';
    const settings = testSettings();
    const parsed = parseV3Records(settings, post(body, "application/json"), bytes(body), T);
    expect(parsed.records[0]).toMatchObject({ partition: 1, timestamp: T, headers: [["Header-1", "Header-1"]] });
    const response = v3RecordsResponse(
      { clusterId: "cluster-1", topic: "topic-1" },
      parsed,
      [{ kind: "written", topic: "topic-1", partition: 1, offset: 0, timestamp: T }],
      false,
    );
    return response
      .text()
      .then((text) =>
        expect(text).toBe(
          '{"error_code":200,"cluster_id":"cluster-1","topic_name":"topic-1","partition_id":1,"offset":0,"timestamp":"2021-02-05T19:14:42Z","key":{"type":"BINARY","size":7},"value":{"type":"JSON","size":15}}',
        ),
      );
  });

  test("a record a transformation wrote to another topic reports that topic_name; a dropped one the request's (explore12 F1)", async () => {
    const body =
      '{"entries":[{"id":"a","value":{"type":"STRING","data":"x"}},{"id":"b","value":{"type":"STRING","data":"y"}}]}';
    const parsed = parseV3Batch(testSettings(), post(body, "application/json"), bytes(body), T);
    const response = v3BatchResponse({ clusterId: "c", topic: "from" }, parsed, [
      { kind: "written", topic: "to", partition: 0, offset: 3, timestamp: T },
      { kind: "dropped" },
    ]);
    expect(await response.text()).toBe(
      '{"successes":[{"id":"a","cluster_id":"c","topic_name":"to","partition_id":0,"offset":3,"timestamp":"2021-02-05T19:14:42Z","value":{"type":"STRING","size":1}},{"id":"b","cluster_id":"c","topic_name":"from","timestamp":"2021-02-05T19:14:42Z","value":{"type":"STRING","size":1}}],"failures":[]}',
    );
  });

  test("a bad record fails alone; the others are read", () => {
    const body = '{"value":{"data":"1"}} {"value":{"type":"STRING","data":"ok"}} {"value":{"type":"AVRO","data":1}}';
    const parsed = parseV3Records(testSettings(), post(body, "application/json"), bytes(body), 0);
    expect(parsed.records.map((r) => r.value)).toEqual(["ok"]);
    expect(parsed.items.map((i) => (i.ok ? "ok" : i.message))).toEqual([
      "Bad Request: data=1 is not a base64 string.",
      "ok",
      "Bad Request: value type AVRO needs a schema registry, which this gateway does not use",
    ]);
  });

  test("a record over ingest.max.record.bytes fails alone (413): streamed and batched, the others are written", async () => {
    const settings = testSettings({ "ingest.max.record.bytes": "4" });
    const body =
      '{"value":{"type":"STRING","data":"ok"}} {"value":{"type":"STRING","data":"too long"}} {"value":{"data":"AA=="}}';
    const parsed = parseV3Records(settings, post(body, "application/json"), bytes(body), 0);
    expect(parsed.records.map((r) => r.value)).toEqual(["ok", expect.anything()]);
    expect(parsed.items.map((i) => (i.ok ? "ok" : [i.status, i.errorCode]))).toEqual(["ok", [413, 413], "ok"]);
    const one = '{"value":{"type":"STRING","data":"too long"}}';
    const single = parseV3Records(settings, post(one, "application/json"), bytes(one), 0);
    const response = v3RecordsResponse({ clusterId: "c", topic: "t" }, single, [], false);
    expect([response.status, await response.text()]).toEqual([
      413,
      '{"error_code":413,"message":"The request included a message larger than the maximum message size of 4 bytes (ingest.max.record.bytes)"}',
    ]);
    const batch =
      '{"entries":[{"id":"a","value":{"type":"STRING","data":"too long"}},{"id":"b","value":{"type":"STRING","data":"ok"}}]}';
    const entries = parseV3Batch(settings, post(batch, "application/json"), bytes(batch), 0);
    expect(entries.items.map((i) => (i.ok ? i.id : [i.id, i.errorCode]))).toEqual([["a", 413], "b"]);
  });

  test("an array where an object is declared fails its record (ingest fuzz: `[]` was written as an empty record)", () => {
    const body = '[] {"value":{"type":"STRING","data":"ok"}} {"key":[],"value":{"type":"STRING","data":"k"}}';
    const parsed = parseV3Records(testSettings(), post(body, "application/json"), bytes(body), 0);
    expect(parsed.records.map((r) => r.value)).toEqual(["ok"]);
    expect(parsed.items.map((i) => (i.ok ? "ok" : i.message))).toEqual([
      "Bad Request: Invalid type: Expected Object but received Array",
      "ok",
      "Bad Request: key: Invalid type: Expected Object but received Array",
    ]);
    const batch = '{"entries":[{"id":"a","value":[]},{"id":"b","headers":[[]]}]}';
    const entries = parseV3Batch(testSettings(), post(batch, "application/json"), bytes(batch), 0);
    expect(entries.items.map((i) => (i.ok ? "ok" : i.message))).toEqual([
      "Bad Request: value: Invalid type: Expected Object but received Array",
      "Bad Request: headers[0]: Invalid type: Expected Object but received Array",
    ]);
  });

  test("records:batch: entry count and distinct ids are batch-level errors (42208)", () => {
    const settings = testSettings({ "ingest.rest.proxy.batch.max.entries": "2" });
    const parse = (body: string) => () => parseV3Batch(settings, post(body, "application/json"), bytes(body), 0);
    expect(parse('{"entries":[]}')).toThrow("Batch must contain between 1 and 2 entries");
    expect(parse('{"entries":[{"id":"a"},{"id":"b"},{"id":"c"}]}')).toThrow("between 1 and 2");
    expect(parse('{"entries":[{"id":"a"},{"id":"a"}]}')).toThrow("a is repeated");
    expect(parse('{"entries":[{"id":""}]}')).toThrow("1-80 characters");
  });

  test("records:batch: more entries than ingest.max.records is 422 (42208) and nothing is read (auditingest F1)", () => {
    const settings = testSettings({ "ingest.max.records": "2" });
    const body = '{"entries":[{"id":"a"},{"id":"b"},{"id":"c"}]}';
    const parse = () => parseV3Batch(settings, post(body, "application/json"), bytes(body), 0);
    expect(parse).toThrow("Batch must contain between 1 and 2 entries");
    expect(() => parse()).toThrow(expect.objectContaining({ status: 422, errorCode: 42208 }));
    const two = '{"entries":[{"id":"a"},{"id":"b"}]}';
    expect(parseV3Batch(settings, post(two, "application/json"), bytes(two), 0).records).toHaveLength(2);
  });

  describe("client timestamps (P1.1: the broker would refuse them, failing the task)", () => {
    const HOUR = 3_600_000;
    const read = (settings: ReturnType<typeof testSettings>, timestamp: string, receivedAt = T) => {
      const body = JSON.stringify({ value: { type: "STRING", data: "x" }, timestamp });
      return parseV3Records(settings, post(body, "application/json"), bytes(body), receivedAt);
    };

    test("up to ingest.timestamp.max.future.ms ahead (default one hour, the broker's default) is taken", () => {
      const parsed = read(testSettings(), instantString(T + HOUR));
      expect(parsed.records.map((r) => r.timestamp)).toEqual([T + HOUR]);
      expect(read(testSettings(), "1970-01-01T00:00:00Z").records.map((r) => r.timestamp)).toEqual([0]);
    });

    test.each([
      ["further ahead", instantString(T + 3_600_001), "more than 3600000 ms ahead of the gateway's clock"],
      ["far in the future", "2099-01-01T00:00:00Z", "ingest.timestamp.max.future.ms"],
      ["negative", "1969-12-31T23:59:59Z", "before 1970-01-01T00:00:00Z"],
    ])("%s: that record fails with 400, nothing of it is written", (_what, timestamp, message) => {
      const parsed = read(testSettings(), timestamp);
      expect(parsed.records).toEqual([]);
      expect(parsed.items).toEqual([
        { ok: false, status: 400, errorCode: 400, message: expect.stringContaining(message) },
      ]);
      const response = v3RecordsResponse({ clusterId: "c", topic: "t" }, parsed, [], false);
      expect(response.status).toBe(400);
    });

    test("the skew is configurable; records:batch entries are checked too", () => {
      const settings = testSettings({ "ingest.timestamp.max.future.ms": "1000" });
      expect(read(settings, instantString(T + 1000)).records).toHaveLength(1);
      expect(read(settings, instantString(T + 1001)).records).toHaveLength(0);
      const body = JSON.stringify({
        entries: [
          { id: "a", value: { type: "STRING", data: "x" }, timestamp: instantString(T + 5000) },
          { id: "b", value: { type: "STRING", data: "y" } },
        ],
      });
      const parsed = parseV3Batch(settings, post(body, "application/json"), bytes(body), T);
      expect(parsed.records.map((r) => r.value)).toEqual(["y"]);
      expect(parsed.items[0]).toMatchObject({ ok: false, id: "a", errorCode: 400 });
    });
  });

  describe("client headers (P3.11)", () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const read = (settings: ReturnType<typeof testSettings>, headers: unknown, request = post("", null)) => {
      const body = JSON.stringify({ value: { type: "STRING", data: "x" }, headers });
      return parseV3Records(settings, request, bytes(body), T);
    };

    test("names the gateway stamps are dropped (any case), so the gateway's stay the only ones", () => {
      const settings = testSettings({
        "ingest.headers.static": "site=plant-7",
        "ingest.headers.allowlist": "X-Fleet:fleet",
        "ingest.headers.receive.timestamp": "received-at",
        "ingest.headers.content.type": "ctype",
      });
      const names = ["ingest.identity", "SITE", "fleet", "Received-At", "ctype", "own"];
      const request = post("", "application/json", { "X-Fleet": "north" });
      const parsed = read(
        settings,
        names.map((name) => ({ name, value: b64("forged") })),
        request,
      );
      expect(parsed.records[0]!.headers).toEqual([
        ["fleet", "north"],
        ["site", "plant-7"],
        ["received-at", String(T)],
        ["own", "forged"],
      ]);
    });

    test("content-type is the gateway's when no other name is configured (raw bodies carry it)", () => {
      const parsed = read(testSettings(), [{ name: "Content-Type", value: b64("text/x-forged") }]);
      expect(parsed.records[0]!.headers).toEqual([]);
    });

    test.each([
      ["an empty name", [{ name: "", value: null }], "must not be empty"],
      ["a CR/LF in a name", [{ name: "a\r\nb", value: null }], "contains a control character"],
      ["a NUL in a name", [{ name: "a\u0000", value: null }], "contains a control character"],
    ])("%s fails that record with 400", (_what, headers, message) => {
      const parsed = read(testSettings(), headers);
      expect(parsed.records).toEqual([]);
      expect(parsed.items).toEqual([
        { ok: false, status: 400, errorCode: 400, message: expect.stringContaining(message) },
      ]);
    });

    test("more than ingest.max.record.headers fails that record with 400", () => {
      const settings = testSettings({ "ingest.max.record.headers": "2" });
      const two = [
        { name: "a", value: null },
        { name: "b", value: null },
      ];
      expect(read(settings, two).records[0]!.headers).toEqual([
        ["a", null],
        ["b", null],
      ]);
      const parsed = read(settings, [...two, { name: "c", value: null }]);
      expect(parsed.items).toEqual([
        {
          ok: false,
          status: 400,
          errorCode: 400,
          message: expect.stringContaining("more than 2 (ingest.max.record.headers)"),
        },
      ]);
    });
  });
});
