/**
 * The order of the names in a connector validation that no definition knows, as Connect lists them.
 * AbstractHerder's validated names are a HashMap: ConfigDef.validateAll puts the definition's keys,
 * then computeIfAbsent adds a sink's consumer group override (the distributed herder's check) and
 * each key with a null value (addNullValuedErrors), iterating the config's HashMap copy (its
 * ConfigTransformer's). Used by validateConnectorConfig and unloadableConnectorInfos.
 */
import { JavaHashMapOrder, javaHashOrder } from "../util/java-hash-order.ts";

/** The validated names' HashMap order; `computed`: names computeIfAbsent adds before the null-valued keys. */
export function validatedNames(
  defined: readonly string[],
  config: Readonly<Record<string, string | null>>,
  computed: readonly string[] = [],
): string[] {
  const names = new JavaHashMapOrder();
  for (const name of defined) names.put(name);
  for (const name of computed) names.computeIfAbsent(name);
  for (const k of javaHashOrder(Object.keys(config), true)) if (config[k] === null) names.computeIfAbsent(k);
  return names.keys();
}
