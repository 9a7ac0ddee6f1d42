/**
 * TimestampConverter$Key / TimestampConverter$Value
 * (org.apache.kafka.connect.transforms.TimestampConverter): converts a timestamp field, or the
 * whole key or value, between `string` (a SimpleDateFormat `format`, UTC), `unix` (epoch in
 * `unix.precision` units), and Connect's `Date`, `Time` and `Timestamp`. The input type comes from
 * the schema, or without one from the value (Date → Timestamp, integer → unix, string → string).
 * Sub-millisecond precision is lost, as in Apache.
 */
import {
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DATE_NAME,
  dateOfMillis,
  TIME_NAME,
  TIMESTAMP_NAME,
} from "../api/data/logical.ts";
import { int64Value, type Schema, SchemaBuilder, Schemas } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { saturatedLong } from "../api/data/values-numbers.ts";
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { ConfigError, ConnectError, DataError, JavaException, throwableText } from "../errors.ts";
import { check, defineConfig, key } from "../plugin/config-def.ts";
import { invalidValue } from "../util/invalid-value.ts";
import { replaceNullWithDefaultKey } from "./util/config.ts";
import { keyAndValue } from "./util/descriptors.ts";
import type { RecordSide } from "./util/record-side.ts";
import { javaClassOfValue, requireMap, requireStructOrNull } from "./util/requirements.ts";
import { copySchemaBasics, SchemaUpdateCache } from "./util/schema-util.ts";
import { mapCopy, mapGet, mapLike } from "./util/schemaless-map.ts";
import { SimpleDateFormat } from "./util/simple-date-format.ts";

const PURPOSE = "converting timestamp formats";
const MS_PER_DAY = 86_400_000;

export type TimestampType = "string" | "unix" | "Date" | "Time" | "Timestamp";
type UnixPrecision = "seconds" | "milliseconds" | "microseconds" | "nanoseconds";

const config = defineConfig({
  field: key.string({
    doc: "The field containing the timestamp, or empty if the entire value is a timestamp",
    default: "",
    importance: "HIGH",
  }),
  "target.type": key.string({
    doc: "The desired timestamp representation: string, unix, Date, Time, or Timestamp",
    importance: "HIGH",
    validators: [check.oneOf(["string", "unix", "Date", "Time", "Timestamp"])],
  }),
  format: key.string({
    doc: "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string.",
    default: "",
    importance: "MEDIUM",
  }),
  "unix.precision": key.string({
    doc: "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long.Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components.",
    default: "milliseconds",
    importance: "LOW",
    validators: [check.oneOf(["nanoseconds", "microseconds", "milliseconds", "seconds"])],
  }),
  "replace.null.with.default": replaceNullWithDefaultKey(),
});

const UNIX_FACTOR: Readonly<Record<UnixPrecision, bigint>> = {
  seconds: 1000n,
  milliseconds: 1n,
  microseconds: 1000n,
  nanoseconds: 1_000_000n,
};

const OPTIONAL_DATE = ConnectDate.builder().optional().build();
const OPTIONAL_TIME = ConnectTime.builder().optional().build();
const OPTIONAL_TIMESTAMP = ConnectTimestamp.builder().optional().build();
const DATE = ConnectDate.schema();
const TIME = ConnectTime.schema();
const TIMESTAMP = ConnectTimestamp.schema();

function typeSchema(type: TimestampType, optional: boolean): Schema {
  switch (type) {
    case "string":
      return optional ? Schemas.OPTIONAL_STRING : Schemas.STRING;
    case "unix":
      return optional ? Schemas.OPTIONAL_INT64 : Schemas.INT64;
    case "Date":
      return optional ? OPTIONAL_DATE : DATE;
    case "Time":
      return optional ? OPTIONAL_TIME : TIME;
    case "Timestamp":
      return optional ? OPTIONAL_TIMESTAMP : TIMESTAMP;
  }
}

function typeFromSchema(schema: Schema): TimestampType {
  if (schema.name === TIMESTAMP_NAME) return "Timestamp";
  if (schema.name === DATE_NAME) return "Date";
  if (schema.name === TIME_NAME) return "Time";
  if (schema.type === "STRING") return "string";
  if (schema.type === "INT64") return "unix";
  throw new ConnectError(`Schema ${schema} does not correspond to a known timestamp type format`);
}

function inferType(value: unknown): TimestampType {
  if (value instanceof Date) return "Timestamp";
  if (typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value))) return "unix";
  if (typeof value === "string") return "string";
  throw new DataError(`TimestampConverter does not support ${javaClassOfValue(value)} objects as timestamps`);
}

export class TimestampConverter implements Transformation {
  private field = "";
  private type: TimestampType = "Timestamp";
  private format: SimpleDateFormat | null = null;
  private precision: UnixPrecision = "milliseconds";
  private replaceNullWithDefault = true;
  private readonly schemaCache = new SchemaUpdateCache();

  constructor(private readonly side: RecordSide) {}

  configure(configs: Readonly<Record<string, string>>): void {
    const parsed = config.parse(configs);
    this.field = parsed.field;
    this.type = parsed["target.type"] as TimestampType;
    this.precision = parsed["unix.precision"] as UnixPrecision;
    this.replaceNullWithDefault = parsed["replace.null.with.default"];
    const pattern = parsed.format;
    if (this.type === "string" && pattern.trim() === "") {
      throw new ConfigError("TimestampConverter requires format option to be specified when using string timestamps");
    }
    this.format = null;
    if (pattern.trim() !== "") {
      try {
        this.format = new SimpleDateFormat(pattern);
      } catch (e) {
        // ConfigException(message, cause): Connect's two-argument constructor takes (name, value),
        // so the message reads "Invalid value <cause> for configuration <message>".
        const cause = throwableText(e);
        throw new ConfigError(
          invalidValue(
            "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps",
            cause,
            pattern,
          ),
        );
      }
    }
    this.schemaCache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = this.side.schema(record);
    const value = this.side.value(record);
    return schema === null ? this.applySchemaless(record, value) : this.applyWithSchema(record, schema, value);
  }

  private applyWithSchema<R extends ConnectRecord>(record: R, schema: Schema, value: unknown): R {
    if (this.field === "") {
      return this.side.with(
        record,
        typeSchema(this.type, schema.optional),
        this.convert(value, typeFromSchema(schema)),
      );
    }
    const struct = requireStructOrNull(value, PURPOSE, schema);
    const updatedSchema = this.schemaCache.getOrBuild(schema, (s) => this.buildSchema(s));
    return this.side.with(record, updatedSchema, this.convertStruct(struct, updatedSchema));
  }

  private buildSchema(schema: Schema): Schema {
    const builder = copySchemaBasics(schema, SchemaBuilder.struct());
    for (const field of schema.fields) {
      builder.field(
        field.name,
        field.name === this.field ? typeSchema(this.type, field.schema.optional) : field.schema,
      );
    }
    if (schema.optional) builder.optional();
    if (schema.defaultValue !== undefined && schema.defaultValue !== null) {
      builder.defaultValue(this.convertStruct(schema.defaultValue as Struct, builder.build()));
    }
    return builder.build();
  }

  private convertStruct(struct: Struct | null, updatedSchema: Schema): Struct | null {
    if (struct === null) return null;
    const updated = new Struct(updatedSchema);
    for (const field of struct.schema.fields) {
      const value = this.replaceNullWithDefault ? struct.get(field) : struct.getWithoutDefault(field.name);
      updated.put(field.name, field.name === this.field ? this.convert(value, typeFromSchema(field.schema)) : value);
    }
    return updated;
  }

  private applySchemaless<R extends ConnectRecord>(record: R, value: unknown): R {
    if (value === null || value === undefined || this.field === "") {
      return this.side.with(record, null, this.convert(value ?? null));
    }
    const map = requireMap(value, PURPOSE);
    const updated = mapCopy(map);
    updated.set(this.field, this.convert(mapGet(map, this.field)));
    return this.side.with(record, null, mapLike(map, updated));
  }

  /** Converts one timestamp from `from` (inferred from the value when absent) to the target type. */
  private convert(timestamp: unknown, from?: TimestampType): unknown {
    if (timestamp === null || timestamp === undefined) return null;
    return this.toType(this.toRaw(timestamp, from ?? inferType(timestamp)));
  }

  private toRaw(value: unknown, from: TimestampType): Date {
    switch (from) {
      case "string": {
        if (typeof value !== "string") {
          throw new DataError(`Expected string timestamp to be a String, but found ${javaClassOfValue(value)}`);
        }
        // Apache has no format to parse with either and fails with the JVM's NullPointerException.
        const format = this.format;
        if (format === null) {
          throw new JavaException(
            "java.lang.NullPointerException",
            'Cannot invoke "java.text.SimpleDateFormat.parse(String)" because "config.format" is null',
          );
        }
        const parsed = format.parsePrefix(value);
        if (!parsed) {
          // Apache wraps SimpleDateFormat's ParseException, so a FAILED task's trace ends with it.
          const cause = new JavaException("java.text.ParseException", `Unparseable date: "${value}"`);
          throw new DataError(
            `Could not parse timestamp: value (${value}) does not match pattern (${format.toPattern()})`,
            { cause },
          );
        }
        // Fields far out of range (year 1700000000) name a date beyond a JavaScript Date's ±8.64e15 ms,
        // which java.util.Date holds (or overflows silently): fail it rather than write Invalid Date.
        if (Number.isNaN(parsed.date.getTime())) {
          throw new DataError(
            `Timestamp value (${value}) parsed with pattern (${format.toPattern()}) is out of the range of dates supported here`,
          );
        }
        return parsed.date;
      }
      case "unix": {
        if (typeof value !== "bigint" && !(typeof value === "number" && Number.isInteger(value))) {
          throw new DataError(`Expected Unix timestamp to be a Long, but found ${javaClassOfValue(value)}`);
        }
        const n = BigInt(value);
        const ms = this.precision === "seconds" ? n * 1000n : n / UNIX_FACTOR[this.precision];
        return dateOfMillis(ms, "Unix timestamp", value, this.precision);
      }
      default:
        if (!(value instanceof Date)) {
          throw new DataError(`Expected ${from} to be a java.util.Date, but found ${javaClassOfValue(value)}`);
        }
        return value;
    }
  }

  private toType(date: Date): unknown {
    const ms = date.getTime();
    switch (this.type) {
      case "string":
        return this.format!.format(date);
      case "unix": {
        const n = BigInt(ms);
        if (this.precision === "seconds") return int64Value(n / 1000n);
        // TimeUnit.MILLISECONDS.toMicros/toNanos saturate at Long.MIN_VALUE and Long.MAX_VALUE.
        return int64Value(saturatedLong(n * UNIX_FACTOR[this.precision]));
      }
      case "Date":
        return new Date(ms - mod(ms, MS_PER_DAY));
      case "Time":
        return new Date(mod(ms, MS_PER_DAY));
      case "Timestamp":
        return date;
    }
  }

  close(): void {
    this.schemaCache.clear();
  }
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}

export const [timestampConverterKey, timestampConverterValue] = keyAndValue(
  "TimestampConverter",
  "Converts timestamps between formats: strings, Unix epoch numbers, and Connect's Date, Time and Timestamp types; " +
    "for one field or the whole key or value.",
  config,
  (side) => new TimestampConverter(side),
);
