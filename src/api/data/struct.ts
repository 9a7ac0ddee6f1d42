/**
 * Struct (org.apache.kafka.connect.data.Struct) and value validation against a schema
 * (ConnectSchema.validateValue), with Connect's error messages.
 */
import { DataError } from "../../errors.ts";
import { javaClassOf, javaToString } from "./java-text.ts";
import { BigDecimal, DATE_NAME, DECIMAL_NAME, TIME_NAME, TIMESTAMP_NAME } from "./logical.ts";
import { type Field, type Schema, schemaEquals, valueEquals } from "./schema.ts";

export class Struct {
  private readonly values: unknown[];

  constructor(readonly schema: Schema) {
    if (schema.type !== "STRUCT") throw new DataError("Not a struct schema: " + schema);
    this.values = new Array(schema.fields.length).fill(null);
  }

  private lookup(fieldName: string): Field {
    const field = this.schema.field(fieldName);
    if (!field) throw new DataError(`${fieldName} is not a valid field name`);
    return field;
  }

  /** The field's value, or its schema default when the value is null. */
  get(fieldOrName: string | Field): unknown {
    const field = typeof fieldOrName === "string" ? this.lookup(fieldOrName) : fieldOrName;
    const value = this.values[field.index];
    if ((value === null || value === undefined) && field.schema.defaultValue !== undefined) {
      return field.schema.defaultValue;
    }
    return value ?? null;
  }

  getWithoutDefault(fieldName: string): unknown {
    return this.values[this.lookup(fieldName).index] ?? null;
  }

  /** Sets a field after validating the value against the field's schema. */
  put(fieldOrName: string | Field, value: unknown): this {
    const field = typeof fieldOrName === "string" ? this.lookup(fieldOrName) : fieldOrName;
    validateValue(field.schema, value, field.name);
    this.values[field.index] = value;
    return this;
  }

  /** Checks every field, including required fields left unset. */
  validate(): void {
    for (const field of this.schema.fields) validateValue(field.schema, this.values[field.index] ?? null, field.name);
  }

  equals(other: unknown): boolean {
    return (
      other instanceof Struct &&
      schemaEquals(this.schema, other.schema) &&
      this.values.every((v, i) => valueEquals(v, other.values[i]))
    );
  }

  toString(): string {
    return javaToString(this);
  }
}

function fits(schema: Schema, value: unknown): boolean {
  switch (schema.name) {
    case DECIMAL_NAME:
      return value instanceof BigDecimal;
    case DATE_NAME:
    case TIME_NAME:
    case TIMESTAMP_NAME:
      return value instanceof Date;
  }
  switch (schema.type) {
    case "INT8":
      return Number.isInteger(value) && (value as number) >= -128 && (value as number) <= 127;
    case "INT16":
      return Number.isInteger(value) && (value as number) >= -32768 && (value as number) <= 32767;
    case "INT32":
      return Number.isInteger(value) && (value as number) >= -2147483648 && (value as number) <= 2147483647;
    case "INT64":
      return Number.isInteger(value) || typeof value === "bigint";
    case "FLOAT32":
    case "FLOAT64":
      return typeof value === "number";
    case "BOOLEAN":
      return typeof value === "boolean";
    case "STRING":
      return typeof value === "string";
    case "BYTES":
      return value instanceof Uint8Array;
    case "ARRAY":
      return Array.isArray(value);
    case "MAP":
      return value instanceof Map;
    case "STRUCT":
      return value instanceof Struct;
  }
}

/**
 * Throws DataError when `value` does not match `schema` (recursively), with ConnectSchema.validateValue's
 * messages: the value of struct field `fieldName`, or a value of its own.
 */
export function validateValue(schema: Schema, value: unknown, fieldName?: string): void {
  validateAt(schema, value, fieldName === undefined ? "value" : `field: "${fieldName}"`);
}

/** `location` names the value as Connect does: `field: "f"`, `value`, `element of array field: "f"`, …. */
function validateAt(schema: Schema, value: unknown, location: string): void {
  if (value === null || value === undefined) {
    if (schema.optional || schema.defaultValue !== undefined) return;
    throw new DataError(`Invalid value: null used for required ${location}, schema type: ${schema.type}`);
  }
  if (!fits(schema, value)) {
    const name = schema.name !== undefined ? ` "${schema.name}"` : "";
    throw new DataError(
      `Invalid Java object for schema${name} with type ${schema.type}: ${javaClassOf(value)} for ${location}`,
    );
  }
  switch (schema.type) {
    case "STRUCT": {
      const struct = value as Struct;
      if (!schemaEquals(struct.schema, schema)) throw new DataError("Struct schemas do not match.");
      struct.validate();
      return;
    }
    case "ARRAY":
      for (const item of value as unknown[]) validateAt(schema.valueSchema!, item, `element of array ${location}`);
      return;
    case "MAP":
      for (const [k, v] of value as Map<unknown, unknown>) {
        validateAt(schema.keySchema!, k, `key of map ${location}`);
        validateAt(schema.valueSchema!, v, `value of map ${location}`);
      }
      return;
  }
}
