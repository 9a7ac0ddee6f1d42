/**
 * A bare Bun.serve answering each POST with a ~90-byte JSON 200 (the gateway's single-record answer
 * shape), in the way argv[3] names, for bench/bun-request-cost.ts. Prints nothing; listens on argv[2].
 *   sync:          answers at once, the body unread (what a bare hono handler does)
 *   await:         an async handler awaiting a resolved promise, the body unread
 *   arrayBuffer, bytes, text: awaits the body read that way first
 *   textSignal:    text, then reads `request.signal.aborted` (what the ingest handler does once a
 *                  request's records were written, to count an unanswered one)
 *   stream:        `Bun.readableStreamToBytes(request.body)`, awaited only if it gives a promise
 * A mode with the suffix `-routes` is served through `Bun.serve`'s `routes` (POST /s), not `fetch`.
 *   listen:        no Bun.serve: a toy HTTP/1.1 reader on `Bun.listen` (Content-Length bodies only,
 *                  no validation) that answers the same bytes once a request's body is in: what a
 *                  hand-written server on Bun's raw sockets could save at best.
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
  textSignal: async (request) => {
    await request.text();
    if (request.signal.aborted) throw new Error("client gone");
    return answer();
  },
  stream: (request) => {
    const read = Bun.readableStreamToBytes(request.body!);
    return read instanceof Promise ? read.then(answer) : answer();
  },
};
const port = Number(process.argv[2]);

function listenToy(): void {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const reply = (n: number) => {
    const json = `{"topic":"t","offsets":[{"partition":0,"offset":${n},"timestamp":1700000000000}]}`;
    return encoder.encode(
      `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${json.length}\r\n\r\n${json}`,
    );
  };
  const headEnd = (b: Uint8Array) => {
    for (let i = 3; i < b.length; i++)
      if (b[i] === 10 && b[i - 1] === 13 && b[i - 2] === 10 && b[i - 3] === 13) return i + 1;
    return -1;
  };
  Bun.listen<{ pending: Uint8Array | null }>({
    hostname: "127.0.0.1",
    port,
    socket: {
      open: (socket) => {
        socket.data = { pending: null };
      },
      data: (socket, chunk) => {
        let bytes: Uint8Array = socket.data.pending ? Buffer.concat([socket.data.pending, chunk]) : chunk;
        for (let end = headEnd(bytes); end > 0; end = headEnd(bytes)) {
          const length = Number(/content-length:\s*(\d+)/i.exec(decoder.decode(bytes.subarray(0, end)))?.[1] ?? 0);
          if (bytes.length < end + length) break;
          JSON.parse(decoder.decode(bytes.subarray(end, end + length)));
          socket.write(reply(offset++));
          bytes = bytes.subarray(end + length);
        }
        socket.data.pending = bytes.length > 0 ? new Uint8Array(bytes) : null;
      },
    },
  });
}

const handler = handlers[mode];
if (mode === "listen") listenToy();
else if (!handler) throw new Error(`unknown mode ${mode}`);
else if (viaRoutes === "routes")
  Bun.serve({
    hostname: "127.0.0.1",
    port,
    routes: { "/s": { POST: handler } },
    fetch: () => new Response(null, { status: 404 }),
  });
else Bun.serve({ hostname: "127.0.0.1", port, fetch: handler });
