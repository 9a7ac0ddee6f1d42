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
 */
import type { TopicOwner } from "../../ingest/topic-owner.ts";
import type { RawConnectorConfig, TargetState } from "../../store/config-store.ts";
import { HTTP_INGEST_CONNECTOR } from "./config.ts";

export interface StoredConfigs {
  readonly writes: number;
  names(): string[];
  get(name: string): { readonly config: RawConnectorConfig; readonly targetState: TargetState } | undefined;
}

const DEFAULT_RETRY_AFTER_SECONDS = 5; // ingest.retry.after.seconds's default

function listValue(raw: string | undefined): string[] {
  const text = raw?.trim() ?? "";
  return text === "" ? [] : text.split(/\s*,\s*/);
}

function retryAfter(raw: string | undefined): number {
  const n = Number(raw?.trim());
  return raw !== undefined && Number.isInteger(n) && n >= 0 ? n : DEFAULT_RETRY_AFTER_SECONDS;
}

/**
 * `(topic) => owners`: the stored HttpIngestSource connectors naming `topic` (one, as validation
 * keeps it; several only from configs stored before that rule). `fullName` resolves
 * `connector.class` aliases. When the store cannot be read (closed at shutdown), the owners last read.
 */
export function restProxyOwners(
  store: StoredConfigs,
  fullName: (connectorClass: string) => string,
): (topic: string) => readonly TopicOwner[] {
  let readAt = -1;
  let owners = new Map<string, TopicOwner[]>();
  const read = () => {
    const next = new Map<string, TopicOwner[]>();
    for (const name of store.names()) {
      const stored = store.get(name);
      if (!stored || fullName(stored.config["connector.class"]?.trim() ?? "") !== HTTP_INGEST_CONNECTOR) continue;
      if (stored.config["ingest.rest.proxy.enable"]?.trim().toLowerCase() === "false") continue;
      const owner: TopicOwner = {
        connector: name,
        stopped: stored.targetState === "STOPPED",
        retryAfterSeconds: retryAfter(stored.config["ingest.retry.after.seconds"]),
      };
      for (const topic of listValue(stored.config["ingest.rest.proxy.topics"])) {
        const list = next.get(topic);
        if (list) list.push(owner);
        else next.set(topic, [owner]);
      }
    }
    owners = next;
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
    return owners.get(topic) ?? none;
  };
}
