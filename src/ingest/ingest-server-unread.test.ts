import { describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { waitFor } from "../../test/support/wait-for.ts";
import { IngestRouteTable } from "./route-table.ts";
import { startedIngestServer } from "./test-support.ts";

// The plain http:// listener (Bun.serve) with a client that sends requests but never reads the
// answers: Bun has its own backpressure (it stops reading the connection's requests once its
// answers back up), so memory stays bounded without anything of ours; once the client reads what
// was answered, Bun closes the connection, dropping the requests it did not read. Bun does not close
// a connection whose client never reads, though (Bun.serve's idleTimeout does not count a stalled write; seen open 12 s past
// an idleTimeout of 2 s with Bun 1.4.5), and Bun.serve gives no socket to put a deadline on.

const ANSWER_BYTES = 256 * 1024;
const REQUESTS = 200;

async function plainListener(): Promise<{ port: number; handled: () => number } & AsyncDisposable> {
  let handled = 0;
  const answer = "x".repeat(ANSWER_BYTES);
  const respond = () => {
    handled++;
    return new Response(answer);
  };
  const server = startedIngestServer({ fetch: respond, serve: respond, servePath: respond }, new IngestRouteTable());
  return {
    port: Number(new URL(server.urls[0]!).port),
    handled: () => handled,
    [Symbol.asyncDispose]: () => server.stop(),
  };
}

describe("IngestServer's plain listener with a client that does not read its answers", () => {
  test("Bun stops handling the connection's requests once its answers back up, and closes it once they are read", async () => {
    await using server = await plainListener();
    const socket: Socket = connect(server.port, "127.0.0.1");
    socket.on("error", () => {});
    try {
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      socket.pause();
      socket.write(`GET /health HTTP/1.1\r\nHost: h\r\n\r\n`.repeat(REQUESTS));
      const stalledAt = await waitFor(
        async () => {
          const before = server.handled();
          for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
          return before > 0 && server.handled() === before ? before : undefined;
        },
        { what: "handling to stop" },
      );
      expect(stalledAt).toBeLessThan(REQUESTS / 2);
      // Reading again: the answers handled so far arrive, then Bun closes the connection; the
      // requests it had stopped reading are never handled (the client has to send them again).
      let received = 0;
      socket.on("data", (chunk: Buffer) => {
        received += chunk.length;
      });
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.resume();
      await closed;
      expect(server.handled()).toBe(stalledAt);
      expect(received).toBeGreaterThan((stalledAt - 1) * ANSWER_BYTES);
      expect(received).toBeLessThan((stalledAt + 1) * ANSWER_BYTES);
    } finally {
      socket.destroy();
    }
  });
});
