/**
 * InsertHeader (org.apache.kafka.connect.transforms.InsertHeader): adds a header with a literal
 * value to each record. The literal is parsed as Connect's `Values.parseString` does, so `42` is an
 * INT8 header, `true` a BOOLEAN, `[1,2]` an ARRAY and `hello` a STRING.
 */
import type { SchemaAndValue } from "../api/converter.ts";
import { parseString } from "../api/data/values.ts";
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { check, defineConfig, key } from "../plugin/config-def.ts";
import { transformation } from "./util/descriptors.ts";

const config = defineConfig({
  header: key.string({ doc: "The name of the header.", importance: "HIGH", validators: [check.nonNull()] }),
  "value.literal": key.string({
    doc: "The literal value that is to be set as the header value on all records.",
    importance: "HIGH",
    validators: [check.nonNull()],
  }),
});

export class InsertHeader implements Transformation {
  private header = "";
  private literal: SchemaAndValue = { schema: null, value: null };

  configure(configs: Readonly<Record<string, string>>): void {
    const parsed = config.parse(configs);
    this.header = parsed.header;
    this.literal = parseString(parsed["value.literal"]);
  }

  apply<R extends ConnectRecord>(record: R): R {
    return { ...record, headers: record.headers.add(this.header, this.literal.value, this.literal.schema) };
  }
}

export const insertHeader = transformation(
  "InsertHeader",
  "Adds a header with a fixed value to each record.",
  config,
  () => new InsertHeader(),
);
