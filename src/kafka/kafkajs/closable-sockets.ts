/**
 * ClosableSockets: the kafkajs socketFactory of one producer's client (adapter.ts), which makes no connection any more
 * once `close()` ran (KafkajsProducer.forceClose). kafkajs cannot be told to end a sendBatch under way: it retries it
 * (metadata, then Produce) on connections it opens again after a disconnect. After a forced close each such socket
 * fails at once, so no retry of the abandoned send reaches a broker (Java's close(Duration.ZERO) sends nothing more).
 */
import { Socket } from "node:net";
import type { ISocketFactory } from "kafkajs";
import defaultSocketFactory from "kafkajs/src/network/socketFactory";

/** The code of a refused socket's error, which scripts/patches/kafkajs-unanswered-produce.mjs looks for. */
export const PRODUCER_STOPPED = "EPRODUCERSTOPPED";

export class ClosableSockets {
  private isClosed = false;
  readonly factory: ISocketFactory;

  constructor() {
    const open = defaultSocketFactory();
    this.factory = (args) => {
      if (!this.isClosed) return open(args);
      const refused = new Socket();
      // After kafkajs attached its listeners (it does on the returned socket): a connection error it retries, in vain.
      // Its code ends the send's retries in kafkajs whatever it may have written (dependency patch 20).
      const stopped = Object.assign(new Error("The producer was closed forcefully: no new connection"), {
        code: PRODUCER_STOPPED,
      });
      queueMicrotask(() => refused.destroy(stopped));
      return refused;
    };
  }

  /** From now on every socket asked for fails without connecting. */
  close(): void {
    this.isClosed = true;
  }

  /** Whether `close` ran: the client's log lines are DEBUG from then on (client-log.ts). */
  get closed(): boolean {
    return this.isClosed;
  }
}
