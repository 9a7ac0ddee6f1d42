/**
 * EndpointDegradation: what an HTTP connector task's RUNNING status says while its endpoint fails
 * attempts that are being retried (SinkTask/SourceTask.degradedTrace, shown by the herder as the trace of the
 * RUNNING status, as a source task's send being retried is): "Degraded: POST <url> has failed 12
 * attempts since <time> (the last: HTTP 503); <consequence>". The HTTP sink's HttpDelivery and the
 * HTTP source's PageFetcher report each retry of a request and
 * the end of that request's retries (answered for good, failed, or abandoned with its revoked
 * partition). Each request is tracked on its own, so with sink.requests.max-inflight > 1 one request
 * delivered does not hide another still being retried: the trace names the request retried the
 * longest and is null once no request is left retrying. Without it a sink retrying an outage with
 * sink.retry.max-attempts=-1 read RUNNING, healthy, for hours (explore8 L6). A caller that tells when a
 * request's backoff starts (`backingOff`) and ends (`attempting`) gets the wait named while it lasts: "… (the last:
 * HTTP 503) and waits out a 5000 ms backoff (1200 ms left) before attempt 3 of 10; …"; nothing of the kind while
 * the attempt is on the wire.
 */
import { type Clock, monotonicNow } from "../util/clock.ts";

interface Failing {
  readonly since: number;
  attempts: number;
  target: string;
  last: string;
  consequence: string;
  /** The backoff being waited out before the next attempt (`next`), ending at `until` (monotonicNow). */
  backoff?: { readonly ms: number; readonly until: number; readonly next: string };
}

export class EndpointDegradation {
  /** The requests being retried, in the order their first retry came (the oldest first). */
  private readonly failing = new Map<object, Failing>();

  /** `consequence`: what the task does meanwhile, ending the trace. */
  constructor(
    private readonly clock: Clock,
    private readonly consequence: string,
  ) {}

  /**
   * An attempt of `request` at `target` (method and redacted URL) failed with `what` and is retried;
   * `consequence`, when what follows depends on that failure (the HTTP source's behavior.on.error).
   */
  retrying(request: object, target: string, what: string, consequence = this.consequence): void {
    const f = this.failing.get(request);
    if (f) {
      f.attempts++;
      f.target = target;
      f.last = what;
      f.consequence = consequence;
    } else {
      this.failing.set(request, { since: this.clock.now(), attempts: 1, target, last: what, consequence });
    }
  }

  /**
   * After `retrying`: `request`'s next attempt, `next` ("attempt 3 of 10"), waits `delayMs` first. Nothing of it is
   * on the wire meanwhile.
   */
  backingOff(request: object, delayMs: number, next: string): void {
    const f = this.failing.get(request);
    if (f) f.backoff = { ms: delayMs, until: monotonicNow(this.clock) + delayMs, next };
  }

  /** `request`'s next attempt starts: its backoff, if any, is over. */
  attempting(request: object): void {
    const f = this.failing.get(request);
    if (f) f.backoff = undefined;
  }

  /** `request` is retried no more (answered, failed for good or abandoned). */
  settled(request: object): void {
    this.failing.delete(request);
  }

  get trace(): string | null {
    const [oldest] = this.failing.values();
    if (!oldest) return null;
    const others = this.failing.size - 1;
    const b = oldest.backoff;
    const left = b && Math.max(0, Math.ceil(b.until - monotonicNow(this.clock)));
    const waits = b ? ` and waits out a ${b.ms} ms backoff (${left} ms left) before ${b.next}` : "";
    return `Degraded: ${oldest.target} has failed ${oldest.attempts} attempt(s) since ${new Date(oldest.since).toISOString()} (the last: ${oldest.last})${waits}${others > 0 ? `, and ${others} other request(s) are being retried too` : ""}; ${oldest.consequence}`;
  }
}
