import { describe, expect, test } from "bun:test";
import { ConnectDate, ConnectTime, ConnectTimestamp } from "../api/data/logical.ts";
import { type Schema, SchemaBuilder, Schemas, schemaEquals } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { ConfigError, ConnectError, DataError } from "../errors.ts";
import { TimestampConverter } from "./timestamp-converter.ts";
import { KEY_SIDE, VALUE_SIDE } from "./util/record-side.ts";
import { expectError, srcRecord } from "./util/test-support.ts";

const EPOCH = new Date(0);
const TIME = new Date(1234);
const DATE = new Date(86_400_000);
const DATE_PLUS_TIME = new Date(86_401_234);
const DATE_PLUS_TIME_UNIX = 86_401_234;
const DATE_PLUS_TIME_UNIX_MICROS = 86_401_234_123;
const DATE_PLUS_TIME_UNIX_NANOS = 86_401_234_123_456;
const DATE_PLUS_TIME_UNIX_SECONDS = 86_401;
const STRING_DATE_FMT = "yyyy MM dd HH mm ss SSS z";
const DATE_PLUS_TIME_STRING = "1970 01 02 00 00 01 234 UTC";

function converter(configs: Record<string, string>, side = VALUE_SIDE): TimestampConverter {
  const xform = new TimestampConverter(side);
  xform.configure(configs);
  return xform;
}

describe("TimestampConverter", () => {
  describe("when the config is invalid", () => {
    test.each([
      [{}, 'Missing required configuration "target.type" which has no default value.'],
      [
        { "target.type": "invalid" },
        "Invalid value invalid for configuration target.type: String must be one of: string, unix, Date, Time, Timestamp",
      ],
      [
        { "target.type": "unix", "unix.precision": "invalid" },
        "Invalid value invalid for configuration unix.precision: String must be one of: nanoseconds, microseconds, milliseconds, seconds",
      ],
      [
        { "target.type": "string" },
        "TimestampConverter requires format option to be specified when using string timestamps",
      ],
      [
        { "target.type": "string", format: "bad-format" },
        "Invalid value java.lang.IllegalArgumentException: Illegal pattern character 'b' for configuration TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: bad-format",
      ],
    ])("rejects %p", (configs, message) => {
      expectError(() => new TimestampConverter(VALUE_SIDE).configure(configs), ConfigError, message);
    });

    test("accepts a valid unix precision", () => {
      expect(() => converter({ "target.type": "unix", "unix.precision": "seconds" })).not.toThrow();
    });
  });

  describe("without a schema", () => {
    test.each<[Record<string, string>, unknown, unknown]>([
      [{ "target.type": "Timestamp" }, DATE_PLUS_TIME, DATE_PLUS_TIME],
      [{ "target.type": "Date" }, DATE_PLUS_TIME, DATE],
      [{ "target.type": "Time" }, DATE_PLUS_TIME, TIME],
      [{ "target.type": "unix" }, DATE_PLUS_TIME, DATE_PLUS_TIME_UNIX],
      [{ "target.type": "string", format: STRING_DATE_FMT }, DATE_PLUS_TIME, DATE_PLUS_TIME_STRING],
      [{ "target.type": "Timestamp" }, DATE_PLUS_TIME_UNIX, DATE_PLUS_TIME],
      [{ "target.type": "Timestamp", format: STRING_DATE_FMT }, DATE_PLUS_TIME_STRING, DATE_PLUS_TIME],
      [{ "target.type": "Timestamp", "unix.precision": "microseconds" }, DATE_PLUS_TIME_UNIX_MICROS, DATE_PLUS_TIME],
      [{ "target.type": "Timestamp", "unix.precision": "nanoseconds" }, DATE_PLUS_TIME_UNIX_NANOS, DATE_PLUS_TIME],
      [{ "target.type": "Timestamp", "unix.precision": "seconds" }, DATE_PLUS_TIME_UNIX_SECONDS, new Date(86_401_000)],
      [
        { "target.type": "unix", "unix.precision": "microseconds", format: STRING_DATE_FMT },
        DATE_PLUS_TIME_STRING,
        86_401_234_000,
      ],
      [
        { "target.type": "unix", "unix.precision": "nanoseconds", format: STRING_DATE_FMT },
        DATE_PLUS_TIME_STRING,
        86_401_234_000_000,
      ],
      [{ "target.type": "unix", "unix.precision": "seconds", format: STRING_DATE_FMT }, DATE_PLUS_TIME_STRING, 86_401],
      [{ "target.type": "unix", "unix.precision": "nanoseconds" }, new Date(1.7e12), 1_700_000_000_000_000_000n],
      // TimeUnit.MILLISECONDS.toNanos saturates past the range of a long (runtime case hunt-ts-precision).
      [{ "target.type": "unix", "unix.precision": "nanoseconds" }, new Date(9_223_372_036_855), 2n ** 63n - 1n],
      [{ "target.type": "unix", "unix.precision": "nanoseconds" }, new Date(-9_223_372_036_855), -(2n ** 63n)],
      [{ "target.type": "string", format: STRING_DATE_FMT }, null, null],
      [{ "target.type": "Date" }, null, null],
      [{ "target.type": "unix" }, null, null],
    ])("converts with %p from %p", (configs, value, expected) => {
      const out = converter(configs).apply(srcRecord({ value }));
      expect(out.valueSchema).toBeNull();
      expect(out.value).toEqual(expected);
    });

    test("converts one field of a map", () => {
      const out = converter({ "target.type": "Date", field: "ts" }).apply(
        srcRecord({ value: { ts: DATE_PLUS_TIME, other: "x" } }),
      );
      expect(out.value).toEqual({ ts: DATE, other: "x" });
    });

    test.each<[unknown, string, typeof DataError]>([
      [1.5, "TimestampConverter does not support class java.lang.Double objects as timestamps", DataError],
      ["2024", "Could not parse timestamp: value (2024) does not match pattern (yyyy-MM-dd)", DataError],
    ])("rejects %p", (value, message, type) => {
      expectError(
        () => converter({ "target.type": "unix", format: "yyyy-MM-dd" }).apply(srcRecord({ value })),
        type,
        message,
      );
    });

    test("wraps Java's ParseException when the pattern does not match, as Apache's trace shows", () => {
      let thrown: unknown;
      try {
        converter({ "target.type": "unix", format: "yyyy-MM-dd HH:mm" }).apply(srcRecord({ value: "14/11/2023" }));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(DataError);
      const cause = (thrown as DataError).cause as ConnectError;
      expect({ javaClass: cause.javaClass, message: cause.message }).toEqual({
        javaClass: "java.text.ParseException",
        message: 'Unparseable date: "14/11/2023"',
      });
    });

    test.each(["Timestamp", "string", "unix", "Date"])(
      "to %s: a parsed date beyond a JavaScript Date is a DataError (was Invalid Date, '0NaN' or a RangeError)",
      (target) => {
        for (const [format, value] of [
          ["yyyy", "1700000000"],
          ["YYYY-'W'ww-u", "2023-W46--99999999999999"],
        ] as const) {
          expectError(
            () => converter({ "target.type": target, format }).apply(srcRecord({ value })),
            DataError,
            `Timestamp value (${value}) parsed with pattern (${format}) is out of the range of dates supported here`,
          );
        }
      },
    );
  });

  // Review runhunt2: Connect's java.util.Date takes any long; a JavaScript Date only ±8.64e15 ms.
  test.each<[string, bigint]>([
    ["seconds", 9223372036854775807n],
    ["milliseconds", -8_640_000_000_000_001n],
  ])("a unix time in %s beyond a JavaScript Date (%p) is a DataError", (precision, value) => {
    expectError(
      () =>
        converter({ "target.type": "string", "unix.precision": precision, format: "yyyy" }).apply(srcRecord({ value })),
      DataError,
      `Unix timestamp ${value} (${precision}) is out of the range of dates supported here (dates beyond ±8.64e15 ms from the epoch are not supported)`,
    );
  });

  describe("with a schema", () => {
    test.each<[Record<string, string>, Schema, unknown, Schema, unknown]>([
      [
        { "target.type": "Timestamp" },
        ConnectTimestamp.schema(),
        DATE_PLUS_TIME,
        ConnectTimestamp.schema(),
        DATE_PLUS_TIME,
      ],
      [{ "target.type": "Date" }, ConnectTimestamp.schema(), DATE_PLUS_TIME, ConnectDate.schema(), DATE],
      [{ "target.type": "Time" }, ConnectTimestamp.schema(), DATE_PLUS_TIME, ConnectTime.schema(), TIME],
      [{ "target.type": "unix" }, ConnectTimestamp.schema(), DATE_PLUS_TIME, Schemas.INT64, DATE_PLUS_TIME_UNIX],
      [
        { "target.type": "string", format: STRING_DATE_FMT },
        ConnectTimestamp.schema(),
        DATE_PLUS_TIME,
        Schemas.STRING,
        DATE_PLUS_TIME_STRING,
      ],
      [{ "target.type": "Timestamp" }, ConnectDate.schema(), DATE, ConnectTimestamp.schema(), DATE],
      [{ "target.type": "Timestamp" }, ConnectTime.schema(), TIME, ConnectTimestamp.schema(), TIME],
      [{ "target.type": "Timestamp" }, Schemas.INT64, DATE_PLUS_TIME_UNIX, ConnectTimestamp.schema(), DATE_PLUS_TIME],
      [
        { "target.type": "Timestamp", format: STRING_DATE_FMT },
        Schemas.STRING,
        DATE_PLUS_TIME_STRING,
        ConnectTimestamp.schema(),
        DATE_PLUS_TIME,
      ],
      [
        { "target.type": "Timestamp" },
        ConnectTimestamp.builder().optional().build(),
        null,
        ConnectTimestamp.builder().optional().build(),
        null,
      ],
      [{ "target.type": "unix" }, Schemas.OPTIONAL_INT64, null, Schemas.OPTIONAL_INT64, null],
      [
        { "target.type": "Date" },
        ConnectDate.builder().optional().build(),
        null,
        ConnectDate.builder().optional().build(),
        null,
      ],
    ])("converts with %p from %p", (configs, schema, value, expectedSchema, expected) => {
      const out = converter(configs).apply(srcRecord({ valueSchema: schema, value }));
      expect(schemaEquals(out.valueSchema, expectedSchema)).toBe(true);
      expect(out.value).toEqual(expected);
    });

    test.each<[string, Schema, unknown]>([
      ["milliseconds", Schemas.INT64, DATE_PLUS_TIME_UNIX],
      ["microseconds", Schemas.INT64, DATE_PLUS_TIME_UNIX_MICROS],
      ["nanoseconds", Schemas.INT64, DATE_PLUS_TIME_UNIX_NANOS],
      ["seconds", Schemas.INT64, DATE_PLUS_TIME_UNIX_SECONDS],
    ])("converts a struct field from unix %p to a Timestamp", (precision, fieldSchema, value) => {
      const schema = SchemaBuilder.struct().field("ts", fieldSchema).field("other", Schemas.STRING).build();
      const struct = new Struct(schema).put("ts", value).put("other", "test");
      const xform = converter({ "target.type": "Timestamp", field: "ts", "unix.precision": precision });
      const out = xform.apply(srcRecord({ valueSchema: schema, value: struct }));
      const expected = precision === "seconds" ? new Date(86_401_000) : DATE_PLUS_TIME;
      expect((out.value as Struct).get("ts")).toEqual(expected);
      expect((out.value as Struct).get("other")).toBe("test");
      expect(schemaEquals(out.valueSchema?.field("ts")?.schema, ConnectTimestamp.schema())).toBe(true);
      expect(xform.apply(srcRecord({ valueSchema: schema, value: struct })).valueSchema).toBe(out.valueSchema!);
    });

    test.each([
      ["true", EPOCH],
      ["false", null],
    ])("with replace.null.with.default=%p converts a null field with a default to %p", (flag, expected) => {
      const tsSchema = ConnectTimestamp.builder().optional().defaultValue(EPOCH).build();
      const schema = SchemaBuilder.struct().field("ts", tsSchema).build();
      const out = converter({ "target.type": "Timestamp", field: "ts", "replace.null.with.default": flag }).apply(
        srcRecord({ valueSchema: schema, value: new Struct(schema) }),
      );
      expect((out.value as Struct).getWithoutDefault("ts")).toEqual(expected);
    });

    test("converts a null struct field to null", () => {
      const schema = SchemaBuilder.struct().field("ts", ConnectTimestamp.builder().optional().build()).build();
      const out = converter({ "target.type": "unix", field: "ts" }).apply(
        srcRecord({ valueSchema: schema, value: new Struct(schema) }),
      );
      expect((out.value as Struct).get("ts")).toBeNull();
      expect(out.valueSchema?.field("ts")?.schema).toBe(Schemas.OPTIONAL_INT64);
    });

    test("fails on a schema that is no timestamp", () => {
      expectError(
        () => converter({ "target.type": "unix" }).apply(srcRecord({ valueSchema: Schemas.BOOLEAN, value: true })),
        ConnectError,
        "Schema Schema{BOOLEAN} does not correspond to a known timestamp type format",
      );
    });
  });

  test("converts the key with the $Key variant", () => {
    const out = converter({ "target.type": "Timestamp" }, KEY_SIDE).apply(
      srcRecord({ key: DATE_PLUS_TIME_UNIX, value: "v" }),
    );
    expect([out.keySchema, out.key, out.value]).toEqual([null, DATE_PLUS_TIME, "v"]);
  });
});
