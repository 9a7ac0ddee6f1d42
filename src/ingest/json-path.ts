/**
 * JSONPath for record keys (`ingest.key.field`): plain member/index paths (`$.device.id`,
 * `$['device-id']`, `$.items[0]`) compile to direct property access, since it runs for every
 * record; anything else (filters, wildcards, recursive descent) goes through jsonpath-plus with
 * script evaluation off, taking the first match.
 */
import { JSONPath } from "jsonpath-plus";
import { ConfigError } from "../errors.ts";

export type JsonPathGetter = (document: unknown) => unknown;

const SEGMENT = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\])/;

function simpleSegments(path: string): (string | number)[] | undefined {
  if (!path.startsWith("$")) return undefined;
  const out: (string | number)[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (!m) return undefined;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push((m[3] ?? m[4])!.replace(/\\(.)/g, "$1"));
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** Compiles `path`, or throws a ConfigError naming `configKey`. Missing values read as undefined. */
export function compileJsonPath(path: string, configKey: string): JsonPathGetter {
  const segments = simpleSegments(path.trim());
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
    const message = `Invalid value ${path} for configuration ${configKey}: not a JSONPath (${(error as Error).message})`;
    throw new ConfigError(message, new Map([[configKey, [message]]]));
  }
  return (document) => {
    if (document === null || typeof document !== "object") return undefined;
    const found = JSONPath({ path, json: document as object, eval: false, wrap: true }) as unknown[];
    return found[0];
  };
}
