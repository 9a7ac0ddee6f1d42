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
  await waitFor(() => later.destroyed, { what: "the later connection destroyed" });
});
