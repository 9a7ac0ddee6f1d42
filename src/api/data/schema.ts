/**
 * Connect's schema model (org.apache.kafka.connect.data.Schema/SchemaBuilder/ConnectSchema).
 *
 * JavaScript values per schema type: INT8/INT16/INT32/FLOAT32/FLOAT64 → number; INT64 → number,
 * or bigint outside ±2^53 (never rounded); BOOLEAN → boolean; STRING → string; BYTES → Uint8Array;
 * ARRAY → unknown[]; MAP → Map; STRUCT → Struct. Logical types (Decimal, Date, Time, Timestamp)
 * live in `logical.ts`. Schemaless data (no schema) uses plain objects for maps.
 */
import { DataError, SchemaBuilderError } from "../../errors.ts";
import { JavaDouble } from "./java-double.ts";

export type SchemaType =
  | "INT8"
  | "INT16"
  | "INT32"
  | "INT64"
  | "FLOAT32"
  | "FLOAT64"
  | "BOOLEAN"
  | "STRING"
  | "BYTES"
  | "ARRAY"
  | "MAP"
  | "STRUCT";

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An INT64 value as the data model carries it: a number within ±2^53, a bigint beyond. */
export function int64Value(n: bigint): number | bigint {
  return n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : n;
}

export const PRIMITIVE_TYPES: readonly SchemaType[] = [
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FLOAT32",
  "FLOAT64",
  "BOOLEAN",
  "STRING",
  "BYTES",
];

export interface Field {
  readonly name: string;
  readonly index: number;
  readonly schema: Schema;
}

export interface Schema {
  readonly type: SchemaType;
  readonly optional: boolean;
  /** `undefined` when the schema has no default. */
  readonly defaultValue: unknown;
  readonly name: string | undefined;
  readonly version: number | undefined;
  readonly doc: string | undefined;
  readonly parameters: Readonly<Record<string, string>> | undefined;
  /** STRUCT only; throws DataError on other types, like Connect. */
  readonly fields: readonly Field[];
  field(name: string): Field | undefined;
  /** MAP only. */
  readonly keySchema: Schema | undefined;
  /** MAP and ARRAY only. */
  readonly valueSchema: Schema | undefined;
}

export class ConnectSchema implements Schema {
  readonly #fields: readonly Field[] | undefined;
  readonly #byName: ReadonlyMap<string, Field> | undefined;

  constructor(
    readonly type: SchemaType,
    readonly optional = false,
    readonly defaultValue: unknown = undefined,
    readonly name: string | undefined = undefined,
    readonly version: number | undefined = undefined,
    readonly doc: string | undefined = undefined,
    readonly parameters: Readonly<Record<string, string>> | undefined = undefined,
    fields: readonly Field[] | undefined = undefined,
    readonly keySchema: Schema | undefined = undefined,
    readonly valueSchema: Schema | undefined = undefined,
  ) {
    if (type === "STRUCT") {
      this.#fields = fields ?? [];
      this.#byName = new Map(this.#fields.map((f) => [f.name, f]));
    }
  }

  get fields(): readonly Field[] {
    if (!this.#fields) throw new DataError("Cannot list fields on non-struct type");
    return this.#fields;
  }

  field(name: string): Field | undefined {
    if (!this.#byName) throw new DataError("Cannot look up fields on non-struct type");
    return this.#byName.get(name);
  }

  toString(): string {
    return this.name ? `Schema{${this.name}:${this.type}}` : `Schema{${this.type}}`;
  }
}

/** Fluent builder with Connect's API and its rules (a property may be set once). */
export class SchemaBuilder {
  private _optional = false;
  private _default: unknown = undefined;
  private _name: string | undefined;
  private _version: number | undefined;
  private _doc: string | undefined;
  private _parameters: Record<string, string> | undefined;
  private readonly _fields: Field[] = [];

  constructor(
    readonly type: SchemaType,
    private readonly _keySchema?: Schema,
    private readonly _valueSchema?: Schema,
  ) {}

  static int8 = () => new SchemaBuilder("INT8");
  static int16 = () => new SchemaBuilder("INT16");
  static int32 = () => new SchemaBuilder("INT32");
  static int64 = () => new SchemaBuilder("INT64");
  static float32 = () => new SchemaBuilder("FLOAT32");
  static float64 = () => new SchemaBuilder("FLOAT64");
  static bool = () => new SchemaBuilder("BOOLEAN");
  static string = () => new SchemaBuilder("STRING");
  static bytes = () => new SchemaBuilder("BYTES");
  static struct = () => new SchemaBuilder("STRUCT");
  static array = (valueSchema: Schema) => new SchemaBuilder("ARRAY", undefined, valueSchema);
  static map = (keySchema: Schema, valueSchema: Schema) => new SchemaBuilder("MAP", keySchema, valueSchema);
  static type = (type: SchemaType) => new SchemaBuilder(type);

  optional(): this {
    this._optional = true;
    return this;
  }
  required(): this {
    this._optional = false;
    return this;
  }
  defaultValue(value: unknown): this {
    this._default = value;
    return this;
  }
  name(name: string | undefined): this {
    this._name = name;
    return this;
  }
  version(version: number | undefined): this {
    this._version = version;
    return this;
  }
  doc(doc: string | undefined): this {
    this._doc = doc;
    return this;
  }
  parameter(key: string, value: string): this {
    this._parameters = { ...(this._parameters ?? {}), [key]: value };
    return this;
  }
  parameters(params: Readonly<Record<string, string>> | undefined): this {
    if (params) this._parameters = { ...(this._parameters ?? {}), ...params };
    return this;
  }
  field(name: string, schema: Schema): this {
    if (this.type !== "STRUCT") throw new SchemaBuilderError("Cannot create fields on type " + this.type);
    if (!name) throw new SchemaBuilderError("fieldName cannot be null.");
    if (this._fields.some((f) => f.name === name))
      throw new SchemaBuilderError(`Cannot create field because of field name duplication ${name}`);
    this._fields.push({ name, index: this._fields.length, schema });
    return this;
  }
  get isOptional(): boolean {
    return this._optional;
  }
  get fieldList(): readonly Field[] {
    return this._fields;
  }

  build(): Schema {
    return new ConnectSchema(
      this.type,
      this._optional,
      this._default,
      this._name,
      this._version,
      this._doc,
      this._parameters,
      this.type === "STRUCT" ? [...this._fields] : undefined,
      this._keySchema,
      this._valueSchema,
    );
  }
}

function primitive(type: SchemaType, optional: boolean): Schema {
  return new ConnectSchema(type, optional);
}

/** The predefined schemas (`Schema.INT32_SCHEMA`, `Schema.OPTIONAL_STRING_SCHEMA`, …). */
export const Schemas = {
  INT8: primitive("INT8", false),
  INT16: primitive("INT16", false),
  INT32: primitive("INT32", false),
  INT64: primitive("INT64", false),
  FLOAT32: primitive("FLOAT32", false),
  FLOAT64: primitive("FLOAT64", false),
  BOOLEAN: primitive("BOOLEAN", false),
  STRING: primitive("STRING", false),
  BYTES: primitive("BYTES", false),
  OPTIONAL_INT8: primitive("INT8", true),
  OPTIONAL_INT16: primitive("INT16", true),
  OPTIONAL_INT32: primitive("INT32", true),
  OPTIONAL_INT64: primitive("INT64", true),
  OPTIONAL_FLOAT32: primitive("FLOAT32", true),
  OPTIONAL_FLOAT64: primitive("FLOAT64", true),
  OPTIONAL_BOOLEAN: primitive("BOOLEAN", true),
  OPTIONAL_STRING: primitive("STRING", true),
  OPTIONAL_BYTES: primitive("BYTES", true),
} as const;

/** Deep structural equality of two schemas (ConnectSchema.equals). */
export function schemaEquals(a: Schema | null | undefined, b: Schema | null | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  if (
    a.type !== b.type ||
    a.optional !== b.optional ||
    a.name !== b.name ||
    a.version !== b.version ||
    a.doc !== b.doc ||
    !recordEquals(a.parameters, b.parameters) ||
    !valueEquals(a.defaultValue, b.defaultValue)
  ) {
    return false;
  }
  if (a.type === "STRUCT") {
    const fa = a.fields;
    const fb = b.fields;
    if (fa.length !== fb.length) return false;
    return fa.every((f, i) => f.name === fb[i]!.name && schemaEquals(f.schema, fb[i]!.schema));
  }
  if (a.type === "MAP" && !schemaEquals(a.keySchema, b.keySchema)) return false;
  if (a.type === "MAP" || a.type === "ARRAY") return schemaEquals(a.valueSchema, b.valueSchema);
  return true;
}

function recordEquals(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
) {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => a![k] === b?.[k]);
}

/** Deep equality of Connect values (Struct, Map, arrays, bytes, Date, bigint), as Java's `Objects.equals` (a Float is no Double). */
export function valueEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof JavaDouble || b instanceof JavaDouble) return a instanceof JavaDouble && a.equals(b);
  if (typeof a === "bigint" || typeof b === "bigint") {
    return (typeof a === "bigint" || typeof a === "number") && (typeof b === "bigint" || typeof b === "number")
      ? BigInt(a as bigint) === BigInt(b as bigint)
      : false;
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => valueEquals(x, b[i]));
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !valueEquals(v, b.get(k))) return false;
    }
    return true;
  }
  const eq = (a as { equals?: (o: unknown) => boolean }).equals;
  if (typeof eq === "function") return eq.call(a, b);
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => valueEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
