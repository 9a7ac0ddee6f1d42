/**
 * KIP-558 topic tracking as the Herder serves it: a connector's stored active topics
 * (GET /connectors/{name}/topics), their reset (PUT /connectors/{name}/topics/reset), each refused
 * with 403 as Connect's when `topic.tracking.enable` (or `topic.tracking.allow.reset`) is off, and the
 * storing of a topic a task reached (active-topics.ts decides when).
 */
import { RestError } from "../errors.ts";
import type { ConfigStore } from "../store/config-store.ts";
import type { StatusStore } from "../store/status-store.ts";
import type { Logger } from "../util/logger.ts";
import type { ActiveTopicRegistry } from "./active-topics.ts";

export interface TopicTrackingDeps {
  readonly configs: ConfigStore;
  readonly statuses: StatusStore;
  readonly topicTracking: { enabled: boolean; allowReset: boolean };
  readonly activeTopics: ActiveTopicRegistry;
}

export class TopicTracking {
  private readonly unrecorded = new Set<string>(); // connector NUL topic: failed, logged

  constructor(
    private readonly deps: TopicTrackingDeps,
    private readonly log: Logger,
  ) {}

  /** The connector's stored active topics, as stored (the Herder hides resolved values in them). */
  topics(name: string): string[] {
    this.require(false);
    return this.deps.statuses.topics(name);
  }

  reset(name: string): void {
    this.require(true);
    this.deps.statuses.resetTopics(name);
    this.deps.activeTopics.reset(name);
  }

  /** From a task's send path: a store failure (disk full) is logged once until stored, not thrown; false: the next record retries. */
  record(connector: string, topic: string): boolean {
    if (!this.deps.topicTracking.enabled || !this.deps.configs.has(connector)) return true;
    const failing = `${connector}\u0000${topic}`;
    try {
      this.deps.statuses.addTopic(connector, topic);
      return this.unrecorded.delete(failing) || true;
    } catch (error) {
      if (!this.unrecorded.has(failing))
        this.log.error(`Could not record topic ${topic} as active for connector ${connector}`, error);
      this.unrecorded.add(failing);
      return false;
    }
  }

  private require(reset: boolean): void {
    const { enabled, allowReset } = this.deps.topicTracking;
    if (!enabled) throw new RestError(403, "Topic tracking is disabled.");
    if (reset && !allowReset) throw new RestError(403, "Topic tracking reset is disabled.");
  }
}
