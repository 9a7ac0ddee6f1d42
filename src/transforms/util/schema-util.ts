/**
 * Schema helpers shared by the schema-changing SMTs: `copySchemaBasics` (Connect's SchemaUtil:
 * name, version, doc and parameters onto a new builder) and `SchemaUpdateCache`, the per-transform
 * cache of the schema built for each input schema, keyed by the input schema object.
 */
import { type Schema, SchemaBuilder } from "../../api/data/schema.ts";

/** A builder of the same type as `source`, carrying its name, version, doc and parameters. */
export function copySchemaBasics(source: Schema, builder?: SchemaBuilder): SchemaBuilder {
  let target = builder;
  if (!target) {
    if (source.type === "ARRAY") target = SchemaBuilder.array(source.valueSchema!);
    else if (source.type === "MAP") target = SchemaBuilder.map(source.keySchema!, source.valueSchema!);
    else target = SchemaBuilder.type(source.type);
  }
  target.name(source.name).version(source.version).doc(source.doc);
  if (source.parameters) target.parameters(source.parameters);
  return target;
}

/** The updated schema per input schema; entries go when the input schema is no longer used. */
export class SchemaUpdateCache {
  private cache = new WeakMap<Schema, Schema>();

  get(schema: Schema): Schema | undefined {
    return this.cache.get(schema);
  }

  set(schema: Schema, updated: Schema): Schema {
    this.cache.set(schema, updated);
    return updated;
  }

  /** The cached schema for `schema`, built by `build` on first use. */
  getOrBuild(schema: Schema, build: (schema: Schema) => Schema): Schema {
    return this.cache.get(schema) ?? this.set(schema, build(schema));
  }

  clear(): void {
    this.cache = new WeakMap();
  }
}
