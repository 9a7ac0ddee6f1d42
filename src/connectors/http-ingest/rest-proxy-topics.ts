/**
 * Which ingest connector serves a REST Proxy topic. `POST /topics/{t}` names no connector: the
 * route is found by topic, and several connectors may accept one (two native paths into one
 * `kafka.topic`, REST Proxy being on by default). Before (ingestp3) whichever opened first served
 * it, with its authentication, ACLs and transforms: which one depended on start order. Now the one
 * accepting it serves it, or, of several, the one naming it in `ingest.rest.proxy.topics`; else
 * none (404 naming them; a WARN at start). Validation refuses a second connector naming a topic in
 * `ingest.rest.proxy.topics` (`restProxyTopicConflicts`), as it refuses a second `ingest.path`.
 */
import type { Config } from "../../api/connector.ts";
import { sharedTopicMessage } from "../../ingest/ingest-error.ts";
import type { IngestRouteTable } from "../../ingest/route-table.ts";
import type { ConfigProblem } from "../../plugin/descriptor.ts";
import { invalidValue } from "../../util/invalid-value.ts";
import type { Logger } from "../../util/logger.ts";

/** The keys `namedTopics` reads: of another connector's config, validation resolves these only. */
export const REST_PROXY_TOPIC_KEYS = ["ingest.rest.proxy.enable", "ingest.rest.proxy.topics"] as const;

/**
 * The topics a config names in ingest.rest.proxy.topics (with REST Proxy on), read leniently (its
 * other keys may not parse, or hold references not resolved: only these two are).
 */
export function namedTopics(config: Config): readonly string[] {
  if (config["ingest.rest.proxy.enable"]?.trim().toLowerCase() === "false") return [];
  const text = config["ingest.rest.proxy.topics"]?.trim() ?? "";
  return text === "" ? [] : text.split(/\s*,\s*/);
}

/** The descriptor's `conflicts`: a topic `config` names in ingest.rest.proxy.topics that another connector names there too. */
export function restProxyTopicConflicts(config: Config, other: Config, otherName: string): ConfigProblem[] {
  const theirs = namedTopics(other);
  return namedTopics(config)
    .filter((topic) => theirs.includes(topic))
    .map((topic) => ({
      key: "ingest.rest.proxy.topics",
      message: invalidValue(
        "ingest.rest.proxy.topics",
        topic,
        `connector ${otherName} names it too; REST Proxy produce requests for a topic (POST /topics/${topic} names no connector) are served by the one connector naming it`,
      ),
    }));
}

/** At start: a WARN for each of the connector's REST Proxy topics no connector serves, several accepting it. */
export function warnSharedTopics(
  routes: IngestRouteTable,
  topics: readonly string[],
  logger: Logger | undefined,
): void {
  for (const topic of topics) {
    if (routes.byTopic(topic)) continue;
    const connectors = routes.claimants(topic);
    if (connectors.length > 1) logger?.warn(sharedTopicMessage(topic, connectors));
  }
}
