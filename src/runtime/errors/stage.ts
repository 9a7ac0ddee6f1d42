/**
 * The processing stages of a record (org.apache.kafka.connect.runtime.errors.Stage), named in
 * error reports and in the DLQ header `__connect.errors.stage`.
 */
import { messageOf } from "../../errors.ts";

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

/**
 * A failure of a record's direct path (converters and transformations run without the error
 * operator): the stage and, for a transformation, the chain step it failed at. The operator path
 * that takes over counts it as that stage's first attempt, so the stage runs as often as in Connect,
 * and resumes there with `done`, what the direct path had produced before it (its shape is the
 * thrower's: the record the failed step was given, the results of the converters before the failed
 * one): the stages that succeeded are not run again, as Connect runs each stage once per record.
 */
export class DirectFailure extends Error {
  constructor(
    readonly stage: Stage,
    readonly step: number,
    readonly error: unknown,
    readonly done?: unknown,
  ) {
    super(messageOf(error), { cause: error });
  }

  /** The failure as the first attempt of `stage` (step `step`), else undefined. */
  firstAttemptOf(stage: Stage, step = 0): { readonly error: unknown } | undefined {
    return this.stage === stage && this.step === step ? this : undefined;
  }
}
