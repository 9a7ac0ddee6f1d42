/**
 * PluginRegistry: the installed plugins and Connect's name resolution. A plugin is found by its
 * full class name or by an alias: the simple class name (Java's `getSimpleName`, so
 * `InsertField$Value` has simple name `Value`) and that name without its type suffix
 * (`Connector`, `Converter`, `HeaderConverter`, `Transformation`, `Predicate`), each only when it
 * names exactly one class (PluginUtils.computeAliases); a descriptor may declare more `aliases`. The registry is an object passed in, so a
 * test builds one with just the plugins it needs.
 */
import type { DescriptorOf, PluginDescriptor, PluginType } from "./descriptor.ts";

const SUFFIX: Record<PluginType, string> = {
  source: "Connector",
  sink: "Connector",
  converter: "Converter",
  header_converter: "HeaderConverter",
  transformation: "Transformation",
  predicate: "Predicate",
};

/** Listing order of `GET /connector-plugins` (Connect builds it in this order). */
export const TYPE_ORDER: readonly PluginType[] = [
  "sink",
  "source",
  "transformation",
  "predicate",
  "converter",
  "header_converter",
];

export function simpleName(className: string): string {
  const afterDot = className.slice(className.lastIndexOf(".") + 1);
  return afterDot.slice(afterDot.lastIndexOf("$") + 1);
}

function prunedName(className: string, type: PluginType): string {
  const simple = simpleName(className);
  const suffix = SUFFIX[type];
  return simple.endsWith(suffix) && simple.length > suffix.length ? simple.slice(0, -suffix.length) : simple;
}

export class PluginRegistry {
  private readonly aliases = new Map<string, string>();

  constructor(readonly plugins: readonly PluginDescriptor[]) {
    const candidates = new Map<string, Set<string>>();
    for (const p of plugins) {
      for (const alias of [simpleName(p.className), prunedName(p.className, p.type), ...(p.aliases ?? [])]) {
        if (alias === p.className) continue;
        const set = candidates.get(alias) ?? new Set<string>();
        set.add(p.className);
        candidates.set(alias, set);
      }
    }
    for (const [alias, classes] of candidates) if (classes.size === 1) this.aliases.set(alias, [...classes][0]!);
  }

  /** The full class name for a class name or unique alias, whatever the plugin type. */
  fullName(nameOrAlias: string): string {
    return this.aliases.get(nameOrAlias) ?? nameOrAlias;
  }

  /** Finds a plugin of one of `types` by class name or alias. */
  find<T extends PluginType>(types: readonly T[], nameOrAlias: string): DescriptorOf<T> | undefined {
    const full = this.fullName(nameOrAlias.trim());
    return this.plugins.find((p) => p.className === full && (types as readonly PluginType[]).includes(p.type)) as
      | DescriptorOf<T>
      | undefined;
  }

  /** Whether `config`'s `connector.class` is a connector whose tasks serve a route's requests (`tasksServeRequests`). */
  servesRequests(config: Readonly<Record<string, string>>): boolean {
    return this.classServesRequests(config["connector.class"] ?? "");
  }

  /** Whether the connector class (or alias) `connectorClass` has tasks serving a route's requests. */
  classServesRequests(connectorClass: string): boolean {
    return this.find(["source"], connectorClass)?.tasksServeRequests === true;
  }

  /** Any plugin with this class name or alias, whatever its type. */
  findAny(nameOrAlias: string): PluginDescriptor | undefined {
    const full = this.fullName(nameOrAlias.trim());
    return this.plugins.find((p) => p.className === full);
  }

  /** Plugins in Connect's listing order: by type, then class name, then version. */
  sorted(types: readonly PluginType[] = TYPE_ORDER): PluginDescriptor[] {
    const out: PluginDescriptor[] = [];
    for (const type of TYPE_ORDER) {
      if (!types.includes(type)) continue;
      out.push(
        ...this.plugins
          .filter((p) => p.type === type)
          .sort((a, b) => (a.className < b.className ? -1 : a.className > b.className ? 1 : 0)),
      );
    }
    return out;
  }

  ofType<T extends PluginType>(type: T): DescriptorOf<T>[] {
    return this.sorted([type]) as DescriptorOf<T>[];
  }
}
