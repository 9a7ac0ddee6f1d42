/**
 * A first-in first-out queue whose `shift` is O(1) amortized (Array.prototype.shift moves every
 * item left: O(n) each, O(n²) to drain a long queue). Taken items are cleared at once (no reference
 * kept) and the taken prefix is dropped once it is half the storage, so memory follows the items held.
 */

/** Taken items kept in front before the storage is compacted, at least. */
const COMPACT_AFTER = 1024;

export class FifoQueue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The item `shift` would take, without taking it. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}
