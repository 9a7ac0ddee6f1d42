/**
 * PauseGate: holds the HTTP sink task's requests while its connector is PAUSED. HttpSinkTask closes
 * it when the runtime tells it of a pause (SinkTask.setPaused) and opens it on the resume; its `pump`
 * starts no request while it is closed, and HttpDelivery checks it right before every send, so neither
 * a retry, a 401's renewed send (OIDC), a send whose token was being fetched at the pause, nor the
 * record-by-record re-sending of a refused batch goes out while PAUSED. An attempt
 * already on the wire is never cut off: it finishes and its records are done as usual.
 */
import { ABORTED, abortable, type Deferred, deferred } from "../../util/async.ts";

export class PauseGate {
  /** Resolved by the resume; set while closed. */
  private resumed: Deferred<void> | undefined;

  get closed(): boolean {
    return this.resumed !== undefined;
  }

  close(): void {
    this.resumed ??= deferred();
  }

  open(): void {
    const resumed = this.resumed;
    this.resumed = undefined;
    resumed?.resolve();
  }

  /** Sends waiting in `pass` for the resume. */
  get held(): number {
    return this.waiting;
  }

  private waiting = 0;

  /** Resolves once the gate is open, or as soon as `signal` aborts. */
  async pass(signal: AbortSignal): Promise<void> {
    if (this.resumed === undefined) return;
    this.waiting++;
    try {
      while (this.resumed !== undefined) {
        if ((await abortable(this.resumed.promise, signal)) === ABORTED) return;
      }
    } finally {
      this.waiting--;
    }
  }
}
