/**
 * Connect record headers (org.apache.kafka.connect.header.Headers): an ordered list of
 * key/value/schema entries; keys may repeat. Immutable here: every change returns a new Headers,
 * so a transformed record never changes the headers of the record it came from.
 */
import type { Schema } from "./schema.ts";

export interface Header {
  readonly key: string;
  readonly value: unknown;
  readonly schema: Schema | null;
}

export class Headers implements Iterable<Header> {
  static readonly EMPTY = new Headers([]);

  constructor(private readonly entries: readonly Header[] = []) {}

  static of(entries: Iterable<Header>): Headers {
    return new Headers([...entries]);
  }

  get size(): number {
    return this.entries.length;
  }

  [Symbol.iterator](): Iterator<Header> {
    return this.entries[Symbol.iterator]();
  }

  toArray(): readonly Header[] {
    return this.entries;
  }

  lastWithName(key: string): Header | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]!.key === key) return this.entries[i];
    return undefined;
  }

  allWithName(key: string): Header[] {
    return this.entries.filter((h) => h.key === key);
  }

  add(key: string, value: unknown, schema: Schema | null): Headers {
    return new Headers([...this.entries, { key, value, schema }]);
  }

  remove(key: string): Headers {
    return new Headers(this.entries.filter((h) => h.key !== key));
  }

  /** Removes every header with one of `keys`. */
  removeAll(keys: ReadonlySet<string>): Headers {
    return new Headers(this.entries.filter((h) => !keys.has(h.key)));
  }
}
