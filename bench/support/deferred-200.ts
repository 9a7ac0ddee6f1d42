/**
 * A floor for bench/ingest.ts's single-record load: Bun.serve reads each POST's body and answers
 * 200 with a small JSON body on a later event-loop turn (every request of a turn released together
 * by one setImmediate), the way the gateway answers after Kafka's acknowledgement, but with no
 * Kafka, parsing or bookkeeping. The difference to the bare hono handler (which answers at once
 * without reading the body) is what reading the body and answering asynchronously cost in Bun.
 * Usage: bun deferred-200.ts <port>
 */
const init = { status: 200, headers: new Headers({ "content-type": "application/json" }) };
const answer = '{"offsets":[{"partition":0,"offset":0}]}';
let waiting: Array<() => void> = [];

function releaseAll(): void {
  const released = waiting;
  waiting = [];
  for (const resolve of released) resolve();
}

Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  async fetch(request) {
    await request.arrayBuffer();
    await new Promise<void>((resolve) => {
      if (waiting.push(resolve) === 1) setImmediate(releaseAll);
    });
    return new Response(answer, init);
  },
});
