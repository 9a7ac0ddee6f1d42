/**
 * RecordBuffer: the HTTP sink task's records between `put` and delivery, one FIFO lane per
 * consumed topic-partition. It decides when to flush and what goes into the next request, and
 * what offsets are safe to commit.
 *
 * Ordering rule: a lane is either idle or has exactly one request in flight (including its
 * retries); a request takes a prefix of each lane it draws from. So records of one partition reach
 * the endpoint in order, and everything before a lane's first pending record is done (delivered or
 * reported as errant): that record's offset is the lane's committable offset.
 *
 * Flushing (Flink's AsyncSinkWriter rule, evaluated over idle lanes): flush when the buffered
 * records reach `maxBatchRecords`, their bytes reach `flushBytes`, or the oldest has waited
 * `flushTimeoutMs`. A request holds up to `requestRecords` records and `flushBytes` bytes (at
 * least one record), drawn oldest lane first, from lanes whose next records share its route.
 *
 * Memory: `bytes` is what the records hold (their `held` weight, RecordWeight) from `add` until
 * done, plus the body of each request in flight; a record's slot in its lane is cleared when a
 * request takes it, so a delivered record is freed with its request, not at the next compaction.
 */
import { type EncodedRecord, encodedSize } from "./record-encoder.ts";

export interface BufferLimits {
  readonly maxBatchRecords: number;
  readonly flushBytes: number;
  readonly flushTimeoutMs: number;
  /** 1 in single mode. */
  readonly requestRecords: number;
}

interface Lane {
  readonly key: string;
  /** Its records; those before `head` were taken by requests (their slots cleared). */
  readonly queue: (EncodedRecord | undefined)[];
  head: number;
  /** Bytes (batch-body size) of the waiting records. */
  bytes: number;
  /** Held bytes (RecordWeight) of the waiting records. */
  held: number;
  /** The lane's request in flight, if any, and the offset of its first record from this lane. */
  inFlight: { readonly request: TakenRequest; readonly from: number } | undefined;
}

export interface TakenRequest {
  readonly records: readonly EncodedRecord[];
  readonly lanes: readonly string[];
  /** Its records' batch-body bytes (the size of its body). */
  readonly bytes: number;
  /** What it holds in memory: its records' held bytes and its body. */
  readonly held: number;
}

export class RecordBuffer {
  private readonly lanes = new Map<string, Lane>();
  /** Records waiting (not in a request). */
  private waitingCount = 0;
  /** Records in requests in flight. */
  private inFlightCount = 0;
  /** Held bytes of the records waiting and in flight, and the bodies of the requests in flight. */
  private heldBytes = 0;
  private newest = 0;

  constructor(private readonly limits: BufferLimits) {}

  /** Records buffered or in flight (what backpressure bounds). */
  get size(): number {
    return this.waitingCount + this.inFlightCount;
  }

  /** Bytes the records buffered or in flight hold, with the bodies of requests in flight (what backpressure bounds too). */
  get bytes(): number {
    return this.heldBytes;
  }

  get waiting(): number {
    return this.waitingCount;
  }

  /** The `seq` of the last record added (0 before any): what a flush now releases up to. */
  get newestSeq(): number {
    return this.newest;
  }

  add(record: EncodedRecord): void {
    this.newest = record.seq;
    let lane = this.lanes.get(record.tp);
    if (!lane) {
      lane = { key: record.tp, queue: [], head: 0, bytes: 0, held: 0, inFlight: undefined };
      this.lanes.set(record.tp, lane);
    }
    lane.queue.push(record);
    lane.bytes += encodedSize(record);
    lane.held += record.held;
    this.heldBytes += record.held;
    this.waitingCount++;
  }

  private *idle(): Generator<Lane> {
    for (const lane of this.lanes.values())
      if (lane.inFlight === undefined && lane.head < lane.queue.length) yield lane;
  }

  /** Whether idle lanes hold a flush's worth, or a record older than the timeout (`force`: anything). */
  flushable(now: number, force = false): boolean {
    let count = 0;
    let bytes = 0;
    for (const lane of this.idle()) {
      if (force || now - lane.queue[lane.head]!.enqueuedAt >= this.limits.flushTimeoutMs) return true;
      count += lane.queue.length - lane.head;
      bytes += lane.bytes;
      if (count >= this.limits.maxBatchRecords || bytes >= this.limits.flushBytes) return true;
    }
    return false;
  }

  /** When the oldest waiting record of an idle lane reaches the flush timeout, or undefined. */
  nextTimeout(): number | undefined {
    let oldest: number | undefined;
    for (const lane of this.idle()) {
      const at = lane.queue[lane.head]!.enqueuedAt;
      if (oldest === undefined || at < oldest) oldest = at;
    }
    return oldest === undefined ? undefined : oldest + this.limits.flushTimeoutMs;
  }

  /**
   * The next request (at most `maxRecords`, none encoded after `upToSeq`: those a flush released), or
   * undefined when no idle lane has such records. Its lanes become busy.
   */
  take(maxRecords = Number.POSITIVE_INFINITY, upToSeq = Number.POSITIVE_INFINITY): TakenRequest | undefined {
    const lanes = [...this.idle()]
      .filter((lane) => lane.queue[lane.head]!.seq <= upToSeq)
      .sort((a, b) => a.queue[a.head]!.enqueuedAt - b.queue[b.head]!.enqueuedAt);
    const first = lanes[0];
    if (!first) return undefined;
    const route = first.queue[first.head]!.route;
    // A DELETE (a null value under behavior.on.null.values=delete) is a request of its own.
    const limit =
      first.queue[first.head]!.method === undefined ? Math.max(1, Math.min(maxRecords, this.limits.requestRecords)) : 1;
    const records: EncodedRecord[] = [];
    const taken: [Lane, number][] = [];
    // `[` plus, per record, its bytes and the `,` or `]` after it: the exact batch body size.
    let bytes = 1;
    let held = 0;
    for (const lane of lanes) {
      if (records.length >= limit) break;
      const start = lane.head;
      while (lane.head < lane.queue.length && records.length < limit) {
        const r = lane.queue[lane.head]!;
        if (r.route !== route || r.seq > upToSeq) break;
        const size = encodedSize(r);
        if (records.length > 0 && bytes + size > this.limits.flushBytes) break;
        records.push(r);
        bytes += size;
        held += r.held;
        lane.bytes -= size;
        lane.held -= r.held;
        lane.queue[lane.head++] = undefined; // the request holds it now, until it is done
      }
      if (lane.head > start) taken.push([lane, records[records.length - (lane.head - start)]!.offset]);
      if (records.length > 0 && bytes >= this.limits.flushBytes) break;
    }
    this.waitingCount -= records.length;
    this.inFlightCount += records.length;
    // Its body (built when it is sent) is held on top of its records until it is done.
    const request: TakenRequest = {
      records,
      lanes: taken.map(([lane]) => lane.key),
      bytes: bytes - 1,
      held: held + bytes,
    };
    this.heldBytes += bytes;
    for (const [lane, from] of taken) {
      lane.inFlight = { request, from };
      this.compact(lane);
    }
    return request;
  }

  private compact(lane: Lane): void {
    if (lane.head > 1024 && lane.head * 2 > lane.queue.length) {
      lane.queue.splice(0, lane.head);
      lane.head = 0;
    }
  }

  /** The request is done (delivered or reported): its lanes are idle again. */
  complete(request: TakenRequest): void {
    this.release(request, () => {});
  }

  /**
   * The request was cut off (by a revocation of some of its lanes, the stop or cancel) with its
   * records from `undone` on not done: those of each lane it still owns go back to the head of
   * that lane, in order, to be sent again by a later request (none after the stop or cancel: they
   * stay pending, so no commit passes them); those of dropped lanes are forgotten. Its lanes are
   * idle again.
   */
  requeue(request: TakenRequest, undone = 0): void {
    this.release(request, (lane, key) => {
      const back = request.records.slice(undone).filter((r) => r.tp === key);
      lane.queue.splice(0, lane.head, ...back);
      lane.head = 0;
      for (const r of back) {
        lane.bytes += encodedSize(r);
        lane.held += r.held;
        this.heldBytes += r.held;
      }
      this.waitingCount += back.length;
    });
  }

  /**
   * Ends `request`: its records are no longer in flight nor held, and each lane it still owns is
   * idle again, after `idle` has put back into it what goes back (a lane left empty is dropped).
   */
  private release(request: TakenRequest, idle: (lane: Lane, key: string) => void): void {
    this.inFlightCount -= request.records.length;
    this.heldBytes -= request.held;
    for (const key of request.lanes) {
      const lane = this.lanes.get(key);
      if (lane?.inFlight?.request !== request) continue;
      lane.inFlight = undefined;
      idle(lane, key);
      if (lane.head >= lane.queue.length) this.lanes.delete(key);
    }
  }

  /** The first offset not yet done in a lane, or undefined when everything put for it is done. */
  firstPending(tp: string): number | undefined {
    const lane = this.lanes.get(tp);
    if (!lane) return undefined;
    return lane.inFlight?.from ?? lane.queue[lane.head]?.offset;
  }

  /** Lane `tp`'s request in flight (and its first offset there) and its first waiting record's offset. */
  pendingOf(tp: string): { readonly inFlight: Lane["inFlight"]; readonly waiting: number | undefined } | undefined {
    const lane = this.lanes.get(tp);
    return lane && { inFlight: lane.inFlight, waiting: lane.queue[lane.head]?.offset };
  }

  /** Forgets lanes (partitions revoked, task stopping); their requests in flight no longer count. */
  drop(tps: Iterable<string>): void {
    for (const tp of tps) {
      const lane = this.lanes.get(tp);
      if (!lane) continue;
      // A request in flight still completes (and is then counted out); its records no longer matter here.
      this.waitingCount -= lane.queue.length - lane.head;
      this.heldBytes -= lane.held;
      this.lanes.delete(tp);
    }
  }

  /** Whether the records of lane `tp` in `request` still matter (false after `drop`). */
  owns(request: TakenRequest, tp: string): boolean {
    return this.lanes.get(tp)?.inFlight?.request === request;
  }

  laneKeys(): string[] {
    return [...this.lanes.keys()];
  }
}
