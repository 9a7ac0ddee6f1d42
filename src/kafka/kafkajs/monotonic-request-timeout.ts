/**
 * kafkajs' request timeouts on the monotonic clock. kafkajs 2.2.4 times out an in-flight request
 * once `Date.now() - request.sentAt` exceeds its request timeout, checked by an interval of each
 * connection's RequestQueue: a step of the host's clock forward by more than the timeout timed out
 * every request in flight at once (a step back held a lost response's timeout off for as long as
 * the step). Here each request also notes when it went on the wire on `performance.now()`, and the
 * RequestQueue's check compares that, otherwise as kafkajs has it (same interval, same handling of
 * a lost connection). The wall-clock `sentAt`, `createdAt` and durations kafkajs logs and emits stay
 * as they are. Loaded for its effect by protocol.ts, beside monotonic-throttle.ts.
 */
import RequestQueue from "kafkajs/src/network/requestQueue";
import SocketRequest from "kafkajs/src/network/requestQueue/socketRequest";

/** When each request went on the wire, in performance.now() ms. */
const sentAtMonotonic = new WeakMap<SocketRequest, number>();

const request = SocketRequest.prototype;
const send = request.send;

request.send = function (this: SocketRequest): void {
  send.call(this);
  sentAtMonotonic.set(this, performance.now());
};

/** Whether `r` has waited for its response longer than its request timeout. */
function timedOut(r: SocketRequest): boolean {
  const sent = sentAtMonotonic.get(r);
  // A request whose send threw stays in flight unsent; kafkajs compared its null sentAt, which
  // timed it out at the next check: so does this.
  return sent === undefined || performance.now() - sent > r.requestTimeout;
}

RequestQueue.prototype.scheduleRequestTimeoutCheck = function (this: RequestQueue): void {
  if (!this.enforceRequestTimeout) return;
  this.destroy();
  this.requestTimeoutIntervalId = setInterval(
    () => {
      for (const r of this.inflight.values()) if (timedOut(r)) r.timeoutRequest();
      if (!this.isConnected()) this.destroy();
    },
    Math.min(this.requestTimeout, 100),
  );
};
