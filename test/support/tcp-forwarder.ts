/**
 * A loopback port nothing listens on (yet), a listener there that cuts every connection it accepts
 * (Kafka not reached, and the test sees each try), and a TCP forwarder that later listens there and
 * passes every connection to `target` ("host:port"): "Kafka comes back" for a client pointed at
 * the port; the forwarder also says which Kafka clients came through it. Both wait for their port while something else
 * holds it (`listenOn`); `holding` is such a something else.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { requestHeaderOf } from "./recording-broker.ts";

/** How long a listener waits for its port to be free (EADDRINUSE) before it gives up. */
const PORT_WAIT_MS = 30_000;
/** Between two tries to listen on a port in use. */
const PORT_RETRY_MS = 50;

/**
 * Listens on 127.0.0.1:`port`. A port that was free a moment ago (a stopped broker's, `closedPort`'s) may be in use
 * now: the OS gives ports of the ephemeral range to outgoing connections too (ci: sink-offsets-coordinator-outage's
 * cutter got EADDRINUSE on the stopped broker's port). Tried again until it is free, for `waitMs`; then an error that
 * names the port and why.
 */
export async function listenOn(server: Server, port: number, waitMs = PORT_WAIT_MS): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      // Both handlers are this try's and removed with it: listen's own callback would stay registered after a failed
      // try (MaxListenersExceededWarning after a few hundred ms of tries).
      await new Promise<void>((resolve, reject) => {
        const listening = () => {
          server.off("error", failed);
          resolve();
        };
        const failed = (error: Error) => {
          server.off("listening", listening);
          reject(error);
        };
        server.once("listening", listening);
        server.once("error", failed);
        server.listen(port, "127.0.0.1");
      });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
      if (Date.now() >= deadline)
        throw new Error(
          `127.0.0.1:${port} stayed in use for ${waitMs} ms (taken by another socket since it was free, e.g. as an outgoing connection's ephemeral port): the test cannot listen there`,
          { cause: error },
        );
      await new Promise((resolve) => setTimeout(resolve, PORT_RETRY_MS));
    }
  }
}

/** A server holding 127.0.0.1:`port` (what takes a stopped broker's port meanwhile), and its release. */
export async function holding(port: number): Promise<{ release: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

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
  await listenOn(server, port);
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

/**
 * Listens on 127.0.0.1:`port` (0: a free one, `port` says which) and forwards each connection to `target`;
 * `clientIds` holds the client id of each connection's first Kafka request (request header v1/v2), in the order they
 * came: which clients asked the broker behind it.
 */
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
  const clientIds: (string | null)[] = [];
  const server = createServer((client) => {
    const upstream = connect(targetPort, host);
    track(client);
    track(upstream);
    let first = Buffer.alloc(0);
    const readFirst = (chunk: Buffer) => {
      first = Buffer.concat([first, chunk]);
      const header = first.length >= 4 ? requestHeaderOf(first.subarray(4)) : undefined;
      if (header === undefined) return;
      clientIds.push(header.clientId);
      client.off("data", readFirst);
    };
    client.on("data", readFirst);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await listenOn(server, port);
  return {
    port: (server.address() as { port: number }).port,
    clientIds,
    [Symbol.asyncDispose]: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
