/**
 * Single message transforms and predicates (org.apache.kafka.connect.transforms.Transformation
 * and ...transforms.predicates.Predicate). Both are synchronous, as in Connect: a transform returns
 * the new record, or null to drop it.
 */
import type { ConnectRecord } from "./record.ts";

export interface Transformation<R extends ConnectRecord = ConnectRecord> {
  configure(configs: Readonly<Record<string, string>>): void;
  apply(record: R): R | null;
  close?(): void;
}

export interface Predicate<R extends ConnectRecord = ConnectRecord> {
  configure(configs: Readonly<Record<string, string>>): void;
  test(record: R): boolean;
  close?(): void;
}
