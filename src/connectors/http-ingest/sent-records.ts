/**
 * SentRecords: the records an IngestQueue handed to a poll and awaits Kafka's acknowledgement of.
 *
 * Records are kept in poll order, the order the runtime acknowledges them in (SourceTask
 * contract): an acknowledgement is matched at a cursor just after the previous one's record, so in
 * order it costs O(1) and no map of sent records is kept up per record. A record keeps its place
 * until acknowledged, even once its request aborted ("abandoned"), so that acknowledgement too is
 * found at the cursor and not searched for. Acknowledged slots are dropped when compacting. Only an
 * acknowledgement out of poll order or a repeated one searches: forward from the cursor first, so records handed
 * out ahead of a held one (SourceTask.commitsAnyOrder), in increasing poll order, cost O(1) amortised. Kafka hands
 * them out per partition (pieces, interleaved in poll order): a piece whose first record lies before the cursor walks
 * the slots after the cursor, then those from the oldest one awaited to it, so each piece (not each record) costs up
 * to every slot kept.
 * Called by IngestQueue only, on the event loop.
 */
import type { SourceRecord } from "../../api/record.ts";

/**
 * queued: not yet polled. sent: polled, no outcome yet. abandoned: polled, failed (its request
 * aborted), its acknowledgement still to come. acked: acknowledged. withdrawn: failed before polled.
 */
export type SlotState = "queued" | "sent" | "abandoned" | "acked" | "withdrawn";

/** What SentRecords needs of a slot: its record and its state (set to "acked" here). */
export interface SentSlot {
  readonly record: SourceRecord;
  state: SlotState;
}

/** Slots past which compaction copies instead of waiting for more to pile up. */
const COMPACT_AFTER = 4096;

export class SentRecords<S extends SentSlot> {
  /** Polled slots in poll order; those before `head` are acknowledged (dropped when compacting). */
  private slots: S[] = [];
  /** The oldest slot in `slots` not yet acknowledged (or `slots.length`). */
  private head = 0;
  /** Where the next acknowledgement is expected: just after the slot of the previous one. */
  private ackNext = 0;
  /** Slots after `head` acknowledged out of poll order (dropped when they pile up). */
  private ackedAhead = 0;
  /** @internal Slots an acknowledgement examined because its record was not where expected. */
  ackSearchVisits = 0;

  /** `slot` was just polled (state "sent"). */
  push(slot: S): void {
    this.slots.push(slot);
  }

  /**
   * Kafka acknowledged `record`: its slot becomes "acked". Returns the slot when it was awaiting
   * its outcome ("sent") or abandoned (its request already has its outcome: IngestQueue tells the
   * late one to a request that asked for it); null when it was not sent from here, or was already
   * acknowledged.
   */
  ack(record: SourceRecord): S | null {
    const slots = this.slots;
    let i = this.ackNext;
    if (i >= slots.length || slots[i]!.record !== record || slots[i]!.state === "acked") {
      i = this.find(record);
      if (i < 0) return null;
    }
    const slot = slots[i]!;
    this.ackNext = i + 1;
    slot.state = "acked";
    if (i === this.head) this.advanceHead();
    else this.ackedAhead++;
    this.compact();
    return slot;
  }

  /** Every slot still awaiting its outcome ("sent"), in poll order; each keeps its place. */
  awaiting(): S[] {
    const out: S[] = [];
    for (let i = this.head; i < this.slots.length; i++) if (this.slots[i]!.state === "sent") out.push(this.slots[i]!);
    return out;
  }

  /** Every slot not acknowledged ("sent" or "abandoned"), in poll order; forgets all slots. */
  takeUnacked(): S[] {
    const out: S[] = [];
    for (let i = this.head; i < this.slots.length; i++) if (this.slots[i]!.state !== "acked") out.push(this.slots[i]!);
    this.slots = [];
    this.head = 0;
    this.ackNext = 0;
    this.ackedAhead = 0;
    return out;
  }

  /**
   * The index of `record`'s slot still awaiting its acknowledgement, or -1. The head is looked at first, then forward
   * from the cursor, then between them: a task that commits in any order (SourceTask.commitsAnyOrder) acknowledges records ahead
   * of a held one in increasing poll order, each found next to the previous.
   */
  private find(record: SourceRecord): number {
    const slots = this.slots;
    const head = this.head;
    // The oldest first: the record a stuck partition held, acknowledged at last.
    if (head < slots.length) {
      this.ackSearchVisits++;
      if (slots[head]!.record === record) return head;
    }
    const from = Math.max(head + 1, this.ackNext);
    for (let i = from; i < slots.length; i++) {
      this.ackSearchVisits++;
      if (slots[i]!.record === record) return slots[i]!.state === "acked" ? -1 : i;
    }
    for (let i = head + 1; i < from; i++) {
      this.ackSearchVisits++;
      if (slots[i]!.record === record) return slots[i]!.state === "acked" ? -1 : i;
    }
    return -1;
  }

  /** Moves `head` past acknowledged slots. */
  private advanceHead(): void {
    const slots = this.slots;
    let head = this.head + 1;
    while (head < slots.length && slots[head]!.state === "acked") {
      head++;
      this.ackedAhead--;
    }
    this.head = head;
    if (this.ackNext < head) this.ackNext = head;
  }

  private compact(): void {
    const slots = this.slots;
    const head = this.head;
    if (head === slots.length) {
      if (slots.length > 0) this.slots = [];
      this.head = 0;
      this.ackNext = 0;
      this.ackedAhead = 0;
    } else if (head > COMPACT_AFTER && head * 2 > slots.length) {
      this.slots = slots.slice(head);
      this.head = 0;
      this.ackNext = Math.max(0, this.ackNext - head);
    } else if (this.ackedAhead > COMPACT_AFTER && this.ackedAhead * 2 > slots.length - head) {
      // Acknowledged out of poll order: dropped. Slots awaiting an acknowledgement (sent or
      // abandoned) stay, in order; `ackNext` keeps pointing at the same one.
      const kept: S[] = [];
      let ackNext = 0;
      for (let i = head; i < slots.length; i++) {
        if (i === this.ackNext) ackNext = kept.length;
        if (slots[i]!.state !== "acked") kept.push(slots[i]!);
      }
      this.slots = kept;
      this.head = 0;
      this.ackNext = this.ackNext >= slots.length ? kept.length : ackNext;
      this.ackedAhead = 0;
    }
  }
}
