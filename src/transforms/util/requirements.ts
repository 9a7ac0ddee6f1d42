/**
 * Connect's `transforms.util.Requirements`: the checks every SMT makes on the key or value it
 * works on, with Apache's messages word for word (`Only Struct objects supported for [<purpose>],
 * found: <class>`). `javaClassName` names a JS value by the Java class Connect would hold.
 */
import { dataClassName, NUMBER_CLASS_NAMES } from "../../api/data/java-text.ts";
import type { Schema } from "../../api/data/schema.ts";
import { Struct } from "../../api/data/struct.ts";
import type { ConnectRecord, SinkRecord } from "../../api/record.ts";
import { DataError } from "../../errors.ts";
import { isSchemalessMap, type SchemalessMap } from "./schemaless-map.ts";

/**
 * The Java class Connect would use for a value (a number's comes from its schema when there is one): integers are Longs and other numbers Doubles, as
 * JsonConverter yields them without a schema; any schemaless map is a HashMap.
 */
export function javaClassName(value: unknown, schema?: Schema | null): string {
  if (typeof value === "number" && schema && schema.type in NUMBER_CLASS_NAMES) return NUMBER_CLASS_NAMES[schema.type]!;
  if (typeof value === "number" && Number.isInteger(value)) return "java.lang.Long";
  if (isSchemalessMap(value)) return "java.util.HashMap";
  return dataClassName(value) ?? "java.lang.Object";
}

/** `value.getClass()` as Java prints it in messages: `class java.lang.String`. */
export function javaClassOfValue(value: unknown): string {
  const name = javaClassName(value);
  return name === "null" ? name : `class ${name}`;
}

export function requireSchema(schema: Schema | null, purpose: string): Schema {
  if (schema === null) throw new DataError(`Schema required for [${purpose}]`);
  return schema;
}

export function requireMap(value: unknown, purpose: string): SchemalessMap {
  if (!isSchemalessMap(value)) {
    throw new DataError(
      `Only Map objects supported in absence of schema for [${purpose}], found: ${javaClassName(value)}`,
    );
  }
  return value;
}

export function requireMapOrNull(value: unknown, purpose: string): SchemalessMap | null {
  return value === null || value === undefined ? null : requireMap(value, purpose);
}

/** `schema`, when given, is the value's: it names a number's Java class. */
export function requireStruct(value: unknown, purpose: string, schema?: Schema | null): Struct {
  if (!(value instanceof Struct)) {
    throw new DataError(`Only Struct objects supported for [${purpose}], found: ${javaClassName(value, schema)}`);
  }
  return value;
}

export function requireStructOrNull(value: unknown, purpose: string, schema?: Schema | null): Struct | null {
  return value === null || value === undefined ? null : requireStruct(value, purpose, schema);
}

/** A SinkRecord is recognised by its `kafkaOffset`; anything else is a SourceRecord here. */
export function isSinkRecord(record: ConnectRecord): record is SinkRecord {
  return "kafkaOffset" in record && typeof (record as Partial<SinkRecord>).kafkaOffset === "number";
}

export function requireSinkRecord(record: ConnectRecord, purpose: string): SinkRecord {
  if (!isSinkRecord(record)) {
    throw new DataError(
      `Only SinkRecord supported for [${purpose}], found: org.apache.kafka.connect.source.SourceRecord`,
    );
  }
  return record;
}
