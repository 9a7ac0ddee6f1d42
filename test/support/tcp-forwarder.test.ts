import { describe, expect, test } from "bun:test";
import { connect, createServer } from "node:net";
import { closedPort, holding, listenOn, tcpCutter, tcpForwarder } from "./tcp-forwarder.ts";
import { waitFor } from "./wait-for.ts";

/** Whether a connection to `port` is accepted and then closed by the other end (true), or fails (false). */
function cutOnConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let connected = false;
    socket.on("connect", () => {
      connected = true;
    });
    socket.on("error", () => resolve(false));
    socket.on("close", () => resolve(connected));
  });
}

describe("tcpCutter on a port something else holds (ci: sink-offsets-coordinator-outage, EADDRINUSE)", () => {
  test("listens once the port is let go, and cuts the connections it accepts", async () => {
    const port = await closedPort();
    const other = await holding(port);
    // Its first try finds the port in use (which failed the test at once before): it tries again until it is let go.
    const cutting = tcpCutter(port);
    await other.release();
    await using cutter = await cutting;
    expect(await cutOnConnect(port)).toBe(true);
    await waitFor(() => cutter.connections === 1);
  });

  test("a forwarder waits for its port too", async () => {
    const target = createServer((socket) => socket.end("hello"));
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    const port = await closedPort();
    const other = await holding(port);
    const forwarding = tcpForwarder(port, `127.0.0.1:${(target.address() as { port: number }).port}`);
    await other.release();
    await using _forwarder = await forwarding;
    const answer = await new Promise<string>((resolve, reject) => {
      let text = "";
      const socket = connect(port, "127.0.0.1");
      socket.on("data", (chunk) => {
        text += chunk.toString();
      });
      socket.on("error", reject);
      socket.on("close", () => resolve(text));
    });
    expect(answer).toBe("hello");
    await new Promise<void>((resolve) => target.close(() => resolve()));
  });

  test("a port that stays in use fails with an error naming it, and its tries leave no listener behind", async () => {
    const port = await closedPort();
    const other = await holding(port);
    const server = createServer();
    try {
      await expect(listenOn(server, port, 200)).rejects.toThrow(`127.0.0.1:${port} stayed in use for 200 ms`);
      // Each try's handlers go with it (listen's callback stayed, one per try: MaxListenersExceededWarning).
      expect([server.listenerCount("listening"), server.listenerCount("error")]).toEqual([0, 0]);
    } finally {
      await other.release();
    }
  });
});
