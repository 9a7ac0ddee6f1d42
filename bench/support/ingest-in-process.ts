/**
 * Driving the ingest request path in-process, without sockets (ingest-request-path.ts,
 * ingest-allocations.ts): single-record POSTs to `/s` made in JavaScript with the 200 B body of
 * bench/ingest-single-ab.ts, handed to a handler 64 at a time (as 64 connections would), answers
 * awaited; and the "deferred" peer handler, which reads the body and answers 200 on the next turn.
 */
import type { BenchPeerLookup } from "./ingest-bench-route.ts";

export type BenchHandler = (request: Request) => Response | Promise<Response>;

const body = JSON.stringify({ device: "dev-1", seq: 1, payload: "x".repeat(160) });

/** The `server` argument of `IngestApp.serve`: every request comes from 127.0.0.1. */
export const loopbackPeer: BenchPeerLookup = { requestIP: () => ({ address: "127.0.0.1" }) };

/** A new single-record POST to `/s`. */
export function benchRequest(): Request {
  return new Request("http://127.0.0.1:8080/s", {
    method: "POST",
    // As wrk sends it: with its length (a request without one is read as a stream).
    headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
    body,
  });
}

const init = { status: 200, headers: new Headers({ "content-type": "application/json" }) };
let waiting: Array<() => void> = [];
const releaseAll = () => {
  const released = waiting;
  waiting = [];
  for (const r of released) r();
};

/** Reads the body, answers 200 with a one-record answer on the next turn (all waiting at once). */
export const deferred: BenchHandler = async (req) => {
  await req.arrayBuffer();
  await new Promise<void>((r) => {
    if (waiting.push(r) === 1) setImmediate(releaseAll);
  });
  return new Response('{"topic":"t","offsets":[{"partition":0,"offset":0,"timestamp":1}]}', init);
};

/** `n` requests (rounded up to a multiple of 64) through `handler`, 64 at a time; throws unless 200. */
export async function drive(handler: BenchHandler, n: number): Promise<void> {
  for (let done = 0; done < n; done += 64) {
    const answers = new Array<Response | Promise<Response>>(64);
    for (let i = 0; i < 64; i++) answers[i] = handler(benchRequest());
    for (let i = 0; i < 64; i++) {
      const r = await answers[i]!;
      if (r.status !== 200) throw new Error(`status ${r.status}: ${await r.text()}`);
    }
  }
}
