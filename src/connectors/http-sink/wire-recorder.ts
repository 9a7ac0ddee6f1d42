/**
 * A loopback HTTP/1.1 endpoint that records requests as they are on the wire: header names with the
 * casing the client sent and in its order, and the exact body bytes. Bun's own server lower-cases
 * header names, so the differential test against Flink's HTTP sink (flink-peer.test.ts) uses this one.
 * Answers each request with the status `statuses[n]` (200 once the list is exhausted). Tests only.
 */
import { createServer, type Server, type Socket } from "node:net";

export interface WireRequest {
  readonly method: string;
  readonly path: string;
  /** [name as sent, value], in the client's order, transport headers left out; one character per byte (ISO-8859-1). */
  readonly headers: [string, string][];
  readonly body: Buffer;
}

/** Transport headers of either client (Java's HttpClient, Bun's fetch), not chosen by a config. */
export const TRANSPORT_HEADERS = new Set([
  "host",
  "content-length",
  "connection",
  "upgrade",
  "http2-settings",
  "user-agent",
  "accept",
  "accept-encoding",
  "transfer-encoding",
]);

export async function wireRecorder(statuses: readonly number[] = []) {
  const requests: WireRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf("\r\n\r\n");
        if (end < 0) return;
        const lines = pending.subarray(0, end).toString("latin1").split("\r\n");
        const [method = "", path = ""] = (lines[0] ?? "").split(" ");
        const all = lines.slice(1).map((l): [string, string] => {
          const colon = l.indexOf(":");
          return [l.slice(0, colon), l.slice(colon + 1).trim()];
        });
        const length = Number(all.find(([n]) => n.toLowerCase() === "content-length")?.[1] ?? 0);
        if (all.some(([n, v]) => n.toLowerCase() === "transfer-encoding" && v !== "identity")) {
          throw new Error("wireRecorder: chunked request bodies are not supported");
        }
        if (pending.length < end + 4 + length) return;
        const body = Buffer.from(pending.subarray(end + 4, end + 4 + length));
        pending = pending.subarray(end + 4 + length);
        const headers = all.filter(([n]) => !TRANSPORT_HEADERS.has(n.toLowerCase()));
        requests.push({ method, path, headers, body });
        const status = statuses[requests.length - 1] ?? 200;
        socket.write(`HTTP/1.1 ${status} X\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("wireRecorder: no port");
  return {
    requests,
    url: (path: string) => `http://127.0.0.1:${address.port}${path}`,
    async [Symbol.asyncDispose]() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
