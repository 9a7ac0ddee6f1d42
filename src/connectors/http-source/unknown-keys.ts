/**
 * Keys in the HTTP source's own namespaces (`http.`, `behavior.`, and `behaviour.` as British
 * spelling writes it) that it does not declare. Connect ignores a key a connector does not declare,
 * so a typo (`http.retry.max-attempts`, `behaviour.on.error`) would run as if unset, in silence:
 * HttpSourceConnector logs one WARN at each start naming them (names only, never a value), each with
 * the declared key it most likely means (likely-key.ts), as the HTTP sink does. castorm's keys are
 * left to their own WARN, which says what does their job here (castorm-keys.ts).
 */
import type { Config } from "../../api/connector.ts";
import { likelyKeys } from "../likely-key.ts";
import { isCastormKey } from "./castorm-keys.ts";
import { httpSourceConfig } from "./config.ts";

const NAMESPACES = ["http.", "behavior.", "behaviour."];
const declared = httpSourceConfig.keys.map((k) => k.name);
const accepted = new Set(declared);
const likely = likelyKeys(declared);

/** The WARN for the undeclared keys of the source's namespaces `config` sets, or undefined when there are none. */
export function unknownKeysWarning(config: Config): string | undefined {
  const unknown = Object.keys(config).filter(
    (k) => NAMESPACES.some((p) => k.startsWith(p)) && !accepted.has(k) && !isCastormKey(k),
  );
  if (unknown.length === 0) return undefined;
  const named = unknown.map((k) => {
    const meant = likely(k);
    return meant ? `${k} (${meant}?)` : k;
  });
  return `The HTTP source does not read ${named.join(", ")}: ${unknown.length === 1 ? "it is" : "they are"} ignored (its keys: GET /connector-plugins/HttpSource/config)`;
}
