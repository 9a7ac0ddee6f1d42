/**
 * SentRecords: the records an IngestQueue handed to a poll and awaits Kafka's acknowledgement of.
 *
 * Records are kept in poll order, the order the runtime acknowledges them in (SourceTask contract), or out of it for a
 * task that commits in any order (SourceTask.commitsAnyOrder): an AnyOrderWindow keyed by the record, so in order an
 * acknowledgement costs O(1) and no map of sent records is kept up per record. A record keeps its place until
 * acknowledged, even once its request aborted ("abandoned"), so that acknowledgement too is found at the window's
 * cursor and not searched for.
 * Called by IngestQueue only, on the event loop.
 */
import type { SourceRecord } from "../../api/record.ts";
import { type AnyOrderEntries, AnyOrderWindow } from "../../util/any-order-window.ts";

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

/** A slot is taken from the window once acknowledged: "sent" and "abandoned" ones are awaited alike. */
const slots: AnyOrderEntries<SentSlot, SourceRecord> = {
  keyOf: (slot) => slot.record,
  isTaken: (slot) => slot.state === "acked",
  markTaken: (slot) => {
    slot.state = "acked";
  },
};

export class SentRecords<S extends SentSlot> {
  private readonly window = new AnyOrderWindow<S, SourceRecord>(slots);

  /** @internal Slots an acknowledgement examined because its record was not where expected. */
  get ackSearchVisits(): number {
    return this.window.searchVisits;
  }

  /** `slot` was just polled (state "sent"). */
  push(slot: S): void {
    this.window.push(slot);
  }

  /**
   * Kafka acknowledged `record`: its slot becomes "acked". Returns the slot when it was awaiting
   * its outcome ("sent") or abandoned (its request already has its outcome: IngestQueue tells the
   * late one to a request that asked for it); null when it was not sent from here, or was already
   * acknowledged.
   */
  ack(record: SourceRecord): S | null {
    return this.window.take(record);
  }

  /** Every slot still awaiting its outcome ("sent"), in poll order; each keeps its place. */
  awaiting(): S[] {
    return this.window.untaken().filter((slot) => slot.state === "sent");
  }

  /** Every slot not acknowledged ("sent" or "abandoned"), in poll order; forgets all slots. */
  takeUnacked(): S[] {
    const out = this.window.untaken();
    this.window.clear();
    return out;
  }
}
