/**
 * AdminSockets: the kafkajs socketFactory of one admin client (adapter.ts), whose connections are destroyed once its
 * connect failed or was abandoned, or once the admin is closed (`close()`; KafkajsAdmin.close after its disconnects). kafkajs' disconnect only half-closes them (end), which a frozen broker (it
 * accepts connections and never answers) never completes: each probe of such a broker held a connection open.
 */
import { Socket } from "node:net";
import type { ISocketFactory } from "kafkajs";
import defaultSocketFactory from "kafkajs/src/network/socketFactory";

/**
 * The code of the error of a socket the closed admin refused or destroyed: a failure of the client's own, which marks no
 * broker as unanswering for the other clients (scripts/patches/kafkajs-seed-broker.mjs, its brokersDoing).
 */
export const ADMIN_CLOSED = "EADMINCLOSED";

/** The start of that error's message, which kafkajs' log line of it repeats (client-log.ts leaves such lines out). */
export const ADMIN_CLOSED_MESSAGE = "The admin client was closed";

const closedError = (message: string) => Object.assign(new Error(message), { code: ADMIN_CLOSED });

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
        queueMicrotask(() => refused.destroy(closedError(`${ADMIN_CLOSED_MESSAGE}: no new connection`)));
        return refused;
      }
      const socket = make(args);
      this.open.add(socket);
      socket.once("close", () => this.open.delete(socket));
      return socket;
    };
  }

  /**
   * Destroys every connection open, and each one opened from now on. A request still waiting on one fails at once with
   * the closed admin's error: destroyed without one, it waited out its request timeout, a timeout of the broker's.
   */
  close(): void {
    this.isClosed = true;
    for (const socket of this.open) socket.destroy(closedError(ADMIN_CLOSED_MESSAGE));
    this.open.clear();
  }

  /** Whether `close` ran: the client's log lines are DEBUG from then on (client-log.ts). */
  get closed(): boolean {
    return this.isClosed;
  }
}
