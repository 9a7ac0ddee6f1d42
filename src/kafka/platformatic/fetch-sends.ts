/**
 * onFetchSent: a hook on each Fetch request sent over a ConnectionPool's connections, before it is written, which may
 * wrap what parses its answer and what hears its end. The PartitionFetcher's pool has two (batch-decoding.ts checks the
 * answer's batches as they are parsed; fetch-connections.ts times each Fetch on the wire): each connection's `send` is
 * wrapped once for all of a pool's hooks, and a request that is not a Fetch goes through untouched.
 */
import { type Connection, type ConnectionPool, protocolAPIsByName } from "@platformatic/kafka";

export type FetchCallback = (error: unknown, response?: unknown) => void;
export type FetchParser = (...args: unknown[]) => unknown;

/** A Fetch about to be written: a hook may replace its parser or callback (wrapping the one it finds). */
export interface FetchSend {
  parser: FetchParser;
  callback: FetchCallback;
}

export type FetchHook = (fetch: FetchSend) => void;

type Send = (
  apiKey: number,
  apiVersion: number,
  payload: unknown,
  parser: FetchParser,
  requestTagged: boolean,
  responseTagged: boolean,
  callback: FetchCallback,
) => void;

const hooksOf = new WeakMap<ConnectionPool, FetchHook[]>();

/** `hook` sees each Fetch sent over `pool`'s connections, those it has already too, in the order hooks were added. */
export function onFetchSent(pool: ConnectionPool, hook: FetchHook): void {
  const hooks = hooksOf.get(pool);
  if (hooks) return void hooks.push(hook);
  const added = [hook];
  hooksOf.set(pool, added);
  for (const [, connection] of pool) hookFetches(connection, added);
  pool.on("connecting", ({ connection }: { connection: Connection }) => hookFetches(connection, added));
}

function hookFetches(connection: Connection, hooks: readonly FetchHook[]): void {
  const c = connection as unknown as { send: Send };
  const send = c.send.bind(connection);
  c.send = (apiKey, apiVersion, payload, parser, requestTagged, responseTagged, callback) => {
    if (apiKey !== protocolAPIsByName.Fetch)
      return send(apiKey, apiVersion, payload, parser, requestTagged, responseTagged, callback);
    const fetch: FetchSend = { parser, callback };
    // A hook that throws neither keeps the others from their Fetch nor the Fetch from going out (its callback would
    // never run, the library's fetch hung): the first failure is thrown once it is sent.
    let failed = false;
    let failure: unknown;
    for (const hook of hooks) {
      try {
        hook(fetch);
      } catch (e) {
        if (!failed) [failed, failure] = [true, e];
      }
    }
    send(apiKey, apiVersion, payload, fetch.parser, requestTagged, responseTagged, fetch.callback);
    if (failed) throw failure;
  };
}
