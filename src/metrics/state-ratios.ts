/**
 * Connect's StateTracker for a task's running-ratio and pause-ratio: the fraction of the time since
 * the task's first state change (its startup, pause or failure) spent RUNNING or PAUSED. The task
 * builder feeds it from the task's status listener (task-metrics.ts `trackState`).
 */
export type TrackedState = "RUNNING" | "PAUSED" | "FAILED";

export class StateRatios {
  private state: TrackedState | undefined;
  private since = 0;
  private first = 0;
  private readonly totals: Record<TrackedState, number> = { RUNNING: 0, PAUSED: 0, FAILED: 0 };

  constructor(private readonly now: () => number) {}

  change(state: TrackedState): void {
    const now = this.now();
    if (this.state === undefined) this.first = now;
    else if (state === this.state) return;
    else this.totals[this.state] += now - this.since;
    this.state = state;
    this.since = now;
  }

  ratio(state: TrackedState): number {
    if (this.state === undefined) return 0;
    const now = this.now();
    const whole = now - this.first;
    if (whole <= 0) return this.state === state ? 1 : 0;
    return (this.totals[state] + (this.state === state ? now - this.since : 0)) / whole;
  }
}
