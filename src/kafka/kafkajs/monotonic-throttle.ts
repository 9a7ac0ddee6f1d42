/**
 * kafkajs' client-side throttling on the monotonic clock. A broker that throttles a client (a quota:
 * `throttle_time_ms` in its response) makes kafkajs 2.2.4 hold that connection's next requests
 * until the queue's `throttledUntil`, which it sets, tests and waits for on `Date.now()`: a step of
 * the host's clock back stalled the connection for as long as the step, a step forward ended the
 * throttle at once. The three RequestQueue methods that touch `throttledUntil` are replaced here to
 * keep it on `performance.now()`, otherwise as kafkajs has them. The pending-request check is not
 * scheduled when nothing is pending and nothing is throttled: kafkajs armed it with a negative delay
 * then, which Bun reports as TimeoutNegativeWarning. Loaded for its effect by protocol.ts.
 */
import RequestQueue from "kafkajs/src/network/requestQueue";

/** How soon kafkajs checks again for pending requests held back by the in-flight limit. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

const queue = RequestQueue.prototype;

queue.maybeThrottle = function (this: RequestQueue, clientSideThrottleTime: number | null): void {
  if (clientSideThrottleTime === null || !(clientSideThrottleTime > 0)) return;
  this.logger.debug(`Client side throttling in effect for ${clientSideThrottleTime}ms`);
  this.throttledUntil = Math.max(performance.now() + clientSideThrottleTime, this.throttledUntil);
};

queue.canSendSocketRequestImmediately = function (this: RequestQueue): boolean {
  const full = this.maxInFlightRequests != null && this.inflight.size >= this.maxInFlightRequests;
  return !full && this.throttledUntil <= performance.now();
};

queue.scheduleCheckPendingRequests = function (this: RequestQueue): void {
  const throttledMs = this.throttledUntil - performance.now();
  if (this.throttleCheckTimeoutId || (this.pending.length === 0 && throttledMs <= 0)) return;
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttledMs > 0 ? Math.max(1, throttledMs) : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
};
