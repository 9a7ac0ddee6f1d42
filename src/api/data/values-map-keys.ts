/**
 * The keys of a map Values.parseString reads, as Java's LinkedHashMap holds them: a key equal to
 * one already there (`2024-01-01` twice) replaces its value in place. Object keys (dates,
 * decimals, lists, maps, Floats) are found by a text that is equal exactly when Java's equals is,
 * so a map of many keys stays linear. Used by values.ts.
 */
import { javaClassOf } from "./java-text.ts";
import { convertToString } from "./values-format.ts";

/** LinkedHashMap.put of `key` (found in `byText` when it is an object) and `value` into `map`. */
export function putKey(map: Map<unknown, unknown>, byText: Map<string, unknown>, key: unknown, value: unknown): void {
  if (typeof key === "object" && key !== null) {
    const text = keyIdentity(key);
    const existing = byText.get(text);
    if (existing !== undefined) {
      map.set(existing, value);
      return;
    }
    byText.set(text, key);
  }
  map.set(key, value);
}

/**
 * A java.util.Date equals by its millisecond count (printed, 1969-12-30 and -31 look alike), also
 * inside a list or map key; a Map equals another of the same entries in any order (AbstractMap).
 */
function keyIdentity(key: unknown): string {
  if (key instanceof Date) return `Date ${key.getTime()}`;
  if (Array.isArray(key)) return `[${key.map(keyIdentity).join(",")}]`;
  if (key instanceof Map) {
    const entries = [...key].map(([k, v]) => `${keyIdentity(k)}=${keyIdentity(v)}`);
    return `{${entries.sort().join(",")}}`;
  }
  // Quoted: a string element cannot spell out the separators of a list.
  return `${javaClassOf(key)} ${JSON.stringify(convertToString(null, key))}`;
}
