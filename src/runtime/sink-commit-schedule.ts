/**
 * When a WorkerSinkTask commits its consumer's offsets: every `offset.flush.interval.ms` after the
 * last commit, on the monotonic clock (a step of the host's clock neither delays nor hurries the
 * next), and as soon as the task asks for it (SinkTaskContext.requestCommit), as Connect's
 * WorkerSinkTask.iteration. As there, only a commit that starts restarts the interval and serves a
 * request: while it cannot run (SinkOffsets.mayCommit: no live consumer, or a given-up commit the
 * client still runs, as Connect's `committing`) it is not due, however late, and the request stays
 * pending; it is due again as soon as it can run (the task's loop is woken then). Meanwhile the
 * loop's turn still comes every interval (`turnDue`, `skipped`): its put([]), as Connect's poll that
 * returned nothing, keeps its pace without a commit.
 */
import { type Clock, monotonicNow } from "../util/clock.ts";

export class SinkCommitSchedule {
  private commitRequested = false;
  /** Monotonic clock time of the last commit. */
  private lastCommit: number;
  /** Monotonic clock time of the loop's last turn for the interval: a commit's start, or a turn that could not commit. */
  private lastTurn: number;
  /** At least 1 ms, so the commit loop always yields to timers and I/O. */
  private readonly intervalMs: number;

  constructor(
    private readonly clock: Clock,
    offsetFlushIntervalMs: number,
    /** A commit can run now (SinkOffsets.mayCommit). */
    private readonly mayCommit: () => boolean,
  ) {
    this.lastCommit = monotonicNow(clock);
    this.lastTurn = this.lastCommit;
    this.intervalMs = Math.max(1, offsetFlushIntervalMs);
  }

  /** The task asked for a commit. */
  request(): void {
    this.commitRequested = true;
  }

  /**
   * Ms until the interval's commit falls due (≤ 0: due), a request aside. Late but unable to run,
   * until the loop's next turn (an interval after the last): what waits for it (the loop, a put's
   * redelivery) keeps the interval's pace instead of spinning, and the loop is woken when it can run.
   */
  nextInMs(): number {
    const left = this.intervalLeftMs();
    if (left > 0 || this.mayCommit()) return left;
    return this.lastTurn + this.intervalMs - monotonicNow(this.clock);
  }

  /** The loop's turn: a commit is due, or the interval passed while it cannot run (`skipped` then). */
  get turnDue(): boolean {
    return this.due || this.nextInMs() <= 0;
  }

  /** A commit requested or late, and able to run. */
  get due(): boolean {
    return (this.commitRequested || this.intervalLeftMs() <= 0) && this.mayCommit();
  }

  private intervalLeftMs(): number {
    return this.lastCommit + this.intervalMs - monotonicNow(this.clock);
  }

  /** A commit starts now: it serves the request, and the interval counts from now. */
  started(): void {
    this.commitRequested = false;
    this.lastCommit = monotonicNow(this.clock);
    this.lastTurn = this.lastCommit;
  }

  /** The loop's turn passed while the commit could not run: it stays late, and the next turn is an interval away. */
  skipped(): void {
    this.lastTurn = monotonicNow(this.clock);
  }
}
