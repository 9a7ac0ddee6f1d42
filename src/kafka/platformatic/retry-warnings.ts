/**
 * RetryWarnings: the throttle on ProducePipeline's retry WARNs (BatchSettlement's retries and splits,
 * UnansweredRequests' silent broker): at most one per interval, one per outage episode rather than one per batch. A WARN
 * the budget holds back is not dropped: it is written once the budget allows (the pipeline is woken then and calls
 * `writeHeld`), while it still holds; the next retry may not come for long (a pump turn waiting for metadata a frozen
 * broker holds). Each source ("retry", "unanswered") holds its own: a retry does not hide a silent broker's WARN, nor
 * the reverse; the oldest held is written first, one an interval.
 */

/** Who gives a WARN: BatchSettlement's retries and splits, or UnansweredRequests' silent broker. */
export type WarningSource = "retry" | "unanswered";

/** A WARN the budget held back: its text as of when it is written, and whether it still holds then. */
interface HeldWarning {
  readonly text: (now: number) => string;
  readonly holds: (now: number) => boolean;
}

/**
 * A source's WARNs held back since `since`. The retry source keeps each batch's (a batch still retried is not hidden
 * by a later one that settles first; the latest that still holds is written); the silent broker's is offered again at
 * each check, the same silence, so its latest replaces it.
 */
interface HeldSlot {
  readonly since: number;
  warnings: HeldWarning[];
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
  ): void {
    if (!this.onRetry) return;
    if (this.log(now, text)) {
      this.held.delete(source);
      return;
    }
    const slot = this.held.get(source);
    const warning = { text, holds };
    if (!slot) this.held.set(source, { since: now, warnings: [warning] });
    else if (source === "unanswered") slot.warnings = [warning];
    else slot.warnings = [...slot.warnings.filter((w) => w.holds(now)), warning];
    this.wakeAt(this.last + this.intervalMs);
  }

  /**
   * Drops the WARNs held back that no longer hold; once the interval allows, logs the oldest source's latest that still
   * holds (one an interval); while any is held, wakes the pipeline when the interval allows.
   */
  writeHeld(now: number): void {
    let oldest: { source: WarningSource; since: number; latest: HeldWarning } | undefined;
    for (const [source, slot] of this.held) {
      slot.warnings = slot.warnings.filter((w) => w.holds(now));
      const latest = slot.warnings.at(-1);
      if (!latest) this.held.delete(source);
      else if (!oldest || slot.since < oldest.since) oldest = { source, since: slot.since, latest };
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
