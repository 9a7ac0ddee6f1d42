import { describe, expect, test } from "bun:test";
import { createServer, type Socket } from "node:net";
import { type ISocketFactory, Kafka, logLevel } from "kafkajs";
import { recordingBroker } from "../../../test/support/recording-broker.ts";
import { settled, waitFor } from "../../../test/support/wait-for.ts";
import { LogManager } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { clientLog, clientLogLimiter } from "./client-log.ts";
import {
  ADMIN_CLOSE,
  ADMIN_CLOSED,
  ADMIN_CLOSED_MESSAGE,
  ClosableSockets,
  PRODUCER_FORCE_CLOSE,
} from "./closable-sockets.ts";

describe("a kafkajs producer's connections, closed forcefully (explore23 F1)", () => {
  test("connects until closed; then each socket fails at once and no connection reaches the server; the open one is left to kafkajs' disconnect", async () => {
    const accepted: Socket[] = [];
    const server = createServer((s) => accepted.push(s));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const sockets = new ClosableSockets(PRODUCER_FORCE_CLOSE);
      let connected = false;
      const open = sockets.factory({ host: "127.0.0.1", port, onConnect: () => (connected = true) } as never);
      await waitFor(() => connected && accepted.length === 1, { what: "the first connection" });

      sockets.close();
      expect(open.destroyed).toBe(false);
      open.destroy();
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

describe("an admin client's connections, closed with it", () => {
  // A frozen broker never completes a half-close (kafkajs' disconnect): an admin's ClosableSockets close destroys the connections.
  const connect = (sockets: ClosableSockets, port: number) =>
    sockets.factory({ host: "127.0.0.1", port, onConnect: () => {} } as Parameters<ISocketFactory>[0]) as Socket;

  test("close destroys the connections open, and each one asked for afterwards", async () => {
    await using frozen = await recordingBroker({ hangUp: false, keepsHalfOpen: true });
    const sockets = new ClosableSockets(ADMIN_CLOSE);
    const open = connect(sockets, frozen.port);
    // With an error kafkajs sees (it listens for one as here): a request waiting on the connection fails at once, with a
    // code that says the failure is the client's own, not the broker's (scripts/patches/kafkajs-seed-broker.mjs).
    const destroyedWith = new Promise<NodeJS.ErrnoException>((resolve) => open.once("error", resolve));
    await waitFor(() => frozen.open() === 1, { what: "the connection accepted" });
    sockets.close();
    expect({ destroyed: open.destroyed, closed: sockets.closed }).toEqual({ destroyed: true, closed: true });
    expect((await destroyedWith).code).toBe(ADMIN_CLOSED);
    const later = connect(sockets, frozen.port);
    // It fails at once, with an error kafkajs sees (a retry does not wait out its connection timeout), and connects nowhere.
    const failed = await new Promise<NodeJS.ErrnoException>((resolve) => later.once("error", resolve));
    expect([failed.message, failed.code, later.destroyed]).toEqual([
      "The admin client was closed: no new connection",
      ADMIN_CLOSED,
      true,
    ]);
    expect(frozen.accepted()).toBe(1);
  });

  // Review kjsfirst-c P3-4: each connection the close destroyed logged "Connection error: The admin client was closed",
  // a stack with it.
  test("a closed admin client's connections, destroyed by its close, log no line", async () => {
    // A frozen broker that answers ApiVersions (all an admin's connect asks): it keeps the half-closed connection open.
    await using frozen = await recordingBroker({ hangUp: false, answersApiVersions: true, keepsHalfOpen: true });
    const lines: string[] = [];
    const log = new LogManager({ rootLevel: "DEBUG", sink: (line) => lines.push(line) }).get(
      "org.apache.kafka.clients",
    );
    const sockets = new ClosableSockets(ADMIN_CLOSE);
    const made: Socket[] = [];
    let failed = 0;
    // As the adapter makes an admin client's (adapter.ts).
    const kafka = new Kafka({
      brokers: [`127.0.0.1:${frozen.port}`],
      logLevel: logLevel.WARN,
      logCreator: () => clientLog(log, clientLogLimiter(new ManualClock()), () => sockets.closed),
      socketFactory: (args) => {
        const socket = sockets.factory(args) as Socket;
        made.push(socket);
        socket.on("error", () => failed++); // after kafkajs' listener, which logs the error
        return socket;
      },
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.disconnect();
    sockets.close();
    await waitFor(() => made.length > 0 && failed === made.length, { what: "each connection's error seen by kafkajs" });
    expect(lines.filter((line) => line.includes(ADMIN_CLOSED_MESSAGE))).toEqual([]);
  });
});
