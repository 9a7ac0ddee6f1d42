/**
 * The topics a connector's tasks reached, for GET /connectors/{name}/topics. A task records the
 * topic of each record it handles (a source task once Kafka acknowledged the record, never at send:
 * a record that never lands must not list a topic the broker may not even have; a sink task as it
 * consumes it), unless the topic was recorded since the connector's last topics reset, as Connect's
 * WorkerTask.recordActiveTopic, which asks the status store at each record: after
 * PUT /connectors/{name}/topics/reset a running task records its topics again with their next record.
 * A topic whose write failed (a full disk) is written again with its next record, as Connect's status
 * store knows a topic only once its write is read back from the status topic.
 */
import type { ProducedMetadata } from "../kafka/kafka-port.ts";
import type { Outgoing } from "./source-task-sender.ts";

/** One connector's active topics, shared by its tasks. */
export class ActiveTopics {
  private readonly recorded = new Set<string>();

  /** `store` answers false when the topic could not be stored. */
  constructor(private readonly store: (topic: string) => boolean) {}

  /** A record of `topic` was handled: stored unless it was since the last reset. */
  record(topic: string): void {
    if (!this.recorded.has(topic) && this.store(topic)) this.recorded.add(topic);
  }

  /** A source batch's acknowledgement: `metadata[i]` is outgoing record i's (null: not written). */
  acknowledged(outgoing: readonly Outgoing[], metadata: readonly (ProducedMetadata | null)[]): void {
    for (let i = 0; i < outgoing.length; i++) if (metadata[i]) this.record(outgoing[i]!.produced.topic);
  }

  reset(): void {
    this.recorded.clear();
  }
}

/** Every connector's ActiveTopics; `store` stores a connector's topic as active (false: it could not). */
export class ActiveTopicRegistry {
  private readonly connectors = new Map<string, ActiveTopics>();

  constructor(private readonly store: (connector: string, topic: string) => boolean) {}

  of(connector: string): ActiveTopics {
    let topics = this.connectors.get(connector);
    if (!topics) {
      topics = new ActiveTopics((topic) => this.store(connector, topic));
      this.connectors.set(connector, topics);
    }
    return topics;
  }

  /** The connector's topics were reset: its tasks store each topic again. */
  reset(connector: string): void {
    this.connectors.get(connector)?.reset();
  }

  /**
   * The connector was deleted: one created again with its name starts with no topic recorded, even
   * if a task of the deleted one (abandoned past its graceful stop) recorded a topic since.
   */
  remove(connector: string): void {
    this.connectors.delete(connector);
  }
}
