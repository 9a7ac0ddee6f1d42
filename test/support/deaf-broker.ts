import { createServer, type Socket } from "node:net";

/** A "broker" on loopback that accepts connections and reads nothing (a frozen or overloaded one). */
export async function deafBroker() {
  const sockets: Socket[] = [];
  const closed = new Set<Socket>();
  const server = createServer((socket) => {
    socket.pause();
    socket.on("error", () => {});
    socket.on("close", () => closed.add(socket));
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    sockets,
    closed,
    [Symbol.asyncDispose]: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
