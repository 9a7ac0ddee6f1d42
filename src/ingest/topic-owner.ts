/**
 * The stored ingest connector naming a REST Proxy topic in `ingest.rest.proxy.topics`: it alone
 * serves the topic (route-table.ts `byTopic`), also while it has no route, when none does. What a
 * request for the topic is told then: 503 with Retry-After while the connector is meant to run (it
 * failed to start, or is starting; or it runs with a config that does not name the topic yet, its
 * new one taking effect at its restart), 404 while it is STOPPED (as its own path).
 */
import { ErrorCodes, IngestError, unavailable } from "./ingest-error.ts";

export interface TopicOwner {
  readonly connector: string;
  readonly stopped: boolean;
  /** Its ingest.retry.after.seconds. */
  readonly retryAfterSeconds: number;
  /** Its ingest.rest.proxy.topics is a config provider reference it cannot resolve now (no route): it may name the topic. */
  readonly unresolved?: boolean;
}

/** The stored connectors naming `topic` (one, as validation keeps it). */
export type TopicOwners = (topic: string) => readonly TopicOwner[];

/**
 * The answer to a REST Proxy request for `topic` when its one owner has no route serving it;
 * `running`: whether the owner's route is open (it runs with a config not naming the topic).
 */
export function ownerNotServing(
  topic: string,
  owners: readonly TopicOwner[],
  running: (connector: string) => boolean = () => false,
): IngestError | undefined {
  const owner = owners.length === 1 ? owners[0] : undefined;
  if (!owner) return undefined;
  // Its stored config names the topic, the config it runs with does not (ingestp4: "which is not
  // running", of a running connector).
  if (!owner.stopped && !owner.unresolved && running(owner.connector))
    return unavailable(
      `REST Proxy produce requests for topic ${topic} are served by the ingest connector ${owner.connector}, which runs with a configuration that does not name the topic yet: its stored configuration does, and takes effect when it restarts`,
      owner.retryAfterSeconds,
    );
  const servedBy = owner.unresolved
    ? `may be served by the ingest connector ${owner.connector}, whose ingest.rest.proxy.topics (a config provider reference) is not known while it`
    : `are served by the ingest connector ${owner.connector}, which`;
  if (owner.stopped)
    return new IngestError(
      404,
      ErrorCodes.TOPIC_NOT_FOUND,
      `REST Proxy produce requests for topic ${topic} ${servedBy} is stopped`,
    );
  return unavailable(
    `REST Proxy produce requests for topic ${topic} ${servedBy} is not running`,
    owner.retryAfterSeconds,
  );
}
