import { describe, expect, test } from "bun:test";
import { createServer, type Socket } from "node:net";
import { settled, waitFor } from "../../../test/support/wait-for.ts";
import { ClosableSockets } from "./closable-sockets.ts";

describe("ClosableSockets (a kafkajs producer's connections; explore23 F1)", () => {
  test("connects until closed; then each socket fails at once and no connection reaches the server", async () => {
    const accepted: Socket[] = [];
    const server = createServer((s) => accepted.push(s));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const sockets = new ClosableSockets();
      let connected = false;
      const open = sockets.factory({ host: "127.0.0.1", port, onConnect: () => (connected = true) } as never);
      await waitFor(() => connected && accepted.length === 1, { what: "the first connection" });
      open.destroy();

      sockets.close();
      const refused = sockets.factory({ host: "127.0.0.1", port, onConnect: () => undefined } as never);
      const error = await settled(new Promise<Error>((resolve) => refused.on("error", resolve)), {
        what: "the refused socket's error",
      });
      expect([error.message, (error as { code?: string }).code, refused.destroyed, accepted.length]).toEqual([
        "The producer was closed forcefully: no new connection",
        "EPRODUCERSTOPPED",
        true,
        1,
      ]);
    } finally {
      for (const s of accepted) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
