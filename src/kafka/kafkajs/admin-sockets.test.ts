import { expect, test } from "bun:test";
import type { Socket } from "node:net";
import type { ISocketFactory } from "kafkajs";
import { recordingBroker } from "../../../test/support/recording-broker.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { AdminSockets } from "./admin-sockets.ts";

// A frozen broker never completes a half-close (kafkajs' disconnect): AdminSockets' close destroys the connections.
const connect = (sockets: AdminSockets, port: number) =>
  sockets.factory({ host: "127.0.0.1", port, onConnect: () => {} } as Parameters<ISocketFactory>[0]) as Socket;

test("close destroys the connections open, and each one asked for afterwards", async () => {
  await using frozen = await recordingBroker({ hangUp: false, keepsHalfOpen: true });
  const sockets = new AdminSockets();
  const open = connect(sockets, frozen.port);
  await waitFor(() => frozen.open() === 1, { what: "the connection accepted" });
  sockets.close();
  expect({ destroyed: open.destroyed, closed: sockets.closed }).toEqual({ destroyed: true, closed: true });
  const later = connect(sockets, frozen.port);
  // It fails at once, with an error kafkajs sees (a retry does not wait out its connection timeout), and connects nowhere.
  const failed = await new Promise<Error>((resolve) => later.once("error", resolve));
  expect([failed.message, later.destroyed]).toEqual(["The admin client was closed: no new connection", true]);
  expect(frozen.accepted()).toBe(1);
});
