/**
 * JSON objects' keys in the text's order. `JSON.parse` enumerates integer-like keys ("10", "2024")
 * first, in numeric order; Jackson (a LinkedHashMap) keeps the text's order, and JsonConverter puts
 * the keys into its HashMap in that order, which decides the order within a hash bucket
 * (java-map-order.ts). Only texts that parsed to an object with an integer-like key are scanned.
 */
import { isIntegerLikeKey, setObjectKeyOrder } from "./java-map-order.ts";
import { isPlainObject } from "./schemaless.ts";

/** Records, for every object of `value` (`text` parsed) with an integer-like key, its keys in `text`'s order. */
export function recordJsonKeyOrder(text: string, value: unknown): void {
  if (hasIntegerLikeKey(value)) scan(text, 0, value);
}

/**
 * Whether an object in `value` has an integer-like key. JavaScript enumerates those first, so an
 * object has one exactly when its first key is one: one key looked at per object, whatever the
 * text's spelling of the key (`"\u0031"` too). A loop, not recursion: JSON.parse reads deeper
 * nesting than the call stack allows.
 */
export function hasIntegerLikeKey(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (Array.isArray(item)) {
      for (const element of item) if (element !== null && typeof element === "object") pending.push(element);
    } else if (item !== null && typeof item === "object") {
      if (firstKeyIsIntegerLike(item)) return true;
      for (const key in item) {
        const child = (item as Record<string, unknown>)[key];
        if (child !== null && typeof child === "object") pending.push(child);
      }
    }
  }
  return false;
}

function firstKeyIsIntegerLike(object: object): boolean {
  for (const key in object) return isIntegerLikeKey(key);
  return false;
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipSpace(text: string, at: number): number {
  while (isSpace(text.charCodeAt(at))) at++;
  return at;
}

/** The end of a number, `true`, `false` or `null`: white space, `,`, `]`, `}` or the text's end. */
function isValueEnd(c: number): boolean {
  return Number.isNaN(c) || isSpace(c) || c === 0x2c || c === 0x5d || c === 0x7d;
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
    // Only an object with an integer-like key (the first one, see hasIntegerLikeKey) needs its order.
    const keys = object !== undefined && firstKeyIsIntegerLike(object) ? new Set<string>() : undefined;
    at = skipSpace(text, at + 1);
    if (text[at] === "}") return at + 1;
    for (;;) {
      const end = stringEnd(text, at);
      const raw = text.slice(at + 1, end - 1);
      const key = raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
      const child = object !== undefined && Object.hasOwn(object, key) ? object[key] : undefined;
      at = skipSpace(text, scan(text, skipSpace(text, end) + 1, child));
      keys?.add(key);
      if (text[at] !== ",") break;
      at = skipSpace(text, at + 1);
    }
    if (keys !== undefined) setObjectKeyOrder(object as object, [...keys]);
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
  while (!isValueEnd(text.charCodeAt(at))) at++;
  return at;
}
