/**
 * ExtractField$Key / ExtractField$Value (org.apache.kafka.connect.transforms.ExtractField):
 * replaces the key or value with one of its fields, from a Struct (with a schema) or a map
 * (without). `field.syntax.version=V2` reads dotted paths into nested data. Null passes through;
 * with a schema an unknown field fails, without one it yields null.
 */
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { replaceNullWithDefaultKey } from "./util/config.ts";
import { keyAndValue } from "./util/descriptors.ts";
import { IllegalArgumentError } from "./util/errors.ts";
import { fieldSyntaxVersionKey, fieldSyntaxVersionOf, SingleFieldPath } from "./util/field-path.ts";
import type { RecordSide } from "./util/record-side.ts";
import { requireMapOrNull, requireStructOrNull } from "./util/requirements.ts";

const PURPOSE = "field extraction";

const config = defineConfig({
  field: key.string({ doc: "Field name to extract.", importance: "MEDIUM" }),
  "replace.null.with.default": replaceNullWithDefaultKey(),
  "field.syntax.version": fieldSyntaxVersionKey(),
});

export class ExtractField implements Transformation {
  private path = new SingleFieldPath("", "V1");
  private replaceNullWithDefault = true;

  constructor(private readonly side: RecordSide) {}

  configure(configs: Readonly<Record<string, string>>): void {
    const parsed = config.parse(configs);
    this.path = new SingleFieldPath(parsed.field, fieldSyntaxVersionOf(parsed["field.syntax.version"]));
    this.replaceNullWithDefault = parsed["replace.null.with.default"];
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = this.side.schema(record);
    const value = this.side.value(record);
    if (schema === null) {
      const map = requireMapOrNull(value, PURPOSE);
      return this.side.with(record, null, map === null ? null : this.path.valueFromMap(map));
    }
    const struct = requireStructOrNull(value, PURPOSE, schema);
    const field = this.path.fieldFrom(schema);
    if (!field) throw new IllegalArgumentError(`Unknown field: ${this.path.path}`);
    return this.side.with(
      record,
      field.schema,
      struct === null ? null : this.path.valueFromStruct(struct, this.replaceNullWithDefault),
    );
  }
}

export const [extractFieldKey, extractFieldValue] = keyAndValue(
  "ExtractField",
  "Replaces the data with one of its fields, from a Struct (with a schema) or a map (without); nulls pass through.",
  config,
  (side) => new ExtractField(side),
);
