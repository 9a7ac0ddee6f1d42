/**
 * MaskField$Key / MaskField$Value (org.apache.kafka.connect.transforms.MaskField): replaces the
 * listed fields with the empty value of their type (0, false, "", epoch, empty array or map), or
 * with `replacement` converted to the field's numeric or string type. Nulls stay null.
 *
 * Apache picks the empty value by the Java class of the field's value; here the field's schema
 * type says it (and, without a schema, the JS value: integers are Longs, other numbers Doubles).
 */
import { bigDecimalFormatError } from "../api/data/big-decimal-text.ts";
import { JavaDouble, JavaFloat, schemalessDouble, schemalessFloat } from "../api/data/java-double.ts";
import { BigDecimal, DATE_NAME, DECIMAL_NAME, Decimal, TIME_NAME, TIMESTAMP_NAME } from "../api/data/logical.ts";
import { type Schema, Schemas } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { convertTo } from "../api/data/values.ts";
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { DataError } from "../errors.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { nonEmptyString, nonEmptyValues, replaceNullWithDefaultKey } from "./util/config.ts";
import { keyAndValue } from "./util/descriptors.ts";
import type { RecordSide } from "./util/record-side.ts";
import { javaClassName, requireMap, requireStruct } from "./util/requirements.ts";
import { emptyMapLike, isSchemalessMap, mapCopy, mapGet, mapLike } from "./util/schemaless-map.ts";

const PURPOSE = "mask fields";

const config = defineConfig({
  fields: key.list({
    doc: "Names of fields to mask.",
    importance: "HIGH",
    validators: [nonEmptyValues("fields")],
  }),
  replacement: key.string({
    doc: "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only).",
    default: null,
    importance: "LOW",
    validators: [nonEmptyString],
  }),
  "replace.null.with.default": replaceNullWithDefaultKey(),
});

/** What a value is, in the terms of Apache's class-based mapping. */
type Kind = "boolean" | "int8" | "int16" | "int32" | "int64" | "float32" | "float64" | "string" | "decimal" | "date";

function kindOf(schema: Schema | null, value: unknown): Kind | "array" | "map" | null {
  if (schema) {
    switch (schema.name) {
      case DECIMAL_NAME:
        return "decimal";
      case DATE_NAME:
      case TIME_NAME:
      case TIMESTAMP_NAME:
        return "date";
    }
    switch (schema.type) {
      case "BOOLEAN":
        return "boolean";
      case "INT8":
        return "int8";
      case "INT16":
        return "int16";
      case "INT32":
        return "int32";
      case "INT64":
        return "int64";
      case "FLOAT32":
        return "float32";
      case "FLOAT64":
        return "float64";
      case "STRING":
        return "string";
      case "ARRAY":
        return "array";
      case "MAP":
        return "map";
      default:
        return null;
    }
  }
  if (value instanceof JavaDouble) return value instanceof JavaFloat ? "float32" : "float64";
  switch (typeof value) {
    case "boolean":
      return "boolean";
    case "bigint":
      return "int64";
    case "number":
      return Number.isInteger(value) ? "int64" : "float64";
    case "string":
      return "string";
  }
  if (value instanceof BigDecimal) return "decimal";
  if (value instanceof Date) return "date";
  if (Array.isArray(value)) return "array";
  if (isSchemalessMap(value)) return "map";
  return null;
}

function maskWithEmpty(schema: Schema | null, value: unknown): unknown {
  const kind = kindOf(schema, value);
  switch (kind) {
    case "boolean":
      return false;
    case "string":
      return "";
    case "decimal":
      return new BigDecimal(0n, schema ? Decimal.scaleOf(schema) : 0);
    case "date":
      return new Date(0);
    case "array":
      return [];
    case "map":
      return schema ? new Map() : emptyMapLike(value);
    case null:
      throw new DataError(`Cannot mask value of type: class ${javaClassName(value)}`);
    default:
      return 0;
  }
}

function maskWithReplacement(schema: Schema | null, value: unknown, replacement: string): unknown {
  switch (kindOf(schema, value)) {
    case "string":
      return replacement;
    case "int8":
      return convertTo(Schemas.OPTIONAL_INT8, null, replacement);
    case "int16":
      return convertTo(Schemas.OPTIONAL_INT16, null, replacement);
    case "int32":
      return convertTo(Schemas.OPTIONAL_INT32, null, replacement);
    case "int64":
      return convertTo(Schemas.OPTIONAL_INT64, null, replacement);
    case "float32":
      return convertTo(Schemas.OPTIONAL_FLOAT32, null, replacement);
    case "float64":
      return convertTo(Schemas.OPTIONAL_FLOAT64, null, replacement);
    case "decimal":
      try {
        return BigDecimal.parse(replacement);
      } catch {
        // maskWithCustomReplacement wraps BigDecimal's NumberFormatException.
        throw new DataError(`Unable to convert ${replacement} (class java.lang.String) to number`, {
          cause: bigDecimalFormatError(replacement),
        });
      }
    default:
      throw new DataError(`Cannot mask value of type class ${javaClassName(value)} with custom replacement.`);
  }
}

export class MaskField implements Transformation {
  private fields: ReadonlySet<string> = new Set();
  private replacement: string | null = null;
  private replaceNullWithDefault = true;

  constructor(private readonly side: RecordSide) {}

  configure(configs: Readonly<Record<string, string>>): void {
    const parsed = config.parse(configs);
    this.fields = new Set(parsed.fields);
    this.replacement = parsed.replacement;
    this.replaceNullWithDefault = parsed["replace.null.with.default"];
  }

  private masked(schema: Schema | null, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    const masked =
      this.replacement === null ? maskWithEmpty(schema, value) : maskWithReplacement(schema, value, this.replacement);
    // Without a schema a Double's mask is a Double (0.0, 7.0), a Float's a Float, not a Long.
    if (schema !== null || typeof masked !== "number") return masked;
    const kind = kindOf(null, value);
    if (kind === "float32") return schemalessFloat(masked);
    return kind === "float64" ? schemalessDouble(masked) : masked;
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = this.side.schema(record);
    const value = this.side.value(record);
    if (schema === null) {
      const map = requireMap(value, PURPOSE);
      const updated = mapCopy(map);
      for (const field of this.fields) updated.set(field, this.masked(null, mapGet(map, field)));
      return this.side.with(record, null, mapLike(map, updated));
    }
    const struct = requireStruct(value, PURPOSE, schema);
    const updated = new Struct(struct.schema);
    for (const field of struct.schema.fields) {
      const original = this.replaceNullWithDefault ? struct.get(field) : struct.getWithoutDefault(field.name);
      updated.put(field, this.fields.has(field.name) ? this.masked(field.schema, original) : original);
    }
    return this.side.with(record, schema, updated);
  }
}

export const [maskFieldKey, maskFieldValue] = keyAndValue(
  "MaskField",
  "Replaces fields with the empty value of their type (0, false, empty string, …) or with a replacement " +
    "converted to the field's numeric or string type.",
  config,
  (side) => new MaskField(side),
);
