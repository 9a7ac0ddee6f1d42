/**
 * ResponseGate: the TLS front end's backpressure from a connection's answers to its requests, as
 * Node's own http server has (Bun's node:http, fed sockets by the front end, has none: a client
 * that pipelines requests and never reads the answers had every request handled and every answer
 * buffered in memory).
 *
 * A request of a connection is handed to the handler only while the connection's answers are
 * being read: fewer than PIPELINE_DEPTH answers of the connection unfinished, and the socket not
 * waiting for `drain` (its buffer above the high-water mark). Otherwise the request waits in the
 * connection's queue and the socket stops reading, so no further request is parsed; when an answer
 * finishes or the socket drains, waiting requests go on in order and the socket reads again once
 * none waits. What a connection can hold is then about PIPELINE_DEPTH answers plus the socket's
 * buffer, plus requests already parsed from the bytes read before the pause. A client that never
 * reads keeps its requests waiting until write.stall.timeout.ms (connection-guard.ts) closes the
 * connection; a waiting request has not reached the ingest handler, so it holds no
 * ingest.max.concurrent.requests slot.
 *
 * Called by tls-front-end.ts only, for every request (also `checkContinue`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** Answers of one connection in progress at most (pipelined requests handled concurrently). */
export const PIPELINE_DEPTH = 4;

interface Connection {
  /** Answers handed to the handler and not finished (nor abandoned). */
  running: number;
  readonly waiting: (() => void)[];
  paused: boolean;
}

export class ResponseGate {
  private readonly connections = new WeakMap<Socket, Connection>();

  /** Runs `serve` now, or once the connection's earlier answers are being read. */
  admit(req: IncomingMessage, res: ServerResponse, serve: () => void): void {
    const socket = req.socket;
    let c = this.connections.get(socket);
    if (!c) {
      const created: Connection = { running: 0, waiting: [], paused: false };
      this.connections.set(socket, created);
      socket.on("drain", () => this.next(socket, created));
      c = created;
    }
    const run = () => this.run(socket, c, res, serve);
    if (c.waiting.length === 0 && this.open(socket, c)) {
      run();
      return;
    }
    c.waiting.push(run);
    if (!c.paused) {
      c.paused = true;
      socket.pause();
    }
  }

  private open(socket: Socket, c: Connection): boolean {
    return !socket.destroyed && c.running < PIPELINE_DEPTH && !socket.writableNeedDrain;
  }

  private run(socket: Socket, c: Connection, res: ServerResponse, serve: () => void): void {
    c.running++;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      c.running--;
      this.next(socket, c);
    };
    res.once("finish", end);
    res.once("close", end);
    serve();
  }

  private next(socket: Socket, c: Connection): void {
    while (c.waiting.length > 0 && this.open(socket, c)) c.waiting.shift()!();
    if (c.waiting.length === 0 && c.paused && !socket.destroyed) {
      c.paused = false;
      socket.resume();
    }
  }
}
