/**
 * HasHeaderKey (org.apache.kafka.connect.transforms.predicates.HasHeaderKey): true for records
 * with at least one header with the configured key.
 */
import type { ConnectRecord } from "../../api/record.ts";
import type { Predicate } from "../../api/transformation.ts";
import { defineConfig, key } from "../../plugin/config-def.ts";
import { nonEmptyString } from "../util/config.ts";
import { predicate } from "../util/descriptors.ts";

const config = defineConfig({
  name: key.string({ doc: "The header name.", importance: "MEDIUM", validators: [nonEmptyString] }),
});

export class HasHeaderKey implements Predicate {
  private name = "";

  configure(configs: Readonly<Record<string, string>>): void {
    this.name = config.parse(configs).name;
  }

  test(record: ConnectRecord): boolean {
    return record.headers.lastWithName(this.name) !== undefined;
  }

  toString(): string {
    return `HasHeaderKey{name='${this.name}'}`;
  }
}

export const hasHeaderKey = predicate(
  "HasHeaderKey",
  "True for records that have at least one header with the configured key.",
  config,
  () => new HasHeaderKey(),
);
