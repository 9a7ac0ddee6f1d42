/**
 * A bare Bun.serve answering each POST with a ~90-byte JSON 200 (the gateway's single-record answer
 * shape), in the way argv[3] names, for bench/bun-request-cost.ts. Prints nothing; listens on argv[2].
 *   sync:          answers at once, the body unread (what a bare hono handler does)
 *   await:         an async handler awaiting a resolved promise, the body unread
 *   arrayBuffer, bytes, text: awaits the body read that way first
 *   stream:        `Bun.readableStreamToBytes(request.body)`, awaited only if it gives a promise
 * A mode with the suffix `-routes` is served through `Bun.serve`'s `routes` (POST /s), not `fetch`.
 */
export {}; // a module: its names do not meet other scripts' in the type check

const [mode = "sync", viaRoutes] = (process.argv[3] ?? "sync").split("-");
const init: ResponseInit = { status: 200, headers: new Headers({ "Content-Type": "application/json" }) };
let offset = 0;
const answer = () =>
  new Response(`{"topic":"t","offsets":[{"partition":0,"offset":${offset++},"timestamp":1700000000000}]}`, init);

const handlers: Record<string, (request: Request) => Response | Promise<Response>> = {
  sync: () => answer(),
  await: async () => {
    await Promise.resolve();
    return answer();
  },
  arrayBuffer: async (request) => {
    await request.arrayBuffer();
    return answer();
  },
  bytes: async (request) => {
    await request.bytes();
    return answer();
  },
  text: async (request) => {
    await request.text();
    return answer();
  },
  stream: (request) => {
    const read = Bun.readableStreamToBytes(request.body!);
    return read instanceof Promise ? read.then(answer) : answer();
  },
};
const handler = handlers[mode];
if (!handler) throw new Error(`unknown mode ${mode}`);
const port = Number(process.argv[2]);
if (viaRoutes === "routes")
  Bun.serve({
    hostname: "127.0.0.1",
    port,
    routes: { "/s": { POST: handler } },
    fetch: () => new Response(null, { status: 404 }),
  });
else Bun.serve({ hostname: "127.0.0.1", port, fetch: handler });
