/**
 * Retrying as Java's Kafka clients retry a call: `retry.backoff.ms` (100) doubling to
 * `retry.backoff.max.ms` (1000) without jitter, retriable failures only, until a time budget
 * (`default.api.timeout.ms` for admin and consumer calls, `max.block.ms` for a producer send).
 * The DLQ reporter's topic set-up and producer, and a sink's assigned positions, retry this way.
 */
import { isRetriable } from "../errors.ts";
import { type RetryOptions, retry } from "../util/backoff.ts";

/** How long an admin or consumer call keeps retrying (`default.api.timeout.ms`'s default). */
export const DEFAULT_API_TIMEOUT_MS = 60_000;
/** How long Java's producer send waits for the cluster (`max.block.ms`'s default; the gateway ignores the key). */
export const MAX_BLOCK_MS = 60_000;

/** `op` retried while it fails retriably (and `retriable` agrees), for up to `timeoutMs`. */
export function clientRetry<T>(
  op: () => Promise<T>,
  o: Pick<RetryOptions, "clock" | "signal" | "onRetry"> & {
    readonly timeoutMs: number;
    readonly retriable?: () => boolean;
  },
): Promise<T> {
  const { retriable, ...rest } = o;
  return retry(op, {
    ...rest,
    policy: { initialMs: 100, maxMs: 1000, jitter: 0 },
    maxAttempts: Number.POSITIVE_INFINITY,
    classify: (error) => ({ retriable: isRetriable(error) && (retriable?.() ?? true) }),
  });
}
