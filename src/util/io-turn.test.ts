import { describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { waitFor } from "../../test/support/wait-for.ts";
import { afterIoTurn } from "./io-turn.ts";

describe("afterIoTurn", () => {
  test("callers of the same turn share one wait", () => {
    expect(afterIoTurn()).toBe(afterIoTurn());
  });

  test("a caller after the first hop of a wait gets a new one, which settles later", async () => {
    const settled: string[] = [];
    void afterIoTurn().then(() => settled.push("first"));
    let later: Promise<unknown> | undefined;
    setImmediate(() => {
      later = afterIoTurn().then(() => settled.push("later"));
    });
    await afterIoTurn();
    await later;
    expect(settled).toEqual(["first", "later"]);
  });

  // What the ingest handler relies on (explore5 E1): Bun.serve reads a FIN that came with the
  // request in a later poll than the request; after the wait the request's signal says so.
  test("a FIN sent with the request has aborted Bun.serve's request signal once the wait settles", async () => {
    const seen: boolean[] = [];
    await using server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(request) {
        await request.text();
        await afterIoTurn();
        seen.push(request.signal.aborted);
        return new Response("ok");
      },
    });
    const socket = connect({ host: "127.0.0.1", port: server.port! });
    socket.on("error", () => {});
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.end("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}");
    await waitFor(() => seen.length === 1 || undefined, { what: "the handler past the wait" });
    expect(seen).toEqual([true]);
    socket.destroy();
  });
});
