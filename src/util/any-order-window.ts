/**
 * AnyOrderWindow: entries handed out in order and each taken back once, mostly in that order but in any order allowed.
 * Used by SentRecords (the records an IngestQueue polled) and PolledRows (the spool rows a SpoolWriter polled), whose
 * entries Kafka acknowledges in poll order, or out of it for a task that commits in any order
 * (SourceTask.commitsAnyOrder: a partition Kafka holds is acknowledged after later ones).
 *
 * An entry is matched at a cursor just after the previous one taken, so in order a take costs O(1) and no map of the
 * entries is kept up per entry. Otherwise it is searched for: the oldest entry not taken first (the one a stuck
 * partition held, taken at last), then forward from the cursor (entries taken ahead of a held one, in increasing order,
 * each found next to the previous: O(1) amortised), then between the two. Acknowledgements come per partition, in
 * pieces interleaved in order: a piece whose first entry lies before the cursor walks every entry kept once, so each
 * piece (not each entry) costs up to every entry kept. Taken entries are dropped once no older one is awaited, or once
 * those taken ahead of an awaited one pile up.
 *
 * The window reads and marks its entries through one AnyOrderEntries given at construction: no closure per entry. A
 * take allocates only when it compacts (amortised over the entries dropped), or a new empty array when it empties the
 * window (truncating would keep the room of every entry it ever held). An entry the head moves past is let go at once
 * (its element cleared), not at the next compaction: a caller's entry may hold a whole request alive.
 */

/** How a window reads its entries: their key (compared with ===) and whether they were taken, and marks them taken. */
export interface AnyOrderEntries<E, K> {
  keyOf(entry: E): K;
  isTaken(entry: E): boolean;
  markTaken(entry: E): void;
}

/** Entries past which compaction copies instead of waiting for more to pile up. */
const COMPACT_AFTER = 4096;

export class AnyOrderWindow<E, K> {
  /**
   * Entries in the order handed out. Those before `head` are taken and cleared (undefined: let go at once; the slots
   * are dropped when compacting); from `head` on every element is an entry, and nothing reads below `head`.
   */
  private entries: (E | undefined)[] = [];
  /** The oldest entry not yet taken (or `entries.length`). */
  private head = 0;
  /** Where the next take is expected: just after the entry of the previous one (never before `head`). */
  private cursor = 0;
  /** Entries after `head` taken out of order (dropped when they pile up). */
  private takenAhead = 0;
  /** @internal Entries a take examined because its entry was not at the cursor. */
  searchVisits = 0;

  constructor(private readonly of: AnyOrderEntries<E, K>) {}

  push(entry: E): void {
    this.entries.push(entry);
  }

  /** Marks the entry of `key` taken and returns it; null when there is none not taken (never pushed, or taken already). */
  take(key: K): E | null {
    const entries = this.entries;
    const of = this.of;
    let i = this.cursor;
    if (i >= entries.length || of.keyOf(entries[i]!) !== key || of.isTaken(entries[i]!)) {
      i = this.find(key);
      if (i < 0) return null;
    }
    const entry = entries[i]!;
    of.markTaken(entry);
    this.cursor = i + 1;
    if (i === this.head) this.advanceHead();
    else this.takenAhead++;
    this.compact();
    return entry;
  }

  /** The entries not taken, in order. */
  untaken(): E[] {
    const out: E[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (!this.of.isTaken(entry)) out.push(entry);
    }
    return out;
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries = [];
    this.head = 0;
    this.cursor = 0;
    this.takenAhead = 0;
  }

  /** The index of `key`'s entry not taken, or -1: the head, then forward from the cursor, then between them. */
  private find(key: K): number {
    const entries = this.entries;
    const of = this.of;
    const head = this.head;
    if (head < entries.length) {
      this.searchVisits++;
      if (of.keyOf(entries[head]!) === key) return head;
    }
    const from = Math.max(head + 1, this.cursor);
    for (let i = from; i < entries.length; i++) {
      this.searchVisits++;
      if (of.keyOf(entries[i]!) === key) return of.isTaken(entries[i]!) ? -1 : i;
    }
    for (let i = head + 1; i < from; i++) {
      this.searchVisits++;
      if (of.keyOf(entries[i]!) === key) return of.isTaken(entries[i]!) ? -1 : i;
    }
    return -1;
  }

  /** Moves `head` past taken entries, letting go of each. */
  private advanceHead(): void {
    const entries = this.entries;
    let head = this.head;
    entries[head++] = undefined;
    while (head < entries.length && this.of.isTaken(entries[head]!)) {
      entries[head++] = undefined;
      this.takenAhead--;
    }
    this.head = head;
    if (this.cursor < head) this.cursor = head;
  }

  private compact(): void {
    const entries = this.entries;
    const head = this.head;
    if (head === entries.length) this.clear();
    else if (head > COMPACT_AFTER && head * 2 > entries.length) {
      this.entries = entries.slice(head);
      this.head = 0;
      this.cursor -= head;
    } else if (this.takenAhead > COMPACT_AFTER && this.takenAhead * 2 > entries.length - head) {
      // Taken out of order: dropped. Entries not taken stay, in order; the cursor keeps pointing at the same one.
      const kept: (E | undefined)[] = [];
      let cursor = -1;
      for (let i = head; i < entries.length; i++) {
        if (i === this.cursor) cursor = kept.length;
        if (!this.of.isTaken(entries[i]!)) kept.push(entries[i]!);
      }
      this.entries = kept;
      this.head = 0;
      this.cursor = cursor < 0 ? kept.length : cursor;
      this.takenAhead = 0;
    }
  }
}
