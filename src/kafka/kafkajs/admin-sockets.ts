/**
 * AdminSockets: the kafkajs socketFactory of one admin client (adapter.ts), whose connections are destroyed once its
 * connect failed or was abandoned, or once the admin is closed (`close()`; KafkajsAdmin.close after its disconnects). kafkajs' disconnect only half-closes them (end), which a frozen broker (it
 * accepts connections and never answers) never completes: each probe of such a broker held a connection open.
 */
import { Socket } from "node:net";
import type { ISocketFactory } from "kafkajs";
import defaultSocketFactory from "kafkajs/src/network/socketFactory";

export class AdminSockets {
  private readonly open = new Set<Socket>();
  private isClosed = false;
  readonly factory: ISocketFactory;

  constructor() {
    const make = defaultSocketFactory();
    this.factory = (args) => {
      if (this.isClosed) {
        // A retry under way when the connect was abandoned connects no further, and fails at once (an error kafkajs sees,
        // after it attached its listeners): destroyed without one, each retry waited out its connection timeout.
        const refused = new Socket();
        queueMicrotask(() => refused.destroy(new Error("The admin client was closed: no new connection")));
        return refused;
      }
      const socket = make(args);
      this.open.add(socket);
      socket.once("close", () => this.open.delete(socket));
      return socket;
    };
  }

  /** Destroys every connection open, and each one opened from now on. */
  close(): void {
    this.isClosed = true;
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  /** Whether `close` ran: the client's log lines are DEBUG from then on (client-log.ts). */
  get closed(): boolean {
    return this.isClosed;
  }
}
