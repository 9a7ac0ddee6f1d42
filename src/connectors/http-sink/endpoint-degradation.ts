/**
 * EndpointDegradation: what the HTTP sink task's RUNNING status says while its endpoint fails
 * attempts that are being retried (SinkTask.degradedTrace, shown by the herder as the trace of the
 * RUNNING status, as a source task's send being retried is): "Degraded: POST <url> has failed 12
 * attempts since <time> (the last: HTTP 503) …". HttpDelivery reports each retry and each answer that
 * ends a request's retries (delivered, or refused for good: the endpoint answers again); the trace
 * is null from then on. Without it a sink retrying an outage with sink.retry.max-attempts=-1 read
 * RUNNING, healthy, for hours (explore8 L6).
 */
import type { Clock } from "../../util/clock.ts";

export class EndpointDegradation {
  private failing: { since: number; attempts: number; target: string; last: string } | undefined;

  constructor(private readonly clock: Clock) {}

  /** An attempt at `target` (method and redacted URL) failed with `what` and is retried. */
  retrying(target: string, what: string): void {
    const f = this.failing;
    if (f) {
      f.attempts++;
      f.target = target;
      f.last = what;
    } else {
      this.failing = { since: this.clock.now(), attempts: 1, target, last: what };
    }
  }

  /** The endpoint answered a request for good: not degraded any more. */
  answered(): void {
    this.failing = undefined;
  }

  get trace(): string | null {
    const f = this.failing;
    if (!f) return null;
    return `Degraded: ${f.target} has failed ${f.attempts} attempt(s) since ${new Date(f.since).toISOString()} (the last: ${f.last}); the records are retried (sink.retry.max-attempts), none is committed until delivered.`;
  }
}
