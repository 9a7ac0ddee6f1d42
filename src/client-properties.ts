/**
 * clientProperties: the Kafka client settings of one client type (producer, consumer, admin), as
 * Connect derives them from the worker config: a task client's default `client.id`, the worker's
 * top-level client keys, then the `<type>.` overrides, then the connector's `<type>.override.` keys
 * (all of them: a key the override policy does not allow fails, as in Connect's Worker). Used by
 * the Worker (its admin clients), runtime/task-clients.ts (a task's clients) and main (checking the
 * worker's client settings at startup).
 */
import { connectorClientOverrides } from "./connector-client-config-override-policy.ts";
import type { ClientType } from "./kafka/client-config-keys.ts";
import { IGNORED_KEYS, type WorkerConfig, workerConfigDef } from "./worker-config.ts";

const WORKER_ONLY = new Set(workerConfigDef.keys.map((k) => k.name));
const CLIENT_PREFIXES = [
  "producer.",
  "consumer.",
  "admin.",
  "listeners.",
  "ingest.",
  "config.providers",
  "key.converter.",
  "value.converter.",
  "header.converter.",
];

/**
 * Client properties for one client type: `defaultClientId` (a task client's `client.id`, as
 * Connect's Worker names them), the worker's top-level client settings, then the `<type>.`
 * overrides, then the connector's `<type>.override.` keys. As in Connect, a top-level `client.id`
 * replaces the default of an admin client only: Connect gives producers and consumers no
 * top-level keys, this gateway passes them every top-level key except `client.id` (a deliberate
 * superset, see README); `producer.client.id`, `consumer.client.id`, `admin.client.id` and the
 * connector's `*.override.client.id` replace it for their type. Throws ConnectError (`Client Config
 * Overrides not allowed […]`) when the connector has a `<type>.override.` key the worker's
 * connector.client.config.override.policy does not allow.
 */
export function clientProperties(
  worker: WorkerConfig,
  type: ClientType,
  connectorOverrides: Readonly<Record<string, string>> = {},
  defaultClientId?: string,
): Record<string, string> {
  const props: Record<string, string> = { "bootstrap.servers": worker["bootstrap.servers"].join(",") };
  if (defaultClientId !== undefined) props["client.id"] = defaultClientId;
  for (const [k, v] of Object.entries(worker.originals)) {
    if (WORKER_ONLY.has(k) || IGNORED_KEYS.includes(k) || CLIENT_PREFIXES.some((p) => k.startsWith(p))) continue;
    if (k === "client.id" && defaultClientId !== undefined && type !== "admin") continue;
    props[k] = v;
  }
  const prefix = `${type}.`;
  for (const [k, v] of Object.entries(worker.originals)) if (k.startsWith(prefix)) props[k.slice(prefix.length)] = v;
  Object.assign(props, connectorClientOverrides(worker.overridePolicy, connectorOverrides, type));
  return props;
}
