/**
 * The topics a source task's records reached, for GET /connectors/{name}/topics: a topic becomes
 * active once Kafka acknowledged a record of it, as in Connect (the producer callback's success,
 * never at send: a record that never lands must not list a topic the broker may not even have).
 */
import type { ProducedMetadata } from "../kafka/kafka-port.ts";
import type { Outgoing } from "./source-task-sender.ts";

export class ActiveTopics {
  private readonly seen = new Set<string>();

  constructor(private readonly onTopic: (topic: string) => void) {}

  /** A batch's acknowledgement: `metadata[i]` is outgoing record i's (null: not written). */
  acknowledged(outgoing: readonly Outgoing[], metadata: readonly (ProducedMetadata | null)[]): void {
    for (let i = 0; i < outgoing.length; i++) {
      const topic = outgoing[i]!.produced.topic;
      if (metadata[i] && !this.seen.has(topic)) {
        this.seen.add(topic);
        this.onTopic(topic);
      }
    }
  }
}
