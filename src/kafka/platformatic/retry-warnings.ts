/**
 * RetryWarnings: the throttle on ProducePipeline's retry WARNs (BatchSettlement's retries and splits,
 * UnansweredRequests' silent broker): at most one per interval, one per outage episode rather than one per batch. A WARN
 * the budget holds back is not dropped: it is written once the budget allows (the pipeline is woken then and calls
 * `writeHeld`), while it still holds; the next retry may not come for long (a pump turn waiting for metadata a frozen
 * broker holds). Only the latest held back is kept: what it says is the outage now, and one WARN an interval is the budget.
 */

/** A WARN the budget held back: its text as of when it is written, and whether it still holds then. */
interface HeldWarning {
  readonly text: (now: number) => string;
  readonly holds: (now: number) => boolean;
}

const always = () => true;

export class RetryWarnings {
  private last = Number.NEGATIVE_INFINITY;
  private held: HeldWarning | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly onRetry: ((message: string) => void) | undefined,
    /** Wakes the pipeline (its `writeHeld`) at a time on its clock. */
    private readonly wakeAt: (at: number) => void,
  ) {}

  /**
   * Logs `text` at `now` unless a WARN was logged less than the interval before; then holds it back in place of the one
   * held before, to be logged once the interval allows if `holds` then (a retried batch not settled since, …).
   */
  warn(now: number, text: (now: number) => string, holds: (now: number) => boolean = always): void {
    if (!this.onRetry) return;
    if (this.log(now, text)) this.held = undefined;
    else {
      this.held = { text, holds };
      this.wakeAt(this.last + this.intervalMs);
    }
  }

  /** Logs the WARN held back once the interval allows, unless it no longer holds; before that, wakes the pipeline then. */
  writeHeld(now: number): void {
    const held = this.held;
    if (held === undefined) return;
    if (!held.holds(now) || this.log(now, held.text)) this.held = undefined;
    else this.wakeAt(this.last + this.intervalMs);
  }

  private log(now: number, text: (now: number) => string): boolean {
    if (now - this.last < this.intervalMs) return false;
    this.last = now;
    this.onRetry?.(text(now));
    return true;
  }
}
