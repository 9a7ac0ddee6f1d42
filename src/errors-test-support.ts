/**
 * What tests of thrown errors share (mask-field.test.ts, values-numbers.test.ts,
 * error-context-headers.test.ts): the error an operation throws, and a trace's lines without its
 * frames. Tests only.
 */
import { traceOf } from "./errors.ts";

/** What `op` throws; fails the test when it returns. */
export function thrownBy(op: () => unknown): unknown {
  try {
    op();
  } catch (error) {
    return error;
  }
  throw new Error("expected the operation to throw");
}

/** The headline and each `Caused by:` line of `error`'s trace (traceOf), without the `\tat` frames. */
export function traceHeadlines(error: unknown): string[] {
  return traceOf(error)
    .split("\n")
    .filter((line) => !line.startsWith("\t"));
}
