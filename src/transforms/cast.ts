/**
 * Cast$Key / Cast$Value (org.apache.kafka.connect.transforms.Cast): casts fields, or the whole key
 * or value, to another primitive type with Java's conversion rules (`(byte) 300` wraps, floats
 * truncate, strings parse, bytes become base64 strings, dates become ISO strings).
 * Without a schema the value must be a map unless the spec casts the whole value.
 */
import { schemalessDouble, schemalessFloat, unboxDouble } from "../api/data/java-double.ts";
import { javaDoubleToString, javaFloatToString, javaSplit } from "../api/data/java-text.ts";
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp } from "../api/data/logical.ts";
import { PRIMITIVE_TYPES, type Schema, SchemaBuilder, type SchemaType } from "../api/data/schema.ts";
import { schemaTypeOf } from "../api/data/schemaless.ts";
import { Struct } from "../api/data/struct.ts";
import { formatDate } from "../api/data/values-format.ts";
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { ConfigError, DataError, JavaException } from "../errors.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { invalidValue } from "../util/invalid-value.ts";
import { javaHashOrder } from "../util/java-hash-order.ts";
import { replaceNullWithDefaultKey } from "./util/config.ts";
import { keyAndValue } from "./util/descriptors.ts";
import {
  narrowInteger,
  numberFormatMessage,
  parseJavaFloating,
  parseJavaInteger,
  toFloating,
} from "./util/java-numbers.ts";
import type { RecordSide } from "./util/record-side.ts";
import { javaClassName, requireMap, requireStruct } from "./util/requirements.ts";
import { copySchemaBasics, SchemaUpdateCache } from "./util/schema-util.ts";
import { mapCopy, mapGet, mapLike } from "./util/schemaless-map.ts";

const PURPOSE = "cast types";
const ALL_TYPES: readonly SchemaType[] = [...PRIMITIVE_TYPES, "ARRAY", "MAP", "STRUCT"];
const INPUT_TYPES = PRIMITIVE_TYPES;
const OUTPUT_TYPES: readonly SchemaType[] = PRIMITIVE_TYPES.filter((type) => type !== "BYTES");

/**
 * The spec: a target type per field, or `wholeValue` for a single type without a field name. The
 * fields iterate as Apache's HashMap of them does: a schemaless value's fields are cast in that
 * order, so the first that fails is the one Apache reports.
 */
interface CastSpec {
  readonly fields: ReadonlyMap<string, SchemaType>;
  readonly wholeValue: SchemaType | undefined;
}

function parseType(name: string): SchemaType {
  const upper = name.trim().toUpperCase() as SchemaType;
  if (!ALL_TYPES.includes(upper)) {
    // Apache wraps Schema.Type.valueOf's exception as ConfigException(name, value): the message
    // reads with name and value swapped.
    const cause = `java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.${upper}`;
    throw new ConfigError(invalidValue("Invalid type found in casting spec", cause, name.trim()));
  }
  if (!OUTPUT_TYPES.includes(upper)) {
    throw new ConfigError(
      `Cast transformation does not support casting to ${upper}; supported types are [${OUTPUT_TYPES.join(", ")}]`,
    );
  }
  return upper;
}

/** Parses `spec`; throws ConfigError with Apache's messages. */
export function parseCastSpec(mappings: readonly string[]): CastSpec {
  const fields = new Map<string, SchemaType>();
  let wholeValue: SchemaType | undefined;
  for (const mapping of mappings) {
    const parts = javaSplit(mapping, ":");
    if (parts.length > 2) {
      // Apache reuses ReplaceField's key name and message here.
      throw new ConfigError(invalidValue("renames", `[${mappings.join(", ")}]`, `Invalid rename mapping: ${mapping}`));
    }
    if (parts.length === 1) wholeValue = parseType(parts[0]!);
    else if (parts.length === 2) fields.set(parts[0]!.trim(), parseType(parts[1]!));
  }
  if (wholeValue !== undefined && mappings.length > 1) {
    throw new ConfigError(
      "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec",
    );
  }
  return { fields: new Map(javaHashOrder([...fields.keys()]).map((f) => [f, fields.get(f)!])), wholeValue };
}

const config = defineConfig({
  spec: key.list({
    doc: "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string.",
    importance: "HIGH",
    validators: [
      // Apache's validator throws its ConfigExceptions itself, so they carry no key prefix.
      (list) => {
        // A missing spec is validated as null too (Connect 4.3.1's ConfigDef.validate): same refusal.
        if (list === null || list.length === 0) throw new ConfigError("Must specify at least one field to cast.");
        parseCastSpec(list);
        return undefined;
      },
    ],
  }),
  "replace.null.with.default": replaceNullWithDefaultKey(),
});

function encodeLogical(schema: Schema, value: unknown): unknown {
  switch (schema.name) {
    case ConnectDate.LOGICAL_NAME:
      return ConnectDate.fromLogical(schema, value as Date);
    case ConnectTime.LOGICAL_NAME:
      return ConnectTime.fromLogical(schema, value as Date);
    case ConnectTimestamp.LOGICAL_NAME:
      return ConnectTimestamp.fromLogical(schema, value as Date);
  }
  return value;
}

function unexpected(value: unknown): DataError {
  return new DataError(`Unexpected type in Cast transformation: class ${javaClassName(value)}`);
}

/** Apache wraps the NumberFormatException of Java's parser, so a trace ends with its message. */
function outOfRange(value: string, bits: Parameters<typeof numberFormatMessage>[1]): DataError {
  const cause = new JavaException("java.lang.NumberFormatException", numberFormatMessage(value, bits));
  return new DataError(`Value (${value}) was out of range for requested data type`, { cause });
}

const BITS = { INT8: 8, INT16: 16, INT32: 32, INT64: 64 } as const;

/**
 * Casts one value; schemaless, a Double stays one (`3.0`: a JavaDouble), a Float is a JavaFloat
 * (written `0.1` as Float.toString does) and an integer -0 is Long 0.
 */
export function castTo(schema: Schema | null, input: unknown, target: SchemaType): unknown {
  const cast = castOne(schema, input, target);
  if (schema !== null || typeof cast !== "number") return cast;
  if (target === "FLOAT32") return schemalessFloat(cast);
  return target === "FLOAT64" ? schemalessDouble(cast) : cast;
}

function castOne(schema: Schema | null, given: unknown, target: SchemaType): unknown {
  if (given === null || given === undefined) return null;
  const sourceType = schema ? schema.type : schemaTypeOf(given);
  const input = given === 0 && sourceType !== "FLOAT32" && sourceType !== "FLOAT64" ? 0 : unboxDouble(given);
  if (sourceType === null) {
    throw new DataError(
      `Cast transformation was passed a value of type class ${javaClassName(input)} which is not supported by Connect's data API`,
    );
  }
  if (!INPUT_TYPES.includes(sourceType)) {
    throw new DataError(
      `Cast transformation does not support casting from ${sourceType}; supported types are [${INPUT_TYPES.join(", ")}]`,
    );
  }
  const value = schema?.name && target !== "STRING" ? encodeLogical(schema, input) : input;
  const floating = sourceType === "FLOAT32" || sourceType === "FLOAT64";
  const isNumber = typeof value === "number" || typeof value === "bigint" || value instanceof BigDecimal;
  switch (target) {
    case "INT8":
    case "INT16":
    case "INT32":
    case "INT64": {
      const bits = BITS[target];
      if (isNumber) return narrowInteger(value, bits, floating);
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "string") {
        const parsed = parseJavaInteger(value, bits);
        if (parsed === null) throw outOfRange(value, bits);
        return parsed;
      }
      throw unexpected(value);
    }
    case "FLOAT32":
    case "FLOAT64": {
      const float32 = target === "FLOAT32";
      if (isNumber) return toFloating(value, float32);
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "string") {
        const parsed = parseJavaFloating(value, float32);
        if (parsed === null) throw outOfRange(value, "floating");
        return parsed;
      }
      throw unexpected(value);
    }
    case "BOOLEAN":
      if (isNumber) {
        const long = narrowInteger(value, 64, floating);
        return long !== 0 && long !== 0n;
      }
      if (typeof value === "boolean") return value;
      if (typeof value === "string") return value.toLowerCase() === "true";
      throw unexpected(value);
    case "STRING":
      return castToString(value, sourceType);
    default:
      throw new DataError(`${target} is not supported in the Cast transformation.`);
  }
}

function castToString(value: unknown, sourceType: SchemaType): string {
  if (value instanceof Date) return formatDate(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (typeof value === "number" && sourceType === "FLOAT32") return javaFloatToString(value);
  if (typeof value === "number" && sourceType === "FLOAT64") return javaDoubleToString(value);
  return String(value);
}

function schemaFor(type: SchemaType): SchemaBuilder {
  if (!OUTPUT_TYPES.includes(type)) throw new DataError(`Unexpected type in Cast transformation: ${type}`);
  return SchemaBuilder.type(type);
}

export class Cast implements Transformation {
  private spec: CastSpec = { fields: new Map(), wholeValue: undefined };
  private replaceNullWithDefault = true;
  private readonly schemaCache = new SchemaUpdateCache();

  constructor(private readonly side: RecordSide) {}

  configure(configs: Readonly<Record<string, string>>): void {
    const parsed = config.parse(configs);
    this.spec = parseCastSpec(parsed.spec);
    this.replaceNullWithDefault = parsed["replace.null.with.default"];
    this.schemaCache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.side.value(record);
    if (value === null || value === undefined) return record;
    const schema = this.side.schema(record);
    return schema === null ? this.applySchemaless(record, value) : this.applyWithSchema(record, schema, value);
  }

  private applySchemaless<R extends ConnectRecord>(record: R, value: unknown): R {
    const { wholeValue, fields } = this.spec;
    if (wholeValue !== undefined) return this.side.with(record, null, castTo(null, value, wholeValue));
    const map = requireMap(value, PURPOSE);
    const updated = mapCopy(map);
    for (const [field, type] of fields) updated.set(field, castTo(null, mapGet(map, field), type));
    return this.side.with(record, null, mapLike(map, updated));
  }

  private applyWithSchema<R extends ConnectRecord>(record: R, schema: Schema, value: unknown): R {
    const updatedSchema = this.schemaCache.getOrBuild(schema, (s) => this.buildSchema(s));
    if (this.spec.wholeValue !== undefined) {
      return this.side.with(record, updatedSchema, castTo(schema, value, this.spec.wholeValue));
    }
    const struct = requireStruct(value, PURPOSE, schema);
    const updated = new Struct(updatedSchema);
    for (const field of struct.schema.fields) {
      const original = this.replaceNullWithDefault ? struct.get(field) : struct.getWithoutDefault(field.name);
      const target = this.spec.fields.get(field.name);
      updated.put(field.name, target !== undefined ? castTo(field.schema, original, target) : original);
    }
    return this.side.with(record, updatedSchema, updated);
  }

  private buildSchema(schema: Schema): Schema {
    const { wholeValue, fields } = this.spec;
    let builder: SchemaBuilder;
    if (wholeValue !== undefined) {
      builder = copySchemaBasics(schema, schemaFor(wholeValue));
    } else {
      builder = copySchemaBasics(schema, SchemaBuilder.struct());
      for (const field of schema.fields) {
        const target = fields.get(field.name);
        if (target === undefined) {
          builder.field(field.name, field.schema);
          continue;
        }
        const fieldBuilder = schemaFor(target);
        if (field.schema.optional) fieldBuilder.optional();
        if (field.schema.defaultValue !== undefined && field.schema.defaultValue !== null) {
          fieldBuilder.defaultValue(castTo(field.schema, field.schema.defaultValue, target));
        }
        builder.field(field.name, fieldBuilder.build());
      }
    }
    if (schema.optional) builder.optional();
    if (schema.defaultValue !== undefined && schema.defaultValue !== null) {
      builder.defaultValue(castTo(schema, schema.defaultValue, builder.type));
    }
    return builder.build();
  }

  close(): void {
    this.schemaCache.clear();
  }
}

export const [castKey, castValue] = keyAndValue(
  "Cast",
  "Casts fields, or the entire key or value, to a specific primitive type (e.g. an integer to a smaller width); " +
    "binary values can be cast to base64 strings.",
  config,
  (side) => new Cast(side),
);
