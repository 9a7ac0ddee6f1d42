/**
 * setOwn: an own, enumerable, writable property on a plain object, for any key a record, a JSON
 * document or a properties file may hold. Assignment would call the `__proto__` accessor of
 * Object.prototype for that key (changing the object's prototype, adding no entry), so that key is
 * defined instead. Used where JSON objects and config maps are built or rewritten key by key.
 */

/** Sets `target[key]` as an own property, also for the key `__proto__`. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
