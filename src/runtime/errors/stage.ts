/**
 * The processing stages of a record (org.apache.kafka.connect.runtime.errors.Stage), named in
 * error reports and in the DLQ header `__connect.errors.stage`.
 */
export type Stage =
  | "TASK_POLL"
  | "TASK_PUT"
  | "TRANSFORMATION"
  | "KEY_CONVERTER"
  | "VALUE_CONVERTER"
  | "HEADER_CONVERTER"
  | "KAFKA_PRODUCE"
  | "KAFKA_CONSUME";

/** Stages where any error may be tolerated; elsewhere only retriable errors are handled. */
export const TOLERATES_ANY_ERROR: ReadonlySet<Stage> = new Set([
  "TRANSFORMATION",
  "KEY_CONVERTER",
  "VALUE_CONVERTER",
  "HEADER_CONVERTER",
]);
