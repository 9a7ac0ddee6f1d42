/**
 * The final offset of a poll whose last record did not carry it. A poll's last record carries the
 * poll's final offset only when that record is on the poll's last page; when the poll ends on a
 * page without a new record (an empty page after a full OFFSET page, a CURSOR page `[]`, newest-first
 * pages whose later records are all older than the offset), or ends early (a repeated page, a 4xx),
 * the last record delivered says "in the middle of the poll, resume at this page". Committed as is,
 * a restart would run that finished poll again from its start offset, and deliver again what its
 * pages hold by then after the skipped position.
 *
 * So the task hands the final offset to the runtime (SourceTask.updateOffsets, a gateway
 * extension) once Kafka acknowledged that last record, and only then: never ahead of a record in
 * flight. If later records are acknowledged first, their own offsets supersede it and it is dropped.
 * A poll that delivered no record at all ends after the last record the task delivered (none yet:
 * due at once): its final offset stores when it started, so a restart waits for the next poll of
 * the schedule instead of polling at once.
 */
import type { SourceMap, SourceRecord } from "../../api/record.ts";

interface Pending {
  readonly after: SourceRecord | undefined;
  readonly offset: SourceMap;
  acked: boolean;
}

export class FinalOffset {
  private pending: Pending | undefined;
  private lastAcked: SourceRecord | undefined;

  /** A poll ended after `last` was delivered, which carries another offset: `offset` is the poll's final one. */
  ended(last: SourceRecord | undefined, offset: SourceMap): void {
    this.pending = { after: last, offset, acked: this.lastAcked === last };
  }

  /** Kafka acknowledged `records` (one poll batch, in poll order). */
  acknowledged(records: readonly SourceRecord[]): void {
    const last = records.at(-1);
    if (last === undefined) return;
    const p = this.pending;
    if (p) {
      if (p.acked) this.pending = undefined;
      else if (last === p.after) p.acked = true;
      else if (p.after && records.includes(p.after)) this.pending = undefined;
    }
    this.lastAcked = last;
  }

  /** The offset to commit for `partition` now, if there is one (taken: returned once). */
  take(partition: SourceMap): { partition: SourceMap; offset: SourceMap }[] | null {
    if (!this.pending?.acked) return null;
    const { offset } = this.pending;
    this.pending = undefined;
    return [{ partition, offset }];
  }
}
