/**
 * When a WorkerSinkTask commits its consumer's offsets: every `offset.flush.interval.ms` after the
 * last commit, on the monotonic clock (a step of the host's clock neither delays nor hurries the
 * next), and as soon as the task asks for it (SinkTaskContext.requestCommit), as Connect's
 * WorkerSinkTask.iteration.
 */
import { type Clock, monotonicNow } from "../util/clock.ts";

export class SinkCommitSchedule {
  private commitRequested = false;
  /** Monotonic clock time of the last commit. */
  private lastCommit: number;
  /** At least 1 ms, so the commit loop always yields to timers and I/O. */
  private readonly intervalMs: number;

  constructor(
    private readonly clock: Clock,
    offsetFlushIntervalMs: number,
  ) {
    this.lastCommit = monotonicNow(clock);
    this.intervalMs = Math.max(1, offsetFlushIntervalMs);
  }

  /** The task asked for a commit. */
  request(): void {
    this.commitRequested = true;
  }

  get requested(): boolean {
    return this.commitRequested;
  }

  /** Ms until the interval's commit falls due (≤ 0: due), a request aside. */
  nextInMs(): number {
    return this.lastCommit + this.intervalMs - monotonicNow(this.clock);
  }

  /** A commit requested or due. */
  get due(): boolean {
    return this.commitRequested || this.nextInMs() <= 0;
  }

  /** A commit starts now: it serves the request, and the interval counts from now. */
  started(): void {
    this.commitRequested = false;
    this.lastCommit = monotonicNow(this.clock);
  }
}
