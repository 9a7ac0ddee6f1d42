/**
 * The spool rows a SpoolWriter polled and Kafka has not yet acknowledged, in poll order (sequence
 * and size side by side). The ingest task commits in any order (SourceTask.commitsAnyOrder): a row
 * of a partition Kafka holds is acknowledged after later rows, so each acknowledgement takes exactly
 * its own row. It is looked for where the previous one's row ended, then from the oldest row
 * awaited on. A row never acknowledged (its batch given up) stays awaited, and in the spool.
 */

/** Rows past which compaction copies instead of waiting for more to pile up. */
const COMPACT_AFTER = 4096;

export class PolledRows {
  private seqs: number[] = [];
  private bytes: number[] = [];
  private taken: boolean[] = [];
  /** The oldest row not yet taken (or `seqs.length`). */
  private head = 0;
  /** Where the next acknowledgement is expected: just after the row of the previous one. */
  private next = 0;
  /** Rows after `head` taken out of poll order (dropped when they pile up). */
  private takenAhead = 0;

  add(seq: number, bytes: number): void {
    this.seqs.push(seq);
    this.bytes.push(bytes);
    this.taken.push(false);
  }

  /** The row's size, and it is no longer awaited; undefined when it is not awaited. */
  take(seq: number): number | undefined {
    const at = this.find(seq);
    if (at < 0) return undefined; // not polled by this writer, or acknowledged already
    this.taken[at] = true;
    this.next = at + 1;
    if (at === this.head) {
      let head = at + 1;
      while (head < this.seqs.length && this.taken[head]) {
        head++;
        this.takenAhead--;
      }
      this.head = head;
      if (this.next < head) this.next = head;
    } else this.takenAhead++;
    const bytes = this.bytes[at]!;
    this.compact();
    return bytes;
  }

  clear(): void {
    this.seqs = [];
    this.bytes = [];
    this.taken = [];
    this.head = 0;
    this.next = 0;
    this.takenAhead = 0;
  }

  /** The index of `seq`'s row still awaited, or -1: from the cursor on, then from the head up to it. */
  private find(seq: number): number {
    const seqs = this.seqs;
    const from = Math.max(this.head, this.next);
    let at = seqs.indexOf(seq, from);
    if (at < 0) at = seqs.indexOf(seq, this.head);
    return at >= 0 && !this.taken[at] ? at : -1;
  }

  private compact(): void {
    const head = this.head;
    const length = this.seqs.length;
    if (head === length) this.clear();
    else if (head > COMPACT_AFTER && head * 2 > length) this.keepFrom(head, () => true);
    else if (this.takenAhead > COMPACT_AFTER && this.takenAhead * 2 > length - head) {
      this.keepFrom(head, (i) => !this.taken[i]);
      this.takenAhead = 0;
    }
  }

  /** Keeps the rows from `head` on that `keep` says, in order; the cursor goes back to the oldest. */
  private keepFrom(head: number, keep: (i: number) => boolean): void {
    const seqs: number[] = [];
    const bytes: number[] = [];
    const taken: boolean[] = [];
    for (let i = head; i < this.seqs.length; i++) {
      if (!keep(i)) continue;
      seqs.push(this.seqs[i]!);
      bytes.push(this.bytes[i]!);
      taken.push(this.taken[i]!);
    }
    this.seqs = seqs;
    this.bytes = bytes;
    this.taken = taken;
    this.head = 0;
    this.next = 0;
  }
}
