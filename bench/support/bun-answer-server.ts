/**
 * A bare Bun.serve answering each POST with a ~90-byte JSON 200 (the gateway's single-record answer
 * shape), in the way argv[3] names, for bench/bun-request-cost.ts. Prints nothing; listens on argv[2].
 *   sync:          answers at once, the body unread (what a bare hono handler does)
 *   await:         an async handler awaiting a resolved promise, the body unread
 *   arrayBuffer, bytes, text: awaits the body read that way first
 */
const mode = process.argv[3] ?? "sync";
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
};
const handler = handlers[mode];
if (!handler) throw new Error(`unknown mode ${mode}`);
Bun.serve({ hostname: "127.0.0.1", port: Number(process.argv[2]), fetch: handler });
