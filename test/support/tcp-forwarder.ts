/**
 * A loopback port nothing listens on (yet), a listener there that cuts every connection it accepts
 * (Kafka not reached, and the test sees each try), and a TCP forwarder that later listens there and
 * passes every connection to `target` ("host:port"): "Kafka comes back" for a client pointed at
 * the port.
 */
import { connect, createServer, type Socket } from "node:net";

/** A loopback port that was free a moment ago: connecting to it is refused until something listens. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Listens on 127.0.0.1:`port` and closes each connection as it is accepted; `connections` counts them,
 * `connectionsBy(time)` those accepted by then (epoch ms): a connection is stamped when this process sees it, never
 * before it was made.
 */
export async function tcpCutter(port: number) {
  const acceptedAt: number[] = [];
  const server = createServer((socket) => {
    acceptedAt.push(Date.now());
    socket.on("error", () => {});
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    get connections() {
      return acceptedAt.length;
    },
    connectionsBy: (time: number) => acceptedAt.filter((at) => at <= time).length,
    /** Stops listening (again: a no-op), so that the port can be given to something else. */
    [Symbol.asyncDispose]: async () => {
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Listens on 127.0.0.1:`port` and forwards each connection to `target`. */
export async function tcpForwarder(port: number, target: string) {
  const [host, targetPort] = [
    target.slice(0, target.lastIndexOf(":")),
    Number(target.slice(target.lastIndexOf(":") + 1)),
  ];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("error", () => socket.destroy());
    socket.on("close", () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const upstream = connect(targetPort, host);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    [Symbol.asyncDispose]: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
