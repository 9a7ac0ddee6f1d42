/**
 * findInError: the one walk of an error's causes (and the errors an AggregateError or a Kafka
 * library's MultipleErrors aggregates), for readers of marks an adapter set on a failure that
 * another error may wrap (missing-topic.ts, kafkajs/producer.ts, platformatic/errors.ts).
 */

/** The fields the walk follows. */
export interface CausedError {
  readonly cause?: unknown;
  readonly errors?: unknown;
}

/**
 * The first answer of `pick` in the error, its aggregated errors and causes, depth first: `pick`
 * before a node's inner errors, `after` once they gave nothing. A chain deeper than 12 (or a cycle
 * through `errors`) ends the walk.
 */
export function findInError<T, E extends object = CausedError>(
  error: unknown,
  pick: (e: E) => T | undefined,
  after: (e: E) => T | undefined = () => undefined,
  depth = 0,
): T | undefined {
  if (depth > 12 || error === null || typeof error !== "object") return undefined;
  const e = error as E;
  const found = pick(e);
  if (found !== undefined) return found;
  const { errors, cause } = error as CausedError;
  for (const inner of [...(Array.isArray(errors) ? errors : []), ...(cause !== error ? [cause] : [])]) {
    const innerFound = findInError(inner, pick, after, depth + 1);
    if (innerFound !== undefined) return innerFound;
  }
  return after(e);
}
