/**
 * The Kafka client properties of a task's clients, as Connect's Worker builds them: each client
 * starts from Connect's default `client.id` (`connector-producer-<connector>-<task>` for a source
 * task's producer, `connector-consumer-…` for a sink task's consumer, `connector-dlq-producer-…`
 * for its dead letter queue, `connector-adminclient-…` for topic creation), which the worker's
 * `producer.*` / `consumer.*` / `admin.*` keys and then the connector's `*.override.*` keys may
 * replace. Operators key client quotas, ACL audits and broker logs on these ids. Used by the task
 * builder.
 */
import type { Config } from "../api/connector.ts";
import { clientProperties } from "../client-properties.ts";
import type { WorkerConfig } from "../worker-config.ts";
import type { ConnectorTaskId } from "./worker-task.ts";

/**
 * The default `client.id` of each client a task uses, as Connect's Worker names them
 * (`<connector>-<task>` is ConnectorTaskId's string form). The DLQ admin client's id is Connect's
 * bare prefix: Connect passes it without the task.
 */
export function taskClientIds(id: ConnectorTaskId) {
  const task = `${id.connector}-${id.task}`;
  return {
    producer: `connector-producer-${task}`,
    consumer: `connector-consumer-${task}`,
    admin: `connector-adminclient-${task}`,
    dlqProducer: `connector-dlq-producer-${task}`,
    dlqAdmin: "connector-dlq-adminclient-",
  };
}

export interface TaskClientProperties {
  /** A source task's producer. */
  readonly producer: Record<string, string>;
  /** A source task's topic-creation admin client. */
  readonly admin: Record<string, string>;
  /** A sink task's consumer (`auto.offset.reset=earliest` unless configured, as Connect). */
  readonly consumer: Record<string, string>;
  /** The dead letter queue's producer and admin client of a sink task. */
  readonly dlqProducer: Record<string, string>;
  readonly dlqAdmin: Record<string, string>;
  /**
   * The consumer kept the task's own default client id, which no other live member of the group
   * carries: a member with it is this task's dead predecessor, safe to remove before joining. A
   * configured `client.id` may be shared by several tasks, so it is never fenced on.
   */
  readonly consumerFencesPredecessors: boolean;
}

export function taskClientProperties(
  worker: WorkerConfig,
  id: ConnectorTaskId,
  connector: Config,
): TaskClientProperties {
  const ids = taskClientIds(id);
  const consumer: Record<string, string> = {
    "auto.offset.reset": "earliest",
    ...clientProperties(worker, "consumer", connector, ids.consumer),
  };
  return {
    producer: clientProperties(worker, "producer", connector, ids.producer),
    admin: clientProperties(worker, "admin", connector, ids.admin),
    consumer,
    dlqProducer: clientProperties(worker, "producer", connector, ids.dlqProducer),
    dlqAdmin: clientProperties(worker, "admin", connector, ids.dlqAdmin),
    consumerFencesPredecessors: consumer["client.id"] === ids.consumer,
  };
}
