/**
 * JSONPath for record keys (`ingest.key.field`): plain member/index paths (`$.device.id`,
 * `$['device-id']`, `$.items[0]`; api/data/json-member-path.ts) compile to direct property access,
 * since it runs for every record; anything else (wildcards, recursive descent) goes through
 * jsonpath-plus with script evaluation off, taking the first match. A filter or script segment is
 * never evaluated (validation refuses it: api/data/json-path-problem.ts): a record reaching one has
 * no match.
 */
import { JSONPath } from "jsonpath-plus";
import { memberPathSegments } from "../api/data/json-member-path.ts";
import { invalidValueError } from "../util/invalid-value.ts";

export type JsonPathGetter = (document: unknown) => unknown;

/** Compiles `path`, or throws a ConfigError naming `configKey`. Missing values read as undefined. */
export function compileJsonPath(configured: string, configKey: string): JsonPathGetter {
  // Trimmed as validation reads it (a trailing space matched nothing).
  const path = configured.trim();
  const segments = memberPathSegments(path);
  if (segments) {
    return (document) => {
      let current: unknown = document;
      for (const s of segments) {
        // Own members only: a document lacking `constructor` has none (not Object's).
        if (current === null || typeof current !== "object" || !Object.hasOwn(current, s)) return undefined;
        current = (current as Record<string | number, unknown>)[s];
      }
      return current;
    };
  }
  try {
    JSONPath({ path, json: {}, eval: false, wrap: true });
  } catch (error) {
    throw invalidValueError(configKey, path, `not a JSONPath (${(error as Error).message})`);
  }
  return (document) => {
    if (document === null || typeof document !== "object") return undefined;
    try {
      const found = JSONPath({ path, json: document as object, eval: false, wrap: true }) as unknown[];
      return found[0];
    } catch {
      // A filter or script segment reached (validation refuses them; a stored config has one):
      // never evaluated, so no match, rather than failing the request.
      return undefined;
    }
  };
}
