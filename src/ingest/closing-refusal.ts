/**
 * A refusal that closes the connection (the 413 of a body over the route's limit; the https
 * listener's 401 for a certificate outside its validity window, tls-front-end.ts), announced by the
 * body reader (body-reader.ts) or the front end as soon as it is decided: before the rest of the refused body is read
 * and dropped, and so before the HTTP parser reads any request pipelined behind it. The https
 * listener (fetch-bridge.ts) listens for it and then hands no request of the connection parsed after
 * this one to the handler: node:http parses the next request as soon as the refused body ended, long
 * before the refusal is answered, and that request's answer could not follow a `Connection: close`.
 * The plain listener (Bun.serve) hands a connection's next request over only after the answer, and
 * listens for nothing.
 */

const listeners = new WeakMap<Request, () => void>();

/** Runs `listener` (once) when a refusal closing the connection is decided for `request`. */
export function onClosingRefusal(request: Request, listener: () => void): void {
  listeners.set(request, listener);
}

/** A refusal closing the connection is decided for `request`: tells its listener, if any. */
export function announceClosingRefusal(request: Request): void {
  const listener = listeners.get(request);
  if (listener === undefined) return;
  listeners.delete(request);
  listener();
}
