/**
 * Worker keys nobody reads: a misspelled key (`offest.flush.interval.ms`, `rest.port` of old
 * workers) would otherwise leave its setting at the default without a word. Connect's clients log
 * `The configuration 'x' was supplied but isn't a known config.` for such keys; the gateway logs
 * that WARN once per key at start (main.ts), naming the CONNECT_* variable when the environment set
 * it. Known are the gateway's own worker keys, the keys of Connect's worker it accepts and ignores,
 * converter and config provider settings, the https listeners' `listeners.https.ssl.*` keys
 * (declared in rest/rest-tls-config.ts, or Connect's other `ssl.*` keys) and the Kafka clients' own
 * keys, top-level or under `producer.`, `consumer.` and `admin.` (checked against that client's keys). The keys it accepts and ignores get a
 * WARN of their own at start (`ignoredKeyWarning`), saying why they have no effect.
 */
import { type ClientType, clientConfigKey } from "./kafka/client-config-keys.ts";
import { REST_TLS_PREFIXES } from "./rest/rest-tls-config.ts";
import { IGNORED_KEY_REASONS, IGNORED_KEYS, workerConfigDef } from "./worker-config.ts";

/** Prefixes whose keys configure something by name (a converter, a provider, metrics context). */
const OPEN_PREFIXES = [
  "key.converter.",
  "value.converter.",
  "header.converter.",
  "config.providers.",
  "metrics.context.",
];

const CLIENT_TYPES: readonly ClientType[] = ["producer", "consumer", "admin"];

let declared: Set<string> | undefined;

function isClientKey(name: string, types: readonly ClientType[] = CLIENT_TYPES): boolean {
  return types.some((type) => clientConfigKey(type, name) !== undefined);
}

function isKnown(key: string): boolean {
  declared ??= new Set([...workerConfigDef.keys.map((k) => k.name), ...IGNORED_KEYS]);
  if (declared.has(key) || OPEN_PREFIXES.some((p) => key.startsWith(p))) return true;
  const type = CLIENT_TYPES.find((t) => key.startsWith(`${t}.`));
  if (type !== undefined && isClientKey(key.slice(type.length + 1), [type])) return true;
  // Connect's other ssl.* keys (ssl.provider, ssl.keymanager.algorithm, …) under a REST listener's
  // prefix: accepted, as Connect takes them, though a gateway listener has no use for them.
  const listener = REST_TLS_PREFIXES.find((p) => key.startsWith(p));
  if (listener !== undefined) return key.startsWith(`${listener}ssl.`) && isClientKey(key.slice(listener.length));
  return isClientKey(key);
}

/** The keys of `originals` that neither the gateway, Connect's worker nor a Kafka client knows. */
export function unknownWorkerKeys(originals: Readonly<Record<string, string>>): string[] {
  return Object.keys(originals).filter((key) => !isKnown(key));
}

/** Connect's warning for one unknown key (and the environment variable that set it, if one did). */
export function unknownKeyWarning(key: string, variable?: string): string {
  const from = variable === undefined ? "" : ` (from the environment variable ${variable})`;
  return `The configuration '${key}' was supplied but isn't a known config${from}.`;
}

/** The warning for a key of Connect's the gateway accepts and ignores (IGNORED_KEY_REASONS), with why it has no effect. */
export function ignoredKeyWarning(key: string): string {
  return `Worker config ${key} has no effect in this gateway (${IGNORED_KEY_REASONS[key]}) and is ignored`;
}
