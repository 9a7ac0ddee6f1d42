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

/** A `client.id` default no real configuration holds: it tells a configured id from none. */
const UNCONFIGURED = "\u0000unconfigured\u0000";

/**
 * Each client's properties are made when read, as Connect's Worker makes only those of the clients
 * a task uses: reading one throws ConnectError when the connector has an override of that client
 * type the worker's override policy does not allow (client-properties.ts).
 */
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
   * No `client.id` was configured for the consumer (worker `consumer.client.id`, connector
   * `consumer.override.client.id`), so it carries the task's own default id: within this gateway the
   * member ids its group gave consumers with it are this task's, and those still in the group are
   * its dead predecessors, removed before joining (ConsumerOptions' `predecessors`). A configured id
   * may be shared by several tasks (even one equal to a task's default), so it is never fenced on.
   * Another gateway's member with the same default id was never given to this gateway: it stays.
   */
  readonly consumerFencesPredecessors: boolean;
}

export function taskClientProperties(
  worker: WorkerConfig,
  id: ConnectorTaskId,
  connector: Config,
): TaskClientProperties {
  const ids = taskClientIds(id);
  // Made once (the properties and whether they fence predecessors come from the same making).
  let made: { props: Record<string, string>; configured: boolean } | undefined;
  const consumer = () => {
    if (made) return made;
    // Whether an id was configured, not which: a configured id equal to the default is shared too.
    const resolved = clientProperties(worker, "consumer", connector, UNCONFIGURED);
    const configured = resolved["client.id"] !== UNCONFIGURED;
    const props: Record<string, string> = {
      "auto.offset.reset": "earliest",
      ...resolved,
      ...(configured ? {} : { "client.id": ids.consumer }),
    };
    made = { props, configured };
    return made;
  };
  // Made when read: only the clients a task builds are checked against the override policy.
  return {
    get producer() {
      return clientProperties(worker, "producer", connector, ids.producer);
    },
    get admin() {
      return clientProperties(worker, "admin", connector, ids.admin);
    },
    get consumer() {
      return consumer().props;
    },
    get dlqProducer() {
      return clientProperties(worker, "producer", connector, ids.dlqProducer);
    },
    get dlqAdmin() {
      return clientProperties(worker, "admin", connector, ids.dlqAdmin);
    },
    get consumerFencesPredecessors() {
      return !consumer().configured;
    },
  };
}
