/**
 * The stored ingest connector naming a REST Proxy topic in `ingest.rest.proxy.topics`, whether or
 * not it has a route now. Such a connector owns the topic: while it has no route (it failed before
 * starting: a config provider value it cannot resolve, a client override the policy refuses, a
 * stored config that no longer parses; or it is STOPPED) no other connector accepting the topic
 * (its `kafka.topic`) serves it, with that one's authentication, ACLs and transforms (review45
 * left this open: the other connector served the topic, with no authentication).
 *
 * Read from the stored configs leniently (the raw list, without parsing the rest of the config),
 * so that a config that does not parse still holds its topics; derived again only when the store
 * was written (`ConfigStore.writes`): REST Proxy requests ask on every request.
 *
 * A list that is a config provider reference (`${file:…:topics}`) cannot be read so: its topics are
 * those of the connector's route (its resolved config) while it has one; without one (the provider
 * failing at its start, or STOPPED) it holds every topic no stored connector names (fail closed;
 * before, the other connector accepting its topic served it, with its own authentication). A topic
 * it and another connector name has two owners: neither serves it (as route-table.ts for two naming).
 */
import type { TopicOwner } from "../../ingest/topic-owner.ts";
import type { RawConnectorConfig, TargetState } from "../../store/config-store.ts";
import { HTTP_INGEST_CONNECTOR } from "./config.ts";
import { namedTopics } from "./rest-proxy-topics.ts";

export interface StoredConfigs {
  readonly writes: number;
  names(): string[];
  get(name: string): { readonly config: RawConnectorConfig; readonly targetState: TargetState } | undefined;
}

const DEFAULT_RETRY_AFTER_SECONDS = 5; // ingest.retry.after.seconds's default

/** A config provider reference: `$` and `{` are no legal topic characters. */
function isReference(raw: string | undefined): boolean {
  return raw?.includes("${") ?? false;
}

function retryAfter(raw: string | undefined): number {
  const n = Number(raw?.trim());
  return raw !== undefined && Number.isInteger(n) && n >= 0 ? n : DEFAULT_RETRY_AFTER_SECONDS;
}

/**
 * `(topic) => owners`: the stored HttpIngestSource connectors naming `topic` (one, as validation
 * keeps it; several only from configs stored before that rule). `fullName` resolves
 * `connector.class` aliases; `routeNames` tells the topics a connector's route names (resolved), if
 * it has one. When the store cannot be read (closed at shutdown), the owners last read.
 */
export function restProxyOwners(
  store: StoredConfigs,
  fullName: (connectorClass: string) => string,
  routeNames: (connector: string) => readonly string[] | undefined,
): (topic: string) => readonly TopicOwner[] {
  let readAt = -1;
  let owners = new Map<string, TopicOwner[]>();
  /** Owners whose list is a config provider reference. */
  let referring: TopicOwner[] = [];
  const read = () => {
    const next = new Map<string, TopicOwner[]>();
    const nextReferring: TopicOwner[] = [];
    for (const name of store.names()) {
      const stored = store.get(name);
      if (!stored || fullName(stored.config["connector.class"]?.trim() ?? "") !== HTTP_INGEST_CONNECTOR) continue;
      if (stored.config["ingest.rest.proxy.enable"]?.trim().toLowerCase() === "false") continue;
      const owner: TopicOwner = {
        connector: name,
        stopped: stored.targetState === "STOPPED",
        retryAfterSeconds: retryAfter(stored.config["ingest.retry.after.seconds"]),
      };
      const list = stored.config["ingest.rest.proxy.topics"];
      if (isReference(list)) {
        nextReferring.push({ ...owner, unresolved: true });
        continue;
      }
      for (const topic of namedTopics(stored.config)) {
        const list = next.get(topic);
        if (list) list.push(owner);
        else next.set(topic, [owner]);
      }
    }
    owners = next;
    referring = nextReferring;
  };
  const none: readonly TopicOwner[] = [];
  return (topic) => {
    const writes = store.writes;
    if (writes !== readAt) {
      try {
        read();
        readAt = writes;
      } catch {
        // keep the owners last read
      }
    }
    const named = owners.get(topic) ?? none;
    if (referring.length === 0) return named;
    // Validation compares resolved lists, but a reference may resolve to another topic later (its
    // file changed) or could not be resolved then: a topic two connectors name, neither serves.
    const naming = referring.filter((owner) => {
      const topics = routeNames(owner.connector);
      return topics === undefined ? named.length === 0 : topics.includes(topic);
    });
    return naming.length === 0 ? named : [...named, ...naming];
  };
}
