/**
 * RetryWarnings: the throttle on ProducePipeline's retry WARNs (BatchSettlement's retries, splits and metadata asks that
 * failed, UnansweredRequests' silent broker): at most one per interval, one per outage episode rather than one per batch. A WARN
 * the budget holds back is not dropped: it is written once the budget allows (the pipeline is woken then and calls
 * `writeHeld`), while it still holds; the next retry may not come for long (a pump turn waiting for metadata a frozen
 * broker holds). Each source ("retry", "unanswered", "metadata") holds its own: a retry does not hide a silent broker's WARN, nor
 * the reverse; of those held the oldest is written first, one an interval (a WARN due at once when the budget allows is
 * written then, ahead of an older held one: UnansweredRequests' check runs before `writeHeld`). A batch's retries hold
 * one WARN (keyed by the batch, its latest), and nothing held is looked at until the interval allows a WARN: a wide
 * outage retrying thousands of batches costs a map entry per batch, not a scan per retry or per pump turn.
 */

/**
 * Who gives a WARN: BatchSettlement's retries and splits, its metadata asks that failed, or UnansweredRequests' silent
 * broker.
 */
export type WarningSource = "retry" | "unanswered" | "metadata";

/** A WARN the budget held back: its text as of when it is written, and whether it still holds then. */
interface HeldWarning {
  /** When it was held back. */
  readonly at: number;
  readonly text: (now: number) => string;
  readonly holds: (now: number) => boolean;
}

/**
 * A source's WARNs held back since `since`. The retry source keeps each batch's (a batch still retried is not hidden
 * by a later one that settles first; the latest that still holds is written); the silent broker's is offered again at
 * each check, the same silence, so its latest replaces it, as a failed metadata ask's (one per run of failures).
 */
interface HeldSlot {
  /** By what it is of (a batch: its latest retry's; a split's or a silence's its own), oldest first. */
  readonly warnings: Map<unknown, HeldWarning>;
  /** The size at which the warnings that no longer hold are dropped (amortized: at twice the size left then). */
  pruneAt: number;
}

const always = () => true;

export class RetryWarnings {
  private last = Number.NEGATIVE_INFINITY;
  private readonly held = new Map<WarningSource, HeldSlot>();

  constructor(
    private readonly intervalMs: number,
    private readonly onRetry: ((message: string) => void) | undefined,
    /** Wakes the pipeline (its `writeHeld`) at a time on its clock. */
    private readonly wakeAt: (at: number) => void,
  ) {}

  /**
   * Logs `text` at `now` unless a WARN was logged less than the interval before (then drops what `source` held back);
   * else holds it back with `source`'s, to be logged once the interval allows if `holds` then (a retried batch not
   * settled since, …).
   */
  warn(
    now: number,
    text: (now: number) => string,
    holds: (now: number) => boolean = always,
    source: WarningSource = "retry",
    of: unknown = {},
  ): void {
    if (!this.onRetry) return;
    if (this.log(now, text)) {
      this.held.delete(source);
      return;
    }
    let slot = this.held.get(source);
    if (!slot) {
      slot = { warnings: new Map(), pruneAt: 64 };
      this.held.set(source, slot);
    }
    if (source !== "retry") slot.warnings.clear();
    slot.warnings.delete(of);
    slot.warnings.set(of, { at: now, text, holds });
    if (slot.warnings.size >= slot.pruneAt) {
      for (const [key, w] of slot.warnings) if (!w.holds(now)) slot.warnings.delete(key);
      slot.pruneAt = Math.max(64, 2 * slot.warnings.size);
    }
    this.wakeAt(this.last + this.intervalMs);
  }

  /**
   * Drops the WARNs held back that no longer hold; once the interval allows, logs the oldest source's latest that still
   * holds (one an interval); while any is held, wakes the pipeline when the interval allows.
   */
  writeHeld(now: number): void {
    if (this.held.size === 0) return;
    if (now - this.last < this.intervalMs) {
      this.wakeAt(this.last + this.intervalMs);
      return;
    }
    let oldest: { source: WarningSource; since: number; latest: HeldWarning } | undefined;
    for (const [source, slot] of this.held) {
      let since = Number.POSITIVE_INFINITY;
      let latest: HeldWarning | undefined;
      for (const [key, w] of slot.warnings)
        if (!w.holds(now)) slot.warnings.delete(key);
        else {
          since = Math.min(since, w.at);
          latest = w;
        }
      if (!latest) this.held.delete(source);
      else if (!oldest || since < oldest.since) oldest = { source, since, latest };
    }
    if (oldest && this.log(now, oldest.latest.text)) this.held.delete(oldest.source);
    if (this.held.size > 0) this.wakeAt(this.last + this.intervalMs);
  }

  private log(now: number, text: (now: number) => string): boolean {
    if (now - this.last < this.intervalMs) return false;
    this.last = now;
    this.onRetry?.(text(now));
    return true;
  }
}
