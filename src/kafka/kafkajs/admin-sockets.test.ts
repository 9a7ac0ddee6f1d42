import { expect, test } from "bun:test";
import type { Socket } from "node:net";
import { type ISocketFactory, Kafka, logLevel } from "kafkajs";
import { recordingBroker } from "../../../test/support/recording-broker.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { LogManager } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { ADMIN_CLOSED, ADMIN_CLOSED_MESSAGE, AdminSockets } from "./admin-sockets.ts";
import { clientLog, clientLogLimiter } from "./client-log.ts";

// A frozen broker never completes a half-close (kafkajs' disconnect): AdminSockets' close destroys the connections.
const connect = (sockets: AdminSockets, port: number) =>
  sockets.factory({ host: "127.0.0.1", port, onConnect: () => {} } as Parameters<ISocketFactory>[0]) as Socket;

test("close destroys the connections open, and each one asked for afterwards", async () => {
  await using frozen = await recordingBroker({ hangUp: false, keepsHalfOpen: true });
  const sockets = new AdminSockets();
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
  const log = new LogManager({ rootLevel: "DEBUG", sink: (line) => lines.push(line) }).get("org.apache.kafka.clients");
  const sockets = new AdminSockets();
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
