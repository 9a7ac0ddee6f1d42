/**
 * How a consumer's join waits out a group coordinator that is not ready, as Java's consumer does: the
 * policy both adapters follow (which refusals, how often, how long, what is logged). The mechanics are
 * each library's: kafkajs/coordinator-wait.ts wraps kafkajs' ConsumerGroup.joinAndSync,
 * platformatic/consumer.ts its own joinGroup calls; each tells from its library's errors whether a
 * failed join met a coordinator that was not ready (`notReady`).
 *
 * On a fresh broker the group coordinator is still loading __consumer_offsets: JoinGroup is answered
 * COORDINATOR_LOAD_IN_PROGRESS, FindCoordinator COORDINATOR_NOT_AVAILABLE, and a moved coordinator
 * NOT_COORDINATOR. Java's AbstractCoordinator treats these as retriable: ensureCoordinatorReady
 * rediscovers the coordinator with backoff, and joinGroupIfNeeded, on a retriable failure (the
 * JoinGroup/SyncGroup handlers mark the coordinator unknown for COORDINATOR_NOT_AVAILABLE and
 * NOT_COORDINATOR), sleeps retry.backoff.ms and joins again, until the timer of the poll ends; Connect's
 * WorkerSinkTask polls again and again, so Java never gives up.
 *
 * Here the whole join (FindCoordinator, JoinGroup, SyncGroup, with the library's own retries inside) is
 * made again every retry.backoff.ms, as Java's joinGroupIfNeeded sleeps between joins. Java backs its
 * coordinator discovery off exponentially instead (ensureCoordinatorReady: retryBackoff.backoff(attempts++),
 * from retry.backoff.ms to retry.backoff.max.ms); that part is the library's own here, inside each join.
 * The gateway bounds the wait, Java does not: after rebalance.timeout.ms (max.poll.interval.ms, 5 min by
 * default) from the join's start the join fails as before (a retriable failure: the sink task starts a
 * new consumer, so it goes on, as Java's would, with a fresh client every bound: the task's status and
 * log show the failure meanwhile, and a consumer stuck in a join it can never finish is replaced). The
 * first refusal of a join is logged at WARN with its reason, then at most one line per
 * COORDINATOR_WAIT_WARN_EVERY_MS while it lasts (Java logs each refusal at INFO). A close ends the wait
 * at once (`signal`): no request goes out after it.
 * The pause between joins is at least COORDINATOR_WAIT_MIN_PAUSE_MS: with `retry.backoff.ms=0` Java's
 * consumer joins again at once (its discovery backoff is 0 too), and so would this wait, asking a
 * loading coordinator in a tight loop (the library's own retries inside a join are not paused either)
 * for up to `max.poll.interval.ms`.
 */
import { retry } from "../util/backoff.ts";
import { type Clock, monotonicNow, systemClock } from "../util/clock.ts";
import { RepeatLimiter, suppressedNote } from "../util/repeat-limiter.ts";

/** How often a join still waiting for its coordinator says so again (its first refusal is logged at once). */
export const COORDINATOR_WAIT_WARN_EVERY_MS = 30_000;

/** The least pause between two joins, whatever `retry.backoff.ms` (0 included) says: at most 100 joins a second. */
export const COORDINATOR_WAIT_MIN_PAUSE_MS = 10;

/** Kafka's coordinator errors (their names) a rediscovery and a new join may cure. */
export const COORDINATOR_NOT_READY: ReadonlySet<string> = new Set([
  "COORDINATOR_LOAD_IN_PROGRESS",
  "COORDINATOR_NOT_AVAILABLE",
  "NOT_COORDINATOR",
]);

export interface CoordinatorWait {
  /** `retry.backoff.ms`: the wait before the join is made again (at least COORDINATOR_WAIT_MIN_PAUSE_MS). */
  readonly retryBackoffMs: number;
  /** `max.poll.interval.ms` (the rebalance timeout): how long a join waits for its coordinator in all. */
  readonly timeoutMs: number;
  /** Aborted when the consumer is closed (or started again): no join is made any more, a pause ends at once. */
  readonly signal: AbortSignal;
  /** The WARN of a join waiting: the refusal's reason (Kafka's error name), the pause between joins, and `note` on lines left out. */
  readonly warn: (reason: string, pauseMs: number, note: string) => void;
  /** The pauses and the bound run on it (tests pass a ManualClock); the system's by default. */
  readonly clock?: Clock;
}

/**
 * Runs `join` until it succeeds, again every `retryBackoffMs` (at least COORDINATOR_WAIT_MIN_PAUSE_MS) while it fails because the group
 * coordinator is not ready (`notReady` gives the reason, undefined for another failure), for up to
 * `timeoutMs`; then, or on another failure, rejects with the join's failure. Aborted, it rejects at
 * once with the last join's failure (not the abort).
 */
export function waitForCoordinator<T>(
  join: () => Promise<T>,
  wait: CoordinatorWait,
  notReady: (error: unknown) => string | undefined,
): Promise<T> {
  const { timeoutMs, signal, clock = systemClock } = wait;
  const pauseMs = Math.max(wait.retryBackoffMs, COORDINATOR_WAIT_MIN_PAUSE_MS);
  const warnings = new RepeatLimiter(() => monotonicNow(clock), COORDINATOR_WAIT_WARN_EVERY_MS);
  let last: unknown;
  return retry(
    async () => {
      try {
        return await join();
      } catch (error) {
        last = error;
        throw error;
      }
    },
    {
      policy: { initialMs: pauseMs, maxMs: pauseMs, jitter: 0 },
      maxAttempts: Number.POSITIVE_INFINITY,
      timeoutMs,
      signal,
      clock,
      classify: (error) => ({ retriable: notReady(error) !== undefined }),
      onRetry: (error) => {
        const admitted = warnings.admit("waiting");
        if (admitted) wait.warn(notReady(error)!, pauseMs, suppressedNote(admitted));
      },
    },
  ).catch((error) => {
    throw signal.aborted && last !== undefined ? last : error;
  });
}
