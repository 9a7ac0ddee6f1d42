import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { Headers } from "../../api/data/headers.ts";
import { type Schema, Schemas } from "../../api/data/schema.ts";
import { parseString } from "../../api/data/values.ts";
import { BooleanConverter } from "../../converters/boolean-converter.ts";
import { ByteArrayConverter } from "../../converters/byte-array-converter.ts";
import { JsonConverter } from "../../converters/json-converter.ts";
import { DoubleConverter, IntegerConverter } from "../../converters/number-converters.ts";
import { StringConverter } from "../../converters/string-converter.ts";
import { DataError } from "../../errors.ts";
import { endpoint, harness, jsonConverters, record, stringConverters } from "./test-support.ts";
import { UrlTemplate } from "./url-template.ts";

const fast = { "sink.flush-buffer.timeout": "0", "sink.writer.request.mode": "single" };

describe("RecordEncoder", () => {
  // Review finding P2.7: a key of ".." sent the record (and the configured Authorization) to the parent path.
  describe("when a key fills a URL path segment with a dot segment", () => {
    test.each([".", "..", "%2e", "%2E%2e", ".%2e"])(
      "the record with key %p is a data error for errors.tolerance; its neighbours are delivered",
      async (key) => {
        await using server = endpoint();
        await using h = harness(
          { url: server.url("/v1/tenants/${key}/orders"), ...fast },
          { converters: stringConverters() },
        );
        await h.task.put([
          record(0, 0, "before", { key: "t1" }),
          record(0, 1, "bad", { key }),
          record(0, 2, "after", { key: "a..b" }),
        ]);
        await waitFor(() => server.received.length === 2 && h.errant.length === 1);
        expect(server.received.map((r) => [r.path, r.body])).toEqual([
          ["/v1/tenants/t1/orders", "before"],
          ["/v1/tenants/a..b/orders", "after"],
        ]);
        expect(h.errant[0]!.record.kafkaOffset).toBe(1);
        expect(h.errant[0]!.error).toBeInstanceOf(DataError);
        expect(h.errant[0]!.error.message).toContain(`The record's key "${key}" would be a dot segment`);
      },
    );

    test.each([
      [null, "a null key"],
      ["", "an empty key"],
    ])("%p: %s would leave the path segment empty (another resource): a data error", async (key) => {
      await using server = endpoint();
      await using h = harness(
        { url: server.url("/v1/tenants/${key}/orders"), ...fast },
        { converters: stringConverters() },
      );
      await h.task.put([
        record(0, 0, "before", { key: "t1" }),
        // record() turns a null key into null; an empty one stays "".
        { ...record(0, 1, "bad"), key },
        record(0, 2, "after", { key: "t2" }),
      ]);
      await waitFor(() => server.received.length === 2 && h.errant.length === 1);
      expect(server.received.map((r) => r.path)).toEqual(["/v1/tenants/t1/orders", "/v1/tenants/t2/orders"]);
      expect(h.errant[0]!.record.kafkaOffset).toBe(1);
      expect(h.errant[0]!.error).toBeInstanceOf(DataError);
      expect(h.errant[0]!.error.message).toBe(
        "The record's key is empty or null: the URL path would have an empty segment, another resource than the template names",
      );
    });

    test("an empty key within a longer path segment, or in the query, is data", async () => {
      await using server = endpoint();
      await using h = harness(
        { url: server.url("/v1/tenant-${key}/orders?k=${key}"), ...fast },
        { converters: stringConverters() },
      );
      await h.task.put([record(0, 0, "x")]);
      await waitFor(() => server.received.length === 1);
      expect(server.received[0]!.path).toBe("/v1/tenant-/orders?k=");
      expect(h.errant).toEqual([]);
    });

    // Leftovers sinkp7 #3: a placeholder next to literal text could still make a dot or empty segment.
    test.each([
      ["/v1/.${key}/orders", "", "."],
      ["/v1/%2e${key}/orders", "", "%2e"],
    ])("%p with key %p: the filled segment %p is checked as a whole", async (path, key, segment) => {
      await using server = endpoint();
      await using h = harness({ url: server.url(path), ...fast }, { converters: stringConverters() });
      await h.task.put([{ ...record(0, 0, "bad"), key }, record(0, 1, "after", { key: "t" })]);
      await waitFor(() => server.received.length === 1 && h.errant.length === 1);
      expect(server.received[0]!.path).toBe(path.replace("${key}", "t"));
      expect(h.errant[0]!.record.kafkaOffset).toBe(0);
      expect(h.errant[0]!.error).toBeInstanceOf(DataError);
      expect(h.errant[0]!.error.message).toBe(
        `The URL path segment "${segment}" filled in with the record's values would be a dot segment, another resource than the template names`,
      );
    });

    // Review69: validation refuses a placeholder in the authority (a record would choose the host that gets
    // the credentials), so a task never starts with one; the template still refuses a URL that does not parse.
    test("a template with ${key} in its host does not start; a filled URL that does not parse is a data error", async () => {
      await using server = endpoint();
      const port = new URL(server.url()).port;
      expect(() => harness({ url: `http://\${key}:${port}/in`, ...fast }, { converters: stringConverters() })).toThrow(
        "only allowed in the path, query or fragment",
      );
      expect(server.received).toEqual([]);
      const template = new UrlTemplate(`http://127.0.0.1\${key}:${port}/in`);
      expect(() => template.fill(() => "a b")).toThrow(
        new DataError(
          `The URL filled in with the record's values is not a valid URL: http://127.0.0.1\${key}:${port}/in`,
        ),
      );
    });

    test("in the query string a dot key is data like any other", async () => {
      await using server = endpoint();
      await using h = harness(
        { url: server.url("/v1/orders?tenant=${key}"), ...fast },
        { converters: stringConverters() },
      );
      await h.task.put([record(0, 0, "x", { key: ".." })]);
      await waitFor(() => server.received.length === 1);
      expect(server.received[0]!.path).toBe("/v1/orders?tenant=..");
      expect(h.errant).toEqual([]);
    });

    test("with errors.tolerance=none the task fails", async () => {
      await using server = endpoint();
      await using h = harness(
        { url: server.url("/v1/${key}"), ...fast },
        { converters: stringConverters(), tolerance: "none" },
      );
      const error = await h.task.put([record(0, 0, "x", { key: ".." })]).catch((e) => e);
      expect(error.message).toBe("Tolerance exceeded in error handler");
      expect(server.received).toEqual([]);
    });
  });
});

describe("RecordEncoder key text", () => {
  // Leftovers sinkp7 #1: under JsonConverter a string key reached the URL and the key header as its JSON ("abc" → %22abc%22).
  test("under JsonConverter a string key is its text; a number or map key is what the converter writes", async () => {
    await using server = endpoint();
    await using h = harness(
      { url: server.url("/k/${key}"), "sink.forward.key.header": "X-Key", ...fast },
      { converters: jsonConverters() },
    );
    await h.task.put([
      record(0, 0, 1, { key: "abc" }),
      record(0, 1, 2, { key: 42 }),
      record(0, 2, 3, { key: { id: "a" } }),
    ]);
    await waitFor(() => server.received.length === 3);
    expect(server.received.map((r) => [r.path, r.headers["x-key"]])).toEqual([
      ["/k/abc", "abc"],
      ["/k/42", "42"],
      ["/k/%7B%22id%22%3A%22a%22%7D", '{"id":"a"}'],
    ]);
    expect(h.errant).toEqual([]);
  });

  // Leftovers sinkp7 #2: a bytes key was decoded as UTF-8, bytes that are not UTF-8 becoming U+FFFD.
  test("a bytes key is its bytes in unpadded base64url, in the URL and the key header alike", async () => {
    await using server = endpoint();
    await using h = harness(
      { url: server.url("/k/${key}"), "sink.forward.key.header": "X-Key", ...fast },
      { converters: stringConverters() },
    );
    await h.task.put([
      record(0, 0, "a", { key: new Uint8Array([0xff, 0xfe, 0x00, 0x3f]) }),
      record(0, 1, "b", { key: new Uint8Array([0xfb, 0xff]) }),
      record(0, 2, "c", { key: new TextEncoder().encode("dev-1") }),
    ]);
    await waitFor(() => server.received.length === 3);
    expect(server.received.map((r) => [r.path, r.headers["x-key"]])).toEqual([
      ["/k/__4APw", "__4APw"],
      ["/k/-_8", "-_8"],
      ["/k/ZGV2LTE", "ZGV2LTE"],
    ]);
  });
});

describe("RecordEncoder number keys", () => {
  // Review69: IntegerConverter writes 4 big-endian bytes, decoded as UTF-8 text: keys 128 and 129 both
  // became "\0\0\0\uFFFD", one URL for two resources. An integer key is its decimal text (as JsonConverter
  // writes it); converter output that is not UTF-8 is its bytes in base64url, never a lossy decoding.
  test("an integer key is its decimal text; a key converter's bytes that are not UTF-8 are base64url", async () => {
    await using server = endpoint();
    const converters = stringConverters();
    const ints = new IntegerConverter();
    ints.configure({}, true);
    const utf16 = new StringConverter();
    utf16.configure({ "converter.encoding": "UTF-16" }, true);
    const keyed = (offset: number, key: unknown, schema: Schema | null) => ({
      ...record(0, offset, "v"),
      key,
      keySchema: schema,
    });
    for (const [key, keyClass] of [
      [ints, "org.apache.kafka.connect.converters.IntegerConverter"],
      [utf16, "org.apache.kafka.connect.storage.StringConverter"],
    ] as const) {
      await using h = harness(
        { url: server.url("/k/${key}"), "sink.forward.key.header": "X-Key", ...fast },
        { converters: { ...converters, key, keyClass } },
      );
      await h.task.put(
        key === ints
          ? [keyed(0, 128, Schemas.INT32), keyed(1, 129, Schemas.INT32)]
          : [keyed(0, new Map([["a", 1]]), null), keyed(1, new Map([["a", 2]]), null)],
      );
      await h.task.idle();
      expect(h.errant).toEqual([]);
    }
    await waitFor(() => server.received.length === 4);
    // UTF-16 with its byte order mark (0xFE 0xFF), which is no UTF-8.
    const b64 = (text: string) => Buffer.from(`\ufeff${text}`, "utf16le").swap16().toString("base64url");
    expect(server.received.map((r) => [r.path, r.headers["x-key"]])).toEqual([
      ["/k/128", "128"],
      ["/k/129", "129"],
      [`/k/${b64("{a=1}")}`, b64("{a=1}")],
      [`/k/${b64("{a=2}")}`, b64("{a=2}")],
    ]);
  });

  // Review73: DoubleConverter's 8 bytes of 2.0 (0x40 then seven 0x00) are UTF-8, so that key was
  // `%40%00%00%00%00%00%00%00` (and 1.5 base64url); BooleanConverter's true the control character `%01`.
  test("a floating-point or boolean key is its text as JsonConverter and StringConverter write it", async () => {
    await using server = endpoint();
    const converters = stringConverters();
    const doubles = new DoubleConverter();
    doubles.configure({}, true);
    const booleans = new BooleanConverter();
    booleans.configure({}, true);
    const keyed = (offset: number, key: number | boolean, schema: Schema) => ({
      ...record(0, offset, "v"),
      key,
      keySchema: schema,
    });
    for (const [key, keyClass] of [
      [doubles, "org.apache.kafka.connect.converters.DoubleConverter"],
      [booleans, "org.apache.kafka.connect.converters.BooleanConverter"],
    ] as const) {
      await using h = harness(
        { url: server.url("/k/${key}"), "sink.forward.key.header": "X-Key", ...fast },
        { converters: { ...converters, key, keyClass } },
      );
      await h.task.put(
        key === doubles
          ? [keyed(0, 2, Schemas.FLOAT64), keyed(1, 1.5, Schemas.FLOAT64)]
          : [keyed(0, true, Schemas.BOOLEAN), keyed(1, false, Schemas.BOOLEAN)],
      );
      await h.task.idle();
      expect(h.errant).toEqual([]);
    }
    await waitFor(() => server.received.length === 4);
    expect(server.received.map((r) => [r.path, r.headers["x-key"]])).toEqual([
      ["/k/2.0", "2.0"],
      ["/k/1.5", "1.5"],
      ["/k/true", "true"],
      ["/k/false", "false"],
    ]);
  });
});

describe("RecordEncoder header values", () => {
  test("a key forwarded as a header holding a character beyond the BMP (an emoji) is sent percent-encoded, not rejected", async () => {
    await using server = endpoint();
    await using h = harness(
      { url: server.url("/in"), "sink.forward.key.header": "X-Key", ...fast },
      { converters: stringConverters() },
    );
    await h.task.put([record(0, 0, "v", { key: "a😀b" })]);
    await waitFor(() => server.received.length === 1 || h.errant.length > 0);
    expect(h.errant).toEqual([]);
    expect(server.received[0]!.headers["x-key"]).toBe("a%F0%9F%98%80b");
  });

  // Leftovers sinkp8 #2: a header converter's bytes that are not UTF-8 (ByteArrayConverter) became U+FFFD, so
  // distinct binary values were forwarded alike (%EF%BF%BD%EF%BF%BD); they are base64url, as such keys are.
  test("a forwarded header whose converted bytes are not UTF-8 is their unpadded base64url; UTF-8 ones are text", async () => {
    await using server = endpoint();
    const header = new ByteArrayConverter();
    header.configure({});
    await using h = harness(
      { url: server.url("/in"), "sink.forward.headers": "trace", ...fast },
      {
        converters: {
          ...stringConverters(),
          header,
          headerClass: "org.apache.kafka.connect.converters.ByteArrayConverter",
        },
      },
    );
    const withTrace = (offset: number, bytes: number[]) => ({
      ...record(0, offset, "v"),
      headers: new Headers([{ key: "trace", value: new Uint8Array(bytes), schema: Schemas.OPTIONAL_BYTES }]),
    });
    await h.task.put([
      withTrace(0, [0xff, 0xfe, 0x00, 0x3f]),
      withTrace(1, [0xfe, 0xff]),
      withTrace(2, [0x63, 0xc3, 0xa9]),
    ]);
    await waitFor(() => server.received.length === 3 || h.errant.length > 0);
    expect(h.errant).toEqual([]);
    expect(server.received.map((r) => r.headers.trace)).toEqual(["__4APw", "_v8", "c%C3%A9"]);
  });

  // Review runhunt5 #5: InsertHeader's `{}` (Values.parseString: a map schema without key schema) makes Apache's
  // JsonConverter throw its NullPointerException; the record is errant as any converter failure, not sent as `{}`.
  test("a forwarded header JsonConverter cannot write is an errant record with its cause; the next record is sent", async () => {
    await using server = endpoint();
    const header = new JsonConverter();
    header.configure({ "schemas.enable": "false" }, false);
    await using h = harness(
      { url: server.url("/in"), "sink.forward.headers": "trace", ...fast },
      { converters: { ...stringConverters(), header, headerClass: "org.apache.kafka.connect.json.JsonConverter" } },
    );
    const withTrace = (offset: number, literal: string) => {
      const parsed = parseString(literal);
      const headers = new Headers([{ key: "trace", value: parsed.value, schema: parsed.schema }]);
      return { ...record(0, offset, "v"), headers };
    };
    await h.task.put([withTrace(0, "{}"), withTrace(1, "[1]")]);
    await waitFor(() => server.received.length === 1);
    expect(h.errant.map((e) => [e.record.kafkaOffset, e.error.message])).toEqual([
      [0, expect.stringContaining('"org.apache.kafka.connect.data.Schema.keySchema()" is null')],
    ]);
    expect(server.received.map((r) => r.headers.trace)).toEqual(["[1]"]);
  });
});
