/**
 * The spool rows a SpoolWriter polled and Kafka has not yet acknowledged, in poll order (sequence
 * and size side by side from `head` on). The runtime acknowledges in poll order, so an
 * acknowledgement finds its row at the head, or just after rows it never acknowledges (which then
 * stay in the spool).
 */
export class PolledRows {
  private seqs: number[] = [];
  private bytes: number[] = [];
  private head = 0;

  add(seq: number, bytes: number): void {
    this.seqs.push(seq);
    this.bytes.push(bytes);
  }

  /** The row's size, and it and the rows polled before it are no longer awaited; undefined when it is not awaited. */
  take(seq: number): number | undefined {
    let at = this.head;
    if (this.seqs[at] !== seq) {
      at = this.seqs.indexOf(seq, at);
      if (at < 0) return undefined; // not polled by this writer, or acknowledged already
    }
    const bytes = this.bytes[at]!;
    this.head = at + 1;
    if (this.head === this.seqs.length) this.clear();
    else if (this.head > 4096 && this.head * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.head);
      this.bytes = this.bytes.slice(this.head);
      this.head = 0;
    }
    return bytes;
  }

  clear(): void {
    this.seqs = [];
    this.bytes = [];
    this.head = 0;
  }
}
