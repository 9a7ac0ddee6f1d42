/**
 * Connect schemas to and from the JSON schema format of JsonConverter's envelope
 * (`{"schema": …, "payload": …}`). Members come in Apache's order, which fixes the bytes:
 * `type`, then `items` | `keys`,`values` | `fields`, then `optional`, `name`, `version`, `doc`,
 * `parameters`, `default`; a struct field is its schema followed by `"field": name`.
 */
import { type Schema, SchemaBuilder, type SchemaType } from "../api/data/schema.ts";
import { isPlainObject } from "../api/data/schemaless.ts";
import { DataError, SchemaBuilderError } from "../errors.ts";
import { connectToJson, type JsonDataOptions } from "./json-data.ts";
import { JsonNumberText } from "./json-text.ts";
import { jsonToConnect } from "./json-to-connect.ts";

const TYPE_NAMES: Readonly<Record<SchemaType, string>> = {
  BOOLEAN: "boolean",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  FLOAT32: "float",
  FLOAT64: "double",
  BYTES: "bytes",
  STRING: "string",
  ARRAY: "array",
  MAP: "map",
  STRUCT: "struct",
};

const TYPES_BY_NAME: ReadonlyMap<string, SchemaType> = new Map(
  Object.entries(TYPE_NAMES).map(([type, name]) => [name, type as SchemaType]),
);

/** The JSON form of a schema (JsonConverter.asJsonSchema); null for no schema. */
export function schemaToJson(schema: Schema | null, options: JsonDataOptions): Record<string, unknown> | null {
  if (!schema) return null;
  const json: Record<string, unknown> = { type: TYPE_NAMES[schema.type] };
  switch (schema.type) {
    case "ARRAY":
      json.items = schemaToJson(schema.valueSchema ?? null, options);
      break;
    case "MAP":
      json.keys = schemaToJson(schema.keySchema ?? null, options);
      json.values = schemaToJson(schema.valueSchema ?? null, options);
      break;
    case "STRUCT":
      json.fields = schema.fields.map((f) => ({ ...schemaToJson(f.schema, options), field: f.name }));
      break;
  }
  json.optional = schema.optional;
  if (schema.name !== undefined) json.name = schema.name;
  if (schema.version !== undefined) json.version = schema.version;
  if (schema.doc !== undefined) json.doc = schema.doc;
  if (schema.parameters !== undefined) json.parameters = { ...schema.parameters };
  if (schema.defaultValue !== undefined && schema.defaultValue !== null) {
    json.default = connectToJson(schema, schema.defaultValue, options);
  }
  return json;
}

/** The schema a JSON schema describes (JsonConverter.asConnectSchema); null for JSON null. */
export function jsonToSchema(json: unknown, options: JsonDataOptions): Schema | null {
  if (json === null || json === undefined) return null;
  const node = isPlainObject(json) ? json : {};
  const typeName = node.type;
  if (typeof typeName !== "string") throw new DataError("Schema must contain 'type' field");
  const type = TYPES_BY_NAME.get(typeName);
  let builder: SchemaBuilder;
  switch (type) {
    case undefined:
      throw new DataError(`Unknown schema type: ${typeName}`);
    case "ARRAY": {
      const items = jsonToSchema(node.items, options);
      if (!items) throw new DataError("Array schema did not specify the element type");
      builder = SchemaBuilder.array(items);
      break;
    }
    case "MAP": {
      if (!Object.hasOwn(node, "keys")) throw new DataError("Map schema did not specify the key type");
      if (!Object.hasOwn(node, "values")) throw new DataError("Map schema did not specify the value type");
      builder = new SchemaBuilder(
        "MAP",
        jsonToSchema(node.keys, options) ?? undefined,
        jsonToSchema(node.values, options) ?? undefined,
      );
      break;
    }
    case "STRUCT": {
      builder = SchemaBuilder.struct();
      if (!Array.isArray(node.fields)) throw new DataError(`Struct schema's "fields" argument is not an array.`);
      for (const field of node.fields) {
        const name = isPlainObject(field) ? field.field : undefined;
        if (typeof name !== "string") throw new DataError("Struct schema's field name not specified properly");
        builder.field(name, jsonToSchema(field, options)!);
      }
      break;
    }
    default:
      builder = SchemaBuilder.type(type);
  }
  if (node.optional === true) builder.optional();
  if (typeof node.name === "string") builder.name(node.name);
  if (isIntegralNumber(node.version)) builder.version(Number(node.version));
  if (typeof node.doc === "string") builder.doc(node.doc);
  if (isPlainObject(node.parameters)) {
    for (const [key, value] of Object.entries(node.parameters)) {
      if (typeof value !== "string") throw new DataError("Schema parameters must have string values.");
      builder.parameter(key, value);
    }
  }
  if (Object.hasOwn(node, "default")) {
    const defaultValue = jsonToConnect(builder.build(), node.default, options);
    // Apache builds a struct default on a snapshot of the builder, then SchemaBuilder.defaultValue
    // finds that snapshot unequal to the builder itself: every struct schema with a default fails.
    if (defaultValue !== null && type === "STRUCT") {
      throw new SchemaBuilderError("Invalid default value", { cause: new DataError("Struct schemas do not match.") });
    }
    if (defaultValue !== null) builder.defaultValue(defaultValue);
  }
  return builder.build();
}

function isIntegralNumber(value: unknown): boolean {
  return typeof value === "bigint" || (Number.isSafeInteger(value) && !(value instanceof JsonNumberText));
}
