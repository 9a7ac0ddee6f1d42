/**
 * ClosableSockets: the kafkajs socketFactory of one client (adapter.ts) that makes no connection any more once
 * `close()` ran: each socket asked for afterwards fails at once with a coded error kafkajs sees, connecting nowhere.
 *
 * - A producer's (PRODUCER_FORCE_CLOSE; KafkajsProducer.forceClose): kafkajs cannot be told to end a sendBatch under
 *   way: it retries it (metadata, then Produce) on connections it opens again after a disconnect. After a forced close
 *   no retry of the abandoned send reaches a broker (Java's close(Duration.ZERO) sends nothing more).
 * - An admin's (ADMIN_CLOSE; once its connect failed or was abandoned, or KafkajsAdmin.close after its disconnects):
 *   the close also destroys the connections open. kafkajs' disconnect only half-closes them (end), which a frozen
 *   broker (it accepts connections and never answers) never completes: each probe of such a broker held one open.
 */
import { Socket } from "node:net";
import type { ISocketFactory } from "kafkajs";
import defaultSocketFactory from "kafkajs/src/network/socketFactory";

/** The code of a refused socket's error, which scripts/patches/kafkajs-unanswered-produce.mjs looks for. */
export const PRODUCER_STOPPED = "EPRODUCERSTOPPED";

/**
 * The code of the error of a socket the closed admin refused or destroyed: a failure of the client's own, which marks no
 * broker as unanswering for the other clients (scripts/patches/kafkajs-seed-broker.mjs, its brokersDoing).
 */
export const ADMIN_CLOSED = "EADMINCLOSED";

/** The start of that error's message, which kafkajs' log line of it repeats (client-log.ts leaves such lines out). */
export const ADMIN_CLOSED_MESSAGE = "The admin client was closed";

/** What a close does to the sockets: the error they fail with, and whether the open ones are destroyed. */
export interface SocketsClose {
  readonly code: string;
  /** The message of a socket asked for after the close. */
  readonly refused: string;
  /** The message of an open socket the close destroys; none: the close leaves them to the client's disconnect. */
  readonly destroyed?: string;
}

export const PRODUCER_FORCE_CLOSE: SocketsClose = {
  code: PRODUCER_STOPPED,
  refused: "The producer was closed forcefully: no new connection",
};

export const ADMIN_CLOSE: SocketsClose = {
  code: ADMIN_CLOSED,
  refused: `${ADMIN_CLOSED_MESSAGE}: no new connection`,
  destroyed: ADMIN_CLOSED_MESSAGE,
};

export class ClosableSockets {
  private readonly open = new Set<Socket>();
  private isClosed = false;
  readonly factory: ISocketFactory;

  constructor(private readonly onClose: SocketsClose) {
    const make = defaultSocketFactory();
    this.factory = (args) => {
      if (this.isClosed) {
        // After kafkajs attached its listeners (it does on the returned socket): a connection error it would retry.
        // Destroyed without one, each retry waited out its connection timeout; the producer's code ends the send's
        // retries in kafkajs whatever it may have written (dependency patch 20).
        const refused = new Socket();
        queueMicrotask(() => refused.destroy(this.error(onClose.refused)));
        return refused;
      }
      const socket = make(args);
      if (onClose.destroyed !== undefined) {
        this.open.add(socket);
        socket.once("close", () => this.open.delete(socket));
      }
      return socket;
    };
  }

  /**
   * From now on every socket asked for fails without connecting. With `destroyed`, every connection open is destroyed
   * too: a request still waiting on one fails at once with that error; destroyed without one, it waited out its
   * request timeout, a timeout of the broker's.
   */
  close(): void {
    this.isClosed = true;
    const message = this.onClose.destroyed;
    if (message !== undefined) for (const socket of this.open) socket.destroy(this.error(message));
    this.open.clear();
  }

  /** Whether `close` ran: the client's log lines are DEBUG from then on (client-log.ts). */
  get closed(): boolean {
    return this.isClosed;
  }

  private error(message: string): Error {
    return Object.assign(new Error(message), { code: this.onClose.code });
  }
}
