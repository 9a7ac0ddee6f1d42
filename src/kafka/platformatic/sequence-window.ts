/**
 * SequenceWindow: how far past its oldest batch not settled an idempotent producer's partition may
 * send new batches. The broker recognises a retry of one of the producer's last 5 batches of a
 * partition (Kafka keeps their metadata per producer: ProducerStateEntry, NUM_BATCHES_TO_RETAIN) and
 * answers it as written; a retry of an older one it answers OUT_OF_ORDER_SEQUENCE_NUMBER, which the
 * pipeline takes for "not written" (PartitionBatches.verdict: the broker lost this producer's
 * state) and sends again at the next epoch: written twice. Counting only the batches on the wire
 * does not bound this: a batch whose answer was lost may be in the log while its retry fails before
 * it reaches the broker (NOT_LEADER_OR_FOLLOWER, a connection that broke before the write) and later
 * batches, on the wire beside it, are written; round after round, more than 4 are written after it.
 *
 * So a batch takes a new sequence only while fewer than 5 batches took one since the oldest batch not
 * settled that has one (each batch's place is counted in the order batches took their sequences; a
 * split's pieces one each): a batch that may be in the log is always among the broker's last 5
 * batches when it goes again, as Java's producer keeps it (at most 5 requests in flight, and a batch
 * being retried goes before any new one).
 */
/** A batch as the window sees it: its place among those that took a sequence since the last restart (-1: none yet). */
export interface Placed {
  place: number;
}

export class SequenceWindow {
  private next = 0;

  constructor(private readonly size: number) {}

  /** Whether a batch may take a sequence now; `oldest`: the oldest batch not settled that has one. */
  open(oldest: Placed | undefined): boolean {
    if (oldest === undefined) return true;
    return this.next - (oldest.place >= 0 ? oldest.place : this.next) < this.size;
  }

  /** `b` took the next sequence. */
  take(b: Placed): void {
    b.place = this.next++;
  }

  /** `pieces` took `big`'s sequences: one place each, from `big`'s on. */
  split(big: Placed, pieces: readonly Placed[]): void {
    const at = big.place >= 0 ? big.place : this.next;
    for (let i = 0; i < pieces.length; i++) pieces[i]!.place = at + i;
    this.next += pieces.length - 1;
  }

  /** Sequences start again from 0 (the partition's next epoch): batches take places from 0 again. */
  restart(): void {
    this.next = 0;
  }
}
