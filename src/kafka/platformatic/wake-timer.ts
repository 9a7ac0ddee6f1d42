/**
 * WakeTimer: one timer that runs `wake` at the earliest time asked for (ProducePipeline's retry
 * backoffs and delivery timeouts), on the pipeline's clock `now`.
 */
export class WakeTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private at = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly now: () => number,
    private readonly wake: () => void,
  ) {}

  /** Runs `wake` at `at` unless an earlier wake is due. */
  wakeAt(at: number): void {
    if (this.stopped || at >= this.at) return;
    clearTimeout(this.timer);
    this.at = at;
    this.timer = setTimeout(
      () => {
        this.at = Number.POSITIVE_INFINITY;
        this.wake();
      },
      Math.max(0, at - this.now()),
    );
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
