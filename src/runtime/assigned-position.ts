/**
 * The position of a partition just assigned to a sink task (SinkOffsets.assigned, Connect's
 * consumer.position() in onPartitionsAssigned): its committed offset, else where
 * `auto.offset.reset` says. As Java's consumer.position(), a retriable failure is retried for up to
 * `default.api.timeout.ms`, then rejects with Connect's TimeoutException message; any other failure
 * rejects at once. Once the partition is no longer the task's (`stillAssigned`: a rebalance or a
 * stop overtook the lookup) it gives up and resolves to undefined.
 */
import type { TopicPartition } from "../api/record.ts";
import { ConnectError, isRetriable } from "../errors.ts";
import { clientRetry, DEFAULT_API_TIMEOUT_MS } from "../kafka/client-retry.ts";
import type { KafkaConsumer } from "../kafka/kafka-port.ts";
import type { Clock } from "../util/clock.ts";

export async function assignedPosition(
  consumer: KafkaConsumer,
  tp: TopicPartition,
  o: { readonly clock: Clock; readonly signal: AbortSignal; readonly stillAssigned: () => boolean },
): Promise<number | undefined> {
  try {
    return await clientRetry(() => consumer.position(tp), {
      timeoutMs: DEFAULT_API_TIMEOUT_MS,
      clock: o.clock,
      signal: o.signal,
      retriable: o.stillAssigned,
    });
  } catch (error) {
    if (!o.stillAssigned()) return undefined;
    if (!isRetriable(error)) throw error;
    throw new ConnectError(
      `Timeout of ${DEFAULT_API_TIMEOUT_MS}ms expired before the position for partition ${tp.topic}-${tp.partition} could be determined`,
      { cause: error },
    );
  }
}
