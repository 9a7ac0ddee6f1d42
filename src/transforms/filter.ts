/**
 * Filter (org.apache.kafka.connect.transforms.Filter): drops every record. It is meant to be used
 * with a predicate (`transforms.<alias>.predicate`, `negate`), which the runtime evaluates.
 */
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { defineConfig } from "../plugin/config-def.ts";
import { transformation } from "./util/descriptors.ts";

const config = defineConfig({});

export class Filter implements Transformation {
  configure(configs: Readonly<Record<string, string>>): void {
    config.parse(configs);
  }

  apply(_record: ConnectRecord): null {
    return null;
  }
}

export const filter = transformation(
  "Filter",
  "Drops every record, removing it from the rest of the transformation chain. Use it with a predicate to drop " +
    "only the records that match (or do not match) a condition.",
  config,
  () => new Filter(),
);
