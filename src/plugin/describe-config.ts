/**
 * Derives Connect's wire descriptions from a ConfigDef: ConfigKeyInfo (for
 * `GET /connector-plugins/{p}/config`) and ConfigInfos (for `PUT …/config/validate`), with
 * Connect 4.2+'s property order (`order_in_group` after `group`) and string forms (`[hidden]` for passwords).
 */
import type { ConfigDef, KeyValidation, NamedKey } from "./config-def.ts";

export interface ConfigKeyInfo {
  name: string;
  type: string;
  required: boolean;
  default_value: string | null;
  importance: string;
  documentation: string;
  group: string | null;
  order_in_group: number;
  width: string;
  display_name: string;
  dependents: string[];
}

export interface ConfigValueInfo {
  name: string;
  value: string | null;
  recommended_values: string[];
  errors: string[];
  visible: boolean;
}

export interface ConfigInfo {
  definition: ConfigKeyInfo | null;
  value: ConfigValueInfo | null;
}

export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  configs: ConfigInfo[];
}

export function describeKey(k: NamedKey): ConfigKeyInfo {
  const m = k.meta;
  const def = m.default === undefined ? null : m.type === "PASSWORD" && m.default !== null ? "[hidden]" : m.default;
  return {
    name: k.name,
    type: m.type,
    required: m.default === undefined,
    default_value: def,
    importance: m.importance,
    documentation: k.doc,
    group: m.group,
    order_in_group: m.order ?? -1,
    width: m.width,
    display_name: m.displayName ?? k.name,
    dependents: [...m.dependents],
  };
}

export function describeConfig(def: ConfigDef<unknown>): ConfigKeyInfo[] {
  return def.keys.map(describeKey);
}

/** Groups in first-seen key order (Connect's `groups` list). */
export function groupsOf(def: ConfigDef<unknown>): string[] {
  const groups: string[] = [];
  for (const k of def.keys) if (k.meta.group !== null && !groups.includes(k.meta.group)) groups.push(k.meta.group);
  return groups;
}

/**
 * ConfigInfos for a validation: first a definition-less entry for each validated name the
 * definition does not know (`undefinedValues`), then one entry per defined key, in order.
 */
export function configInfos(
  name: string,
  def: ConfigDef<unknown>,
  results: ReadonlyMap<string, KeyValidation>,
  undefinedValues: ReadonlyMap<string, KeyValidation> = new Map(),
  groups: string[] = groupsOf(def),
): ConfigInfos {
  const configs: ConfigInfo[] = [];
  for (const [key, result] of undefinedValues) configs.push({ definition: null, value: valueInfo(key, result, []) });
  for (const k of def.keys) {
    const result = results.get(k.name);
    configs.push({ definition: describeKey(k), value: result ? valueInfo(k.name, result, k.meta.recommended) : null });
  }
  const errorCount = configs.reduce((n, c) => n + (c.value?.errors.length ?? 0), 0);
  return { name, error_count: errorCount, groups, configs };
}

function valueInfo(name: string, result: KeyValidation, recommended: readonly string[]): ConfigValueInfo {
  return {
    name,
    value: result.value,
    recommended_values: [...recommended],
    errors: [...result.errors],
    visible: result.visible ?? true,
  };
}
