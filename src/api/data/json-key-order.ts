/**
 * JSON objects' keys in the text's order. `JSON.parse` enumerates integer-like keys ("10", "2024")
 * first, in numeric order; Jackson (a LinkedHashMap) keeps the text's order, and JsonConverter puts
 * the keys into its HashMap in that order, which decides the order within a hash bucket
 * (java-map-order.ts). Only texts with an integer-like key are scanned.
 */
import { isIntegerLikeKey, setObjectKeyOrder } from "./java-map-order.ts";
import { isPlainObject } from "./schemaless.ts";

const INTEGER_LIKE_KEY = /"(?:0|[1-9]\d*)"\s*:/;

/** Records, for every object of `value` (`text` parsed) with an integer-like key, its keys in `text`'s order. */
export function recordJsonKeyOrder(text: string, value: unknown): void {
  if (INTEGER_LIKE_KEY.test(text)) scan(text, 0, value);
}

const SPACE = /[ \t\n\r]/;
const VALUE_END = /[ \t\n\r,\]}]/;

function skipSpace(text: string, at: number): number {
  while (at < text.length && SPACE.test(text[at]!)) at++;
  return at;
}

/** The index after the JSON string starting at `at`. */
function stringEnd(text: string, at: number): number {
  for (let i = at + 1; ; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === '"' || c === undefined) return i + 1;
  }
}

/**
 * Scans the JSON value at `at`, `target` being what it parsed to (undefined to only skip it), and
 * returns the index after it. A duplicated key's earlier values scan against the last one's value:
 * a wrong order they record has other keys (refused) or is recorded again by the last one.
 */
function scan(text: string, at: number, target: unknown): number {
  at = skipSpace(text, at);
  const c = text[at];
  if (c === "{") {
    const object = isPlainObject(target) ? (target as Record<string, unknown>) : undefined;
    const keys = new Set<string>();
    at = skipSpace(text, at + 1);
    if (text[at] === "}") return at + 1;
    for (;;) {
      const end = stringEnd(text, at);
      const key = JSON.parse(text.slice(at, end)) as string;
      const child = object !== undefined && Object.hasOwn(object, key) ? object[key] : undefined;
      at = skipSpace(text, scan(text, skipSpace(text, end) + 1, child));
      keys.add(key);
      if (text[at] !== ",") break;
      at = skipSpace(text, at + 1);
    }
    if (object !== undefined && [...keys].some(isIntegerLikeKey)) setObjectKeyOrder(object, [...keys]);
    return at + 1;
  }
  if (c === "[") {
    at = skipSpace(text, at + 1);
    if (text[at] === "]") return at + 1;
    for (let i = 0; ; i++) {
      at = skipSpace(text, scan(text, at, Array.isArray(target) ? target[i] : undefined));
      if (text[at] !== ",") return at + 1;
      at++;
    }
  }
  if (c === '"') return stringEnd(text, at);
  while (at < text.length && !VALUE_END.test(text[at]!)) at++;
  return at;
}
