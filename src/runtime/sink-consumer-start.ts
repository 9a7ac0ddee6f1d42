/**
 * startSinkConsumer: how a WorkerSinkTask's consumer joins the group, at start and again after it
 * stopped on a retriable error. Retriable failures (broker down, topic not there yet) are retried
 * with backoff until the task stops; a consumer whose join is still under way at stop is closed
 * whenever the join completes.
 */
import { isRetriable, messageOf } from "../errors.ts";
import { invalidTopicsException } from "../kafka/invalid-topics.ts";
import type { ConsumerHandlers, KafkaConsumer } from "../kafka/kafka-port.ts";
import { ABORTED, abortable } from "../util/async.ts";
import { type BackoffPolicy, retry } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { SinkConsumerRetryTrace } from "./sink-consumer-retry-trace.ts";

export interface SinkConsumerStartOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** The task's stop signal. */
  readonly stopSignal: AbortSignal;
  readonly stopping: () => boolean;
  /** Told of the start and its failed attempts, for the task's Degraded trace (the task tells it once joined). */
  readonly retries?: SinkConsumerRetryTrace;
  /** The topics subscribed by name (none for topics.regex): a refused name fails the task as Java's poll does. */
  readonly topics?: readonly string[];
}

/** The group cannot be joined yet (broker down, topic missing): retried until stop. */
const CONSUMER_START_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 10_000 };

/** Joins the group; retriable failures (broker down, topic not there yet) are retried until stop. False when stopped first. */
export async function startSinkConsumer(
  consumer: KafkaConsumer,
  handlers: ConsumerHandlers,
  o: SinkConsumerStartOptions,
): Promise<boolean> {
  // The first warning carries the error's trace; each retry after it is one line (a broker down for
  // an hour would otherwise log a whole trace every 10 s per task).
  let traced = false;
  o.retries?.starting();
  try {
    return await retry(
      async () => {
        const started = consumer.start(handlers);
        if ((await abortable(started, o.stopSignal)) === ABORTED) {
          // Stopping while the group cannot be joined: close the consumer whenever it gets there.
          started.then(() => consumer.close()).catch(() => undefined);
          return false;
        }
        return true;
      },
      {
        policy: CONSUMER_START_BACKOFF,
        maxAttempts: Number.POSITIVE_INFINITY,
        clock: o.clock,
        signal: o.stopSignal,
        classify: (error) => ({ retriable: isRetriable(error) }),
        onRetry: (error, _attempt, delay) => {
          const message = `Could not start consuming yet, retrying in ${delay} ms`;
          if (traced) o.log.warn(`${message}: ${messageOf(error)}`);
          else o.log.warn(message, error);
          traced = true;
          o.retries?.retried(error);
        },
      },
    );
  } catch (error) {
    if (o.stopping()) return false;
    throw invalidTopicsException(error, o.topics ?? []) ?? error;
  }
}
