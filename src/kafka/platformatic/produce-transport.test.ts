import { describe, expect, test } from "bun:test";
import { createServer, type Socket } from "node:net";
import type { Producer } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import { PlatformaticTransport } from "./produce-transport.ts";

/** A "broker" on loopback that accepts connections and reads nothing (a frozen or overloaded one). */
async function deafBroker() {
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

describe("PlatformaticTransport.close", () => {
  test("acks=0 requests a broker never reads: close ends within the grace and the connection is closed, not left open", async () => {
    await using broker = await deafBroker();
    // Metadata only: the node's address (the transport asks its library client for nothing else here).
    const client = {
      metadata: async () => ({
        brokers: new Map([[1, { host: "127.0.0.1", port: broker.port }]]),
        topics: new Map([["t", { partitionsCount: 1, partitions: [{ leader: 1 }] }]]),
      }),
    } as unknown as Producer<Buffer, Buffer, Buffer, Buffer>;
    const transport = new PlatformaticTransport(
      client,
      "test",
      { connectTimeout: 5_000, requestTimeout: 5_000, maxInflights: 5 },
      0,
      5_000,
    );
    await transport.leaders(["t"], true);
    // More than the socket buffers on both sides take: the rest stays queued in the client.
    const records = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < 8; i++) expect(await transport.produce(1, [{ topic: "t", partition: 0, records }])).toBeNull();
    await waitFor(() => broker.sockets.length === 1);
    await transport.close(50);
    // The broker side sees the connection end once it reads what had arrived.
    broker.sockets[0]!.resume();
    await waitFor(() => broker.closed.size === 1);
  });
});
