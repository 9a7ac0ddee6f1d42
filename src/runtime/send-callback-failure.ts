/**
 * What Connect's producer send callback (AbstractWorkerSourceTask.sendRecords) makes of a record Kafka did not take
 * for good: an ERROR line for each such send, whatever errors.tolerance says (`logFailedSend`: record-rejection.ts,
 * once the send's retries are over), and the error the task then fails with (`sendCallbackFailure`: WorkerSourceTask),
 * as WorkerSourceTask.maybeThrowProducerSendException throws it. Operators' alert rules match both lines as Connect
 * words them; the gateway's own error stays under the task's, with Kafka's exception.
 */
import { ConnectError } from "../errors.ts";
import type { Logger } from "../util/logger.ts";
import { TopicCreationError } from "./topic-creation.ts";
import { type ConnectorTaskId, workerTaskName } from "./worker-task.ts";

/** Connect logs the failed send on the abstract class's logger, not WorkerSourceTask's. */
const CALLBACK_LOGGER = "org.apache.kafka.connect.runtime.AbstractWorkerSourceTask";

/** `ERROR WorkerSourceTask{id=conn-0} failed to send record to <topic>: ` with the error, as Connect's callback logs it. */
export function logFailedSend(log: Logger, id: ConnectorTaskId, topic: string, error: unknown): void {
  log.named(CALLBACK_LOGGER).error(`${workerTaskName("source", id)} failed to send record to ${topic}: `, error);
}

/**
 * The error a source task fails with when a batch failed for good with `error`: Connect's
 * `ConnectException: Unrecoverable exception from producer send callback` over it; a topic the task could not create
 * stays as it is (Connect fails on it before any send, not through the callback).
 */
export function sendCallbackFailure(error: unknown): unknown {
  if (error instanceof TopicCreationError) return error;
  return new ConnectError("Unrecoverable exception from producer send callback", { cause: error });
}
