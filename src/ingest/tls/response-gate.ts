/**
 * ResponseGate: the TLS front end's backpressure from a connection's answers to its requests, as
 * Node's own http server has (Bun's node:http, fed sockets by the front end, has none: a client
 * that pipelines requests and never reads the answers had every request handled and every answer
 * buffered in memory).
 *
 * A request of a connection is handed to the handler only while the connection's answers are
 * being read: fewer than PIPELINE_DEPTH answers of the connection unfinished, and the socket not
 * waiting for `drain` (its buffer above the high-water mark), nor ended; and once the handler read
 * all of the body of the request handed over before it (`bodyRead`), or answered it: node:http
 * parses a pipelined request as soon as the body before it is in, before the handler has read it,
 * and only reading it decides a 413 for a chunked body over the limit, after which nothing parsed
 * later may be handled (`handOverNoMore`). Otherwise the request
 * waits in the connection's queue and the socket stops reading, so no further request is parsed;
 * when an answer finishes or the socket drains, waiting requests go on in order and the socket
 * reads again once none waits. The pause is applied again for every queued request and after every
 * `next()` that leaves requests waiting: Bun's node:http resumes the socket on each 'drain' by
 * itself (resumeFallbackReadsOnDrain), which undid a single pause and let the queue grow without
 * limit.
 *
 * Requests parsed from the bytes of one read (Bun reads up to 512 KiB) still all arrive: more than
 * MAX_WAITING waiting and the connection is given up. Its waiting requests and any parsed after
 * are dropped unhandled; once its answers in progress finished, `onOverflow` ends it (counted as
 * "pipeline"), so every request handled is answered and the client retries the others on a new
 * connection. A connection given up stays paused (also on 'drain', also while its answers in
 * progress are written), so at most the requests of the read that overflowed are parsed.
 * `giveUp` (a CRL reload revoked the connection's certificate) drops requests the same way; the
 * connection guard closes it. `handOverNoMore` (an answer closing the connection is decided while
 * the request's body is read) drops the requests waiting and those parsed from then on, without
 * pausing the socket before one is: the rest of the body is read. What a connection can hold is then PIPELINE_DEPTH answers plus the
 * socket's buffer plus MAX_WAITING requests. A client that never reads keeps its requests waiting until
 * write.stall.timeout.ms (connection-guard.ts) closes the connection; a waiting request has not
 * reached the ingest handler, so it holds no ingest.max.concurrent.requests slot.
 *
 * Called by tls-front-end.ts only, for every request (also `checkContinue`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** Answers of one connection in progress at most (pipelined requests handled concurrently). */
export const PIPELINE_DEPTH = 4;

/** Parsed requests of one connection waiting at most; one more and the connection is given up. */
export const MAX_WAITING = 64;

interface Connection {
  /** Answers handed to the handler and not finished (nor abandoned). */
  running: number;
  readonly waiting: (() => void)[];
  paused: boolean;
  /** Given up (`giveUp`, or over MAX_WAITING): requests are dropped unhandled, the socket reads no more. */
  givenUp: boolean;
  /** `handOverNoMore`: requests parsed from now on are dropped unhandled (the socket reads on until one is). */
  closing: boolean;
  /** The request handed over last while the handler has not read all of its body nor answered it. */
  unreadBody: IncomingMessage | undefined;
  /** `serve` of a request runs: a `bodyRead` inside it leaves the waiting requests to the caller's loop. */
  serving: boolean;
  /** Over MAX_WAITING: `onOverflow` ends the connection after its answers in progress. */
  overflowed: boolean;
  /** Set by `afterAnswers`: runs once no answer is in progress nor request waiting; nothing is read meanwhile. */
  last: (() => void) | undefined;
  /** The request handed to the handler last. */
  handedOver: IncomingMessage | undefined;
  /** The request parsed last (only it can still be receiving its body). */
  latest: IncomingMessage | undefined;
  /** The latest request's answer and what ends it in `running`, while handed over and not finished. */
  latestRun: { readonly res: ServerResponse; readonly end: () => void } | undefined;
}

export class ResponseGate {
  private readonly connections = new WeakMap<Socket, Connection>();

  /** `onOverflow` ends (and counts) a connection given up for too many waiting requests. */
  constructor(private readonly onOverflow: (socket: Socket) => void) {}

  /** Runs `serve` now, or once the connection's earlier answers are being read. */
  admit(req: IncomingMessage, res: ServerResponse, serve: () => void): void {
    const socket = req.socket;
    const c = this.connectionOf(socket);
    c.latest = req;
    c.latestRun = undefined;
    if (c.givenUp || c.closing) {
      socket.pause(); // parse no further request: the connection is being given up or closed
      return;
    }
    const run = () => this.run(socket, c, req, res, serve);
    if (c.waiting.length === 0 && this.open(socket, c)) {
      run();
      return;
    }
    c.paused = true;
    socket.pause();
    if (c.waiting.length < MAX_WAITING) c.waiting.push(run);
    else {
      c.overflowed = true;
      this.drop(socket, c);
      if (c.running === 0) this.onOverflow(socket);
    }
  }

  /**
   * No further request of the connection is handled (a CRL reload revoked its certificate): its
   * waiting requests are dropped and the socket reads no more. The caller closes it once its
   * answers in progress finished (ConnectionGuard.closeWhen).
   */
  giveUp(socket: Socket): void {
    this.drop(socket, this.connectionOf(socket));
  }

  /**
   * No request of the connection parsed from now on is handed to the handler: the one whose body
   * arrives is being refused with `Connection: close`. Unlike `giveUp`, the socket reads on, so the
   * rest of that body arrives (it is read and dropped before the refusal is answered).
   */
  handOverNoMore(socket: Socket): void {
    const c = this.connectionOf(socket);
    c.closing = true;
    c.waiting.length = 0; // parsed after the refused request: its body was in before its refusal
  }

  /** The handler has read all of `req`'s body (or cancelled it, or it failed): the next request may go on. */
  bodyRead(req: IncomingMessage): void {
    const c = this.connections.get(req.socket);
    if (c?.unreadBody !== req) return;
    c.unreadBody = undefined;
    if (!c.serving) this.next(req.socket, c);
  }

  /**
   * Whether a request of the connection was handed to the handler after `req` (so `req`'s answer is
   * not the last written); requests waiting or dropped do not count (review of sechunt, third: the
   * last answer said `Connection: keep-alive`).
   */
  handedOverAfter(req: IncomingMessage): boolean {
    const c = this.connections.get(req.socket);
    return c?.handedOver !== undefined && c.handedOver !== req;
  }

  /**
   * Runs `last` once every request of the connection already handed over or waiting is answered
   * (now when none is), and keeps the socket from reading meanwhile: the HTTP parser failed on the
   * bytes after them (tls-client-error.ts), so the requests before the bad one are answered first,
   * in order, and the error answer comes last.
   *
   * When the request parsed last has not received all of its body, the bad bytes (or the client's
   * close) are in that body, which will never complete: waiting for its answer would hold the
   * connection until the request's deadline. It is left out: dropped when still waiting, else
   * `withdraw`n (its body fails and its answer is not written) and no longer waited for; the
   * requests before it are answered first all the same (review of sechunt, P2: the error answer
   * written at once was read as the answer of an earlier POST whose records were written). False
   * (and nothing done) when it is the only request of the connection handed over or waiting, or
   * when its answer has begun (a v3 stream answers while its body arrives): the caller answers at
   * once and ends the connection.
   */
  afterAnswers(socket: Socket, last: () => void, withdraw: (req: IncomingMessage) => void): boolean {
    const c = this.connectionOf(socket);
    const incomplete = c.latest !== undefined && !c.latest.complete ? c.latest : undefined;
    const handedOver = incomplete !== undefined ? c.latestRun : undefined;
    if (incomplete !== undefined) {
      const latestIn = handedOver !== undefined || c.waiting.length > 0 ? 1 : 0;
      if (c.running + c.waiting.length - latestIn === 0 || handedOver?.res.headersSent) return false;
      if (handedOver !== undefined) withdraw(incomplete);
      else c.waiting.pop();
    }
    c.last = last;
    c.paused = true;
    socket.pause();
    handedOver?.end(); // no longer waited for: ends it in `running` (and runs `next`)
    this.next(socket, c);
    return true;
  }

  private connectionOf(socket: Socket): Connection {
    let c = this.connections.get(socket);
    if (!c) {
      const created: Connection = {
        running: 0,
        waiting: [],
        paused: false,
        givenUp: false,
        closing: false,
        unreadBody: undefined,
        serving: false,
        overflowed: false,
        last: undefined,
        handedOver: undefined,
        latest: undefined,
        latestRun: undefined,
      };
      this.connections.set(socket, created);
      socket.on("drain", () => this.next(socket, created));
      c = created;
    }
    return c;
  }

  private drop(socket: Socket, c: Connection): void {
    c.givenUp = true;
    c.paused = true;
    c.waiting.length = 0;
    socket.pause();
  }

  private open(socket: Socket, c: Connection): boolean {
    return (
      !socket.destroyed &&
      !socket.writableEnded &&
      c.running < PIPELINE_DEPTH &&
      !socket.writableNeedDrain &&
      c.unreadBody === undefined
    );
  }

  private run(socket: Socket, c: Connection, req: IncomingMessage, res: ServerResponse, serve: () => void): void {
    c.running++;
    c.handedOver = req;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (c.latestRun?.end === end) c.latestRun = undefined;
      if (c.unreadBody === req) c.unreadBody = undefined;
      c.running--;
      this.next(socket, c);
    };
    if (c.latest === req) c.latestRun = { res, end };
    res.once("finish", end);
    res.once("close", end);
    c.unreadBody = req;
    c.serving = true;
    try {
      serve();
    } finally {
      c.serving = false;
    }
  }

  private next(socket: Socket, c: Connection): void {
    if (c.givenUp) {
      if (socket.writableEnded) return; // closing: the lingering close reads and drops the rest
      if (c.overflowed && c.running === 0) this.onOverflow(socket);
      else socket.pause(); // Bun's node:http resumes the socket on 'drain' itself
      return;
    }
    while (c.waiting.length > 0 && this.open(socket, c)) c.waiting.shift()!();
    if (c.last !== undefined) {
      socket.pause();
      if (c.running > 0 || c.waiting.length > 0) return;
      const last = c.last;
      c.last = undefined;
      last();
      return;
    }
    if (c.waiting.length > 0)
      socket.pause(); // Bun's node:http resumes the socket on 'drain' itself
    else if (c.paused && !socket.destroyed) {
      c.paused = false;
      socket.resume();
    }
  }
}
