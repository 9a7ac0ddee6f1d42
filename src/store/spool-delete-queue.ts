/**
 * SpoolDeleteQueue: SpoolStore's deletes on their way to the spool worker. Records Kafka
 * acknowledged (or refused for good: with a quarantine entry) are queued and sent once per
 * event-loop turn, coalesced into ranges (spool-protocol.ts deleteRanges); they ride the worker's
 * next commit, and a row goes with its last record.
 *
 * Deletes that carry quarantined records go as a call the worker answers once they are written
 * (later, if a full disk made it keep them for a retry): `quarantineWritten` waits for them, so
 * that a source offset past such a record is committed only after it is in the quarantine. Before
 * (crashhunt P2), a kill -9 between the offset's commit in gateway.db and the worker's write left
 * an offset covering a row still in the spool, which the next start's deleteThrough deleted: the
 * record was gone, never quarantined.
 */
import { deleteRanges } from "./spool-protocol.ts";
import type { QuarantineEntry } from "./spool-quarantine.ts";
import type { SpoolWorkerChannel } from "./spool-worker-channel.ts";

export class SpoolDeleteQueue {
  private deletes: [string, number][] = [];
  /** Bytes of the records `deletes` covers. */
  private bytes = 0;
  private quarantined: QuarantineEntry[] = [];
  private scheduled = false;
  /** Sent deletes with quarantined records the worker has not answered yet. */
  private readonly unwritten = new Set<Promise<unknown>>();

  constructor(
    private readonly channel: SpoolWorkerChannel,
    /** Why the spool failed (nothing more is sent), if it did. */
    private readonly failure: () => Error | undefined,
  ) {}

  add(partition: string, seq: number, bytes: number, quarantine?: Omit<QuarantineEntry, "partition" | "seq">): void {
    this.deletes.push([partition, seq]);
    this.bytes += bytes;
    if (quarantine) this.quarantined.push({ partition, seq, ...quarantine });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Sends what is queued now. */
  flush(): void {
    this.scheduled = false;
    if (this.deletes.length === 0 || this.failure()) return;
    const ranges = deleteRanges(this.deletes);
    const [quarantine, bytes] = [this.quarantined, this.bytes];
    [this.deletes, this.quarantined, this.bytes] = [[], [], 0];
    if (quarantine.length === 0) {
      this.channel.post({ op: "delete", ranges, bytes });
      return;
    }
    const written = this.channel.call({ op: "delete", id: this.channel.id(), ranges, bytes, quarantine });
    this.unwritten.add(written);
    void written.catch(() => undefined).finally(() => this.unwritten.delete(written));
  }

  /** Resolves once every record queued for the quarantine so far is in the file; rejects if the spool failed first. */
  async quarantineWritten(): Promise<void> {
    this.flush();
    await Promise.all(this.unwritten);
    // Failed before they were sent (flush sends nothing then), or after: not known to be written.
    const failure = this.failure();
    if (failure) throw failure;
  }
}
