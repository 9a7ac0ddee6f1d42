/**
 * afterIoTurn: a promise that settles once Bun's event loop has polled its sockets at least once
 * after the call. The ingest handler (ingest-handler.ts) waits for it before it hands a request's
 * records over, so that what the client did right after its request (a FIN: Bun.serve then aborts
 * `request.signal` and closes the connection without the answer) is known first.
 *
 * Why two setImmediate hops: Bun runs the immediates queued before a turn, then polls its sockets,
 * then runs the immediates those queued; one hop runs before the poll (measured on Bun 1.4.5: a FIN
 * that arrived with the request was never seen after one hop, always after two). One pair of hops
 * serves every caller of the same turn: under load thousands of requests a second share it, so a
 * request costs one await of a shared promise. A caller arriving after the pair's first hop ran
 * (its request was read in the poll in between) starts a new pair: its poll is still to come.
 */

let joinable: Promise<void> | null = null;

export function afterIoTurn(): Promise<void> {
  if (joinable !== null) return joinable;
  const { promise, resolve } = Promise.withResolvers<void>();
  joinable = promise;
  setImmediate(() => {
    joinable = null;
    setImmediate(resolve);
  });
  return promise;
}
