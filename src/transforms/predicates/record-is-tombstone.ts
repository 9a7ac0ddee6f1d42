/**
 * RecordIsTombstone (org.apache.kafka.connect.transforms.predicates.RecordIsTombstone): true for
 * tombstones, records whose value is null.
 */
import type { ConnectRecord } from "../../api/record.ts";
import type { Predicate } from "../../api/transformation.ts";
import { defineConfig } from "../../plugin/config-def.ts";
import { predicate } from "../util/descriptors.ts";

const config = defineConfig({});

export class RecordIsTombstone implements Predicate {
  configure(configs: Readonly<Record<string, string>>): void {
    config.parse(configs);
  }

  test(record: ConnectRecord): boolean {
    return record.value === null || record.value === undefined;
  }

  toString(): string {
    return "RecordIsTombstone{}";
  }
}

export const recordIsTombstone = predicate(
  "RecordIsTombstone",
  "True for tombstones: records whose value is null.",
  config,
  () => new RecordIsTombstone(),
);
