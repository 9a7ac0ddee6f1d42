/**
 * The keys one `transforms.<alias>` or `predicates.<alias>` adds to a connector's validation, as
 * Connect 4.3.1's ConnectorConfig.EnrichablePlugin defines them: `type` and `plugin.version`, then,
 * when the type names a plugin of the right kind, that plugin's own keys embedded under the prefix
 * (ConfigDef.embed: in ConfigDef.sortedConfigs order, numbered on from 2, validated under their own
 * names). A transformation's implicit `predicate` and `negate` keys are among those embedded keys
 * (and mask the plugin's own keys of those names). `aliasTypeResults` then gives the type keys the
 * values and errors Connect's CLASS parsing and plugin loading give them.
 */
import { ConfigDef, defineConfig, type KeyValidation, key, type NamedKey } from "../plugin/config-def.ts";
import type { PluginType } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import { pluginVersionProblem } from "../plugin/version-range.ts";
import { invalidValue } from "../util/invalid-value.ts";
import { splitList } from "./connector-config-values.ts";

export type AliasKind = "transforms" | "predicates";

const PLUGIN_TYPE: Record<AliasKind, PluginType> = { transforms: "transformation", predicates: "predicate" };
const KIND_WORD: Record<AliasKind, string> = { transforms: "transformation", predicates: "predicate" };
const BASE_CLASS: Record<AliasKind, string> = { transforms: "Transformation", predicates: "Predicate" };

/** The implicit keys every transformation gets (TransformationStage's), defined without a group. */
const TRANSFORMATION_KEYS = defineConfig({
  predicate: key.string({
    doc: "The alias of a predicate used to determine whether to apply this transformation.",
    default: null,
    importance: "MEDIUM",
  }),
  negate: key.boolean({
    doc: "Whether the configured predicate should be negated.",
    default: false,
    importance: "MEDIUM",
  }),
});

const IMPORTANCE_RANK = { HIGH: 0, MEDIUM: 1, LOW: 2 } as const;

/** ConfigDef.sortedConfigs: by group (no group first, then first definition), order, required first, importance, name. */
function sortedConfigs(keys: readonly NamedKey[]): NamedKey[] {
  const groups: string[] = [];
  for (const k of keys) if (k.meta.group !== null && !groups.includes(k.meta.group)) groups.push(k.meta.group);
  const rank = (k: NamedKey) => (k.meta.group === null ? -1 : groups.indexOf(k.meta.group));
  return [...keys].sort((a, b) => {
    const byGroup = rank(a) - rank(b);
    if (byGroup !== 0) return byGroup;
    const byOrder = (a.meta.order ?? -1) - (b.meta.order ?? -1);
    if (byOrder !== 0) return byOrder;
    const required = Number(b.meta.default === undefined) - Number(a.meta.default === undefined);
    if (required !== 0) return required;
    const byImportance = IMPORTANCE_RANK[a.meta.importance] - IMPORTANCE_RANK[b.meta.importance];
    if (byImportance !== 0) return byImportance;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

export function aliasConfigDef(
  registry: PluginRegistry,
  kind: AliasKind,
  alias: string,
  config: Readonly<Record<string, string | null>>,
): ConfigDef {
  const pluginType = PLUGIN_TYPE[kind];
  const prefix = `${kind}.${alias}.`;
  const group = `${kind === "transforms" ? "Transforms" : "Predicates"}: ${alias}`;
  const typeValue = config[`${prefix}type`];
  const named =
    typeValue === undefined || typeValue === null ? undefined : registry.find([pluginType], typeValue.trim());
  // The class parses from the trimmed value, but Connect loads the plugin's version and keys by the
  // value as given: with spaces around it, neither is found (the recommender still names the version).
  const loadable = named && typeValue === typeValue?.trim() ? named : undefined;
  // A plugin.version its version is not in loads nothing either: no keys of its own are listed.
  const plugin =
    loadable && versionMismatch(loadable, config[`${prefix}plugin.version`]) === undefined ? loadable : undefined;
  const head = defineConfig({
    [`${prefix}type`]: key.class({
      doc: `Class for the '${alias}' ${KIND_WORD[kind]}.`,
      importance: "HIGH",
      group,
      order: 0,
      width: "LONG",
      displayName: `${BASE_CLASS[kind]} type for ${alias}`,
      recommended: registry.ofType(pluginType).map((p) => p.className),
    }),
    [`${prefix}plugin.version`]: key.string({
      doc: `Version of the '${alias}' ${KIND_WORD[kind]}.`,
      default: loadable?.version ?? null,
      importance: "HIGH",
      group,
      order: 1,
      width: "LONG",
      displayName: `${BASE_CLASS[kind]} version for ${alias}`,
      recommended: named ? [named.version] : [],
    }),
  });
  if (!plugin) return head;
  const implicit = kind === "transforms" ? TRANSFORMATION_KEYS.keys : [];
  const own = (plugin.config as ConfigDef).keys.filter((k) => !implicit.some((i) => i.name === k.name));
  const embedded = sortedConfigs([...implicit, ...own]).map(
    (k, i): NamedKey => ({
      ...k,
      name: `${prefix}${k.name}`,
      meta: {
        ...k.meta,
        group: k.meta.group === null ? group : `${group}: ${k.meta.group}`,
        order: 2 + i,
        displayName: k.meta.displayName ?? k.name,
        validatorName: k.meta.validatorName ?? k.name,
      },
    }),
  );
  return head.concat(new ConfigDef(embedded));
}

/**
 * The `<kind>.<alias>.type` results as Connect gives them: the class an alias names is shown by its
 * full name; a class of another kind, or an abstract one whose `$Key`/`$Value` variants exist, is
 * refused with Connect's message; a name that loads nothing has no value.
 */
export function aliasTypeResults(
  registry: PluginRegistry,
  config: Readonly<Record<string, string | null>>,
  results: Map<string, KeyValidation>,
): void {
  for (const kind of ["transforms", "predicates"] as const) {
    for (const alias of new Set(splitList(config[kind]))) {
      const name = `${kind}.${alias}.type`;
      const raw = config[name];
      const current = results.get(name);
      if (!current) continue;
      // The type's validator first checks `negate` has a predicate (validateProps), then loads the
      // plugin; it runs even when the type is missing or names no class (it then sees null).
      const negate = kind === "transforms" ? negateError(config, alias) : undefined;
      if (raw === undefined || raw === null || current.errors.length > 0) {
        if (negate) results.set(name, { ...current, errors: [...current.errors, negate] });
        continue;
      }
      const cls = raw.trim();
      const plugin = registry.find([PLUGIN_TYPE[kind]], cls);
      if (plugin) {
        const spec = config[`${kind}.${alias}.plugin.version`];
        const mismatch = raw === cls ? versionMismatch(plugin, spec) : undefined;
        const versionKeyMismatch = raw === cls ? versionMismatch(plugin, spec?.trim()) : undefined;
        results.set(name, {
          ...current,
          value: plugin.className,
          errors: [negate ?? mismatch].filter((e) => e !== undefined),
        });
        const version = results.get(`${kind}.${alias}.plugin.version`);
        if (versionKeyMismatch && version)
          results.set(`${kind}.${alias}.plugin.version`, {
            ...version,
            errors: [...version.errors, versionKeyMismatch],
          });
        continue;
      }
      const other = registry.findAny(cls);
      if (other) {
        const message = `Class class ${other.className} does not implement the ${BASE_CLASS[kind]} interface`;
        results.set(name, { value: other.className, errors: [negate ?? message] });
        continue;
      }
      const variants = registry
        .ofType(PLUGIN_TYPE[kind])
        .map((p) => p.className)
        .filter((c) => c === `${cls}$Key` || c === `${cls}$Value`);
      if (variants.length > 0) {
        const message = `This class is abstract and cannot be created. Did you mean ${variants.join(", ")}?`;
        results.set(name, { value: cls, errors: [negate ?? message] });
        continue;
      }
      const notFound = invalidValue(name, raw, `Class ${cls} could not be found.`);
      results.set(name, { value: null, errors: negate ? [notFound, negate] : [notFound] });
    }
  }
}

function negateError(config: Readonly<Record<string, string | null>>, alias: string): string | undefined {
  // Connect asks whether the key is there: a JSON null negate is "provided" too.
  if (!Object.hasOwn(config, `transforms.${alias}.negate`) || config[`transforms.${alias}.predicate`]) return undefined;
  return `Config 'transforms.${alias}.negate' was provided but there is no config 'transforms.${alias}.predicate' defining a predicate to be negated.`;
}

/**
 * Connect's refusal of a `plugin.version` value the installed plugin's version is not in, or
 * Maven's message for one that does not parse (the type key sees the value as given, the version
 * key's own check the trimmed value: ` latest ` refuses the type only).
 */
function versionMismatch(
  plugin: { className: string; version: string },
  spec: string | null | undefined,
): string | undefined {
  return pluginVersionProblem(plugin.className, [plugin.version], spec)?.message;
}
