/**
 * Flatten$Key / Flatten$Value (org.apache.kafka.connect.transforms.Flatten): flattens nested
 * Structs (with a schema) or maps (without) into one level, naming each field by its path joined
 * with `delimiter` (`a.b.c`). Arrays are kept as they are. A flattened field is optional when any
 * struct above it is, and takes its default from the nearest default above it.
 */
import { JavaDouble } from "../api/data/java-double.ts";
import { PRIMITIVE_TYPES, type Schema, SchemaBuilder, type SchemaType } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { DataError } from "../errors.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { keyAndValue } from "./util/descriptors.ts";
import type { RecordSide } from "./util/record-side.ts";
import { javaClassName, requireMap, requireStructOrNull } from "./util/requirements.ts";
import { copySchemaBasics, SchemaUpdateCache } from "./util/schema-util.ts";
import { isSchemalessMap, linkedMap, mapEntries, mapLike, type SchemalessMap } from "./util/schemaless-map.ts";

const PURPOSE = "flattening";
const KEPT_TYPES = new Set<SchemaType>([...PRIMITIVE_TYPES, "ARRAY"]);

const config = defineConfig({
  delimiter: key.string({
    doc: "Delimiter to insert between field names from the input record when generating field names for the output record",
    default: ".",
    importance: "MEDIUM",
  }),
});

export class Flatten implements Transformation {
  private delimiter = ".";
  private readonly schemaCache = new SchemaUpdateCache();

  constructor(private readonly side: RecordSide) {}

  configure(configs: Readonly<Record<string, string>>): void {
    this.delimiter = config.parse(configs).delimiter;
    this.schemaCache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.side.value(record);
    if (value === null || value === undefined) return record;
    const schema = this.side.schema(record);
    if (schema === null) {
      const map = requireMap(value, PURPOSE);
      const flattened = linkedMap();
      this.flattenMap(map, "", flattened);
      return this.side.with(record, null, mapLike(map, flattened));
    }
    const struct = requireStructOrNull(value, PURPOSE, schema);
    const updatedSchema = this.schemaCache.getOrBuild(schema, (s) => {
      const builder = copySchemaBasics(s, SchemaBuilder.struct());
      this.flattenSchema(s, "", builder, s.optional, (s.defaultValue as Struct | null | undefined) ?? null);
      return builder.build();
    });
    if (struct === null) return this.side.with(record, updatedSchema, null);
    const updated = new Struct(updatedSchema);
    this.flattenStruct(struct, "", updated);
    return this.side.with(record, updatedSchema, updated);
  }

  private fieldName(prefix: string, name: string): string {
    return prefix === "" ? name : `${prefix}${this.delimiter}${name}`;
  }

  private flattenMap(map: SchemalessMap, prefix: string, out: Map<string, unknown>): void {
    for (const [key, value] of mapEntries(map)) {
      const name = this.fieldName(prefix, key);
      if (value === null || value === undefined) {
        out.set(name, null);
      } else if (isSchemalessMap(value)) {
        this.flattenMap(value, name, out);
      } else if (
        typeof value === "number" ||
        typeof value === "bigint" ||
        typeof value === "boolean" ||
        typeof value === "string" ||
        value instanceof JavaDouble ||
        value instanceof Uint8Array ||
        Array.isArray(value)
      ) {
        out.set(name, value);
      } else if (value instanceof Struct) {
        throw new DataError(
          `Flatten transformation does not support class ${javaClassName(value)} for record without schemas (for field ${name}).`,
        );
      } else {
        throw new DataError(
          `Flatten transformation was passed a value of type class ${javaClassName(value)} which is not supported by Connect's data API`,
        );
      }
    }
  }

  private flattenSchema(
    schema: Schema,
    prefix: string,
    builder: SchemaBuilder,
    optional: boolean,
    parentDefault: Struct | null,
  ): void {
    for (const field of schema.fields) {
      const name = this.fieldName(prefix, field.name);
      const fieldOptional = optional || field.schema.optional;
      const own = field.schema.defaultValue;
      const fieldDefault = own !== undefined && own !== null ? own : parentDefault ? parentDefault.get(field) : null;
      if (KEPT_TYPES.has(field.schema.type)) {
        const fieldBuilder = copySchemaBasics(field.schema);
        if (fieldOptional) fieldBuilder.optional();
        if (fieldDefault !== null && fieldDefault !== undefined) fieldBuilder.defaultValue(fieldDefault);
        builder.field(name, fieldBuilder.build());
      } else if (field.schema.type === "STRUCT") {
        this.flattenSchema(field.schema, name, builder, fieldOptional, (fieldDefault as Struct | null) ?? null);
      } else {
        throw new DataError(
          `Flatten transformation does not support ${field.schema.type} for record with schemas (for field ${name}).`,
        );
      }
    }
  }

  private flattenStruct(struct: Struct | null, prefix: string, out: Struct): void {
    if (struct === null) return;
    for (const field of struct.schema.fields) {
      const name = this.fieldName(prefix, field.name);
      if (KEPT_TYPES.has(field.schema.type)) out.put(name, struct.get(field));
      else if (field.schema.type === "STRUCT") this.flattenStruct(struct.get(field) as Struct | null, name, out);
      else {
        throw new DataError(
          `Flatten transformation does not support ${field.schema.type} for record with schemas (for field ${name}).`,
        );
      }
    }
  }

  close(): void {
    this.schemaCache.clear();
  }
}

export const [flattenKey, flattenValue] = keyAndValue(
  "Flatten",
  "Flattens nested Structs (with a schema) or maps (without) into one level, naming each field by joining the " +
    "nested names with a delimiter ('.' by default). Arrays are left as they are.",
  config,
  (side) => new Flatten(side),
);
