/**
 * ConnectionGuard: the TLS front end's bounds on what one connection may hold. node:http fed
 * sockets through `emit("connection")` (as the front end must, to see the client certificate)
 * applies neither its keep-alive timeout nor its headers timeout under Bun, so they are enforced
 * here, with one timer per connection, by phase:
 *
 *   accepted ──secure──▶ idle ──first byte──▶ headers ──request──▶ body ──end──▶ handling
 *      │ handshake.timeout   │ idle.timeout       │ headers.timeout     │ body.timeout
 *                            ◀──────────────────── response finished ─────────────────┘
 *
 * A phase that outlives its deadline destroys the socket (the handler of a request whose body was
 * cut off sees the body stream fail), but for a body whose answer has begun (a v3 stream: handling).
 * The body deadline is never shorter than the routes' largest ingest.request.timeout.ms plus
 * BODY_DEADLINE_MARGIN_MS (`bodyFloorMs`, body-deadline.ts): that deadline bounds an ingest request's body, answered
 * 408 in REST Proxy's error shape, as on the plain listener (cutting the connection first left the
 * device without an answer: ingestp4). `handling` (the handler and the response) has no phase
 * deadline: ingest.request.timeout.ms bounds the handler. Pipelined requests overlap (up to
 * PIPELINE_DEPTH answers, response-gate.ts): the connection counts its answers in flight and is
 * idle (and closed by `closeWhen`) only when none is left, so an answer finishing while others are
 * in progress neither starts the idle deadline nor closes the connection under them.
 *
 * Writes have their own deadline, in every phase: a connection with bytes waiting to be sent whose
 * count of bytes handed to the kernel did not move for write.stall.timeout.ms (a client that sends
 * requests but never reads the answers) is destroyed, which frees everything buffered for it. One
 * sweep per guard checks every connection each quarter of the deadline, so a stall is caught
 * between 1 and 1.25 times the deadline after its last progress. The sweep, not a drain event, is
 * what sees progress: a client reading slowly makes progress without the buffer ever draining.
 * Limit: progress is seen only when the kernel takes more bytes, and Linux wakes a writer only once
 * about a third of the socket's send buffer (autotuned up to several MB) is free: a client reading
 * slower than roughly that much per deadline is closed although reading (measured on loopback:
 * 80 KB/s, 1.4 MB taken after 12.7 s of no visible progress). The number of open connections is capped overall
 * and per client IP; a connection over either cap is destroyed when accepted, before its handshake.
 *
 * `closeWhen(predicate)` closes matching connections once no answer is in flight (now, flushing
 * what was written, when none is; after the last answer otherwise): the front end uses it after a
 * CRL or trust store reload (with ResponseGate.giveUp, so no further request is handled meanwhile)
 * so that connections of client certificates the new material refuses (still-accepted.ts)
 * reconnect and face it. A request still receiving its body then is not waited for: nothing of it
 * was answered, and the socket no longer reads, so the connection is closed at once.
 * `closeAfterAnswers(socket)` is the same for one connection: the front end uses it (with
 * ResponseGate.giveUp) when an answer with `Connection: close` is written while requests parsed
 * after it are being answered (fetch-bridge.ts nodeListener), so the connection ends after theirs.
 * Connections closed by either are not counted in `closed` (the front end's connectionsClosed,
 * ingest_tls_connections_closed_total): that counts the guard's caps and deadlines and the
 * `pipeline` give-up only, not closes after a refusal or a reload.
 *
 * Called by tls-front-end.ts only; all state is per front end.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { bodyDeadlineMs } from "./body-deadline.ts";

/** The worker keys ingest.listeners.https.{handshake,idle,request.headers,request.body,write.stall}.timeout.ms and max.connections[.per.ip]. */
export interface ConnectionLimits {
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  /** 0: no limit. */
  readonly writeStallTimeoutMs: number;
  /** 0: no cap. */
  readonly maxConnections: number;
  /** 0: no cap. */
  readonly maxConnectionsPerIp: number;
}

type Phase = "accepted" | "idle" | "headers" | "body" | "handling";

interface Tracked {
  phase: Phase;
  timer: ReturnType<typeof setTimeout> | undefined;
  closeWhenIdle: boolean;
  /** Requests of the connection handed over and not answered (pipelined ones overlap). */
  inFlight: number;
  /** The answer of the request whose body is arriving (phase `body`), until its body ends or it is answered. */
  arriving: ServerResponse | undefined;
  /** Bytes handed to the kernel when last seen moving, and when that was (ms, monotonic). */
  flushed: number;
  progressAt: number;
}

/** Connections refused or closed by the guard, by reason, for metrics and tests. */
export type GuardEvent =
  | "max_connections"
  | "max_connections_per_ip"
  | "write"
  | "pipeline"
  | Exclude<Phase, "handling">;

export class ConnectionGuard {
  private readonly tracked = new Map<Socket, Tracked>();
  private readonly perIp = new Map<string, number>();
  readonly closed = new Map<GuardEvent, number>();

  private readonly sweep: ReturnType<typeof setInterval> | undefined;

  /**
   * `bodyFloorMs`: the routes' largest ingest.request.timeout.ms now (null: no route open), below
   * which (plus BODY_DEADLINE_MARGIN_MS, body-deadline.ts) a body is not cut.
   */
  constructor(
    private readonly limits: ConnectionLimits,
    private readonly bodyFloorMs: () => number | null = () => null,
  ) {
    const ms = limits.writeStallTimeoutMs;
    if (ms > 0) {
      this.sweep = setInterval(() => this.closeStalledWrites(), Math.max(1, Math.floor(ms / 4)));
      this.sweep.unref?.();
    }
  }

  /** Stops the write sweep (the front end stopped). */
  close(): void {
    if (this.sweep) clearInterval(this.sweep);
  }

  get size(): number {
    return this.tracked.size;
  }

  /** A TCP connection was accepted; false (and the socket destroyed) when over a cap. */
  accept(socket: Socket): boolean {
    const ip = socket.remoteAddress ?? "";
    const { maxConnections, maxConnectionsPerIp } = this.limits;
    const fromIp = this.perIp.get(ip) ?? 0;
    const refused =
      maxConnections > 0 && this.tracked.size >= maxConnections
        ? "max_connections"
        : maxConnectionsPerIp > 0 && fromIp >= maxConnectionsPerIp
          ? "max_connections_per_ip"
          : undefined;
    if (refused) {
      this.count(refused);
      socket.destroy();
      return false;
    }
    this.perIp.set(ip, fromIp + 1);
    const t: Tracked = {
      phase: "accepted",
      timer: undefined,
      closeWhenIdle: false,
      inFlight: 0,
      arriving: undefined,
      flushed: 0,
      progressAt: performance.now(),
    };
    this.tracked.set(socket, t);
    this.enter(socket, t, "accepted");
    socket.once("close", () => {
      if (t.timer) clearTimeout(t.timer);
      this.tracked.delete(socket);
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left > 0) this.perIp.set(ip, left);
      else this.perIp.delete(ip);
    });
    return true;
  }

  /** The handshake completed: the connection waits for its first request. */
  secured(socket: Socket): void {
    const t = this.tracked.get(socket);
    if (!t) return;
    this.enter(socket, t, "idle");
    socket.on("data", () => {
      if (t.phase === "idle") this.enter(socket, t, "headers");
    });
  }

  /** node:http parsed a request's headers (call from the request listener). */
  request(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const t = this.tracked.get(socket);
    if (!t) return;
    const hasBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) !== 0;
    if (!hasBody || req.complete) {
      if (t.phase !== "body") this.enter(socket, t, "handling");
    } else {
      this.enter(socket, t, "body");
      t.arriving = res;
      // Only for its own body: a request pipelined behind it may be receiving its body by now
      // (a POST behind a 413 whose body ended late), which keeps its phase and deadline.
      req.once("end", () => {
        if (t.arriving !== res) return;
        t.arriving = undefined;
        if (t.phase === "body") this.enter(socket, t, "handling");
      });
    }
    t.inFlight++;
    let answered = false;
    const done = () => {
      if (answered) return;
      answered = true;
      if (t.arriving === res) t.arriving = undefined;
      if (--t.inFlight > 0) {
        if (t.closeWhenIdle) this.closeIfOnlyArriving(socket, t);
        return; // pipelined answers still in progress: not idle yet
      }
      if (t.closeWhenIdle)
        socket.destroySoon(); // the lingering close: also ends a paused socket
      else if (t.phase === "handling" || t.phase === "body") this.enter(socket, t, "idle");
    };
    res.once("finish", done);
    res.once("close", done);
  }

  /**
   * Closes every matching connection once no answer of it is in flight (flushing what was written);
   * a request whose body is still arriving, its answer not begun, is not waited for (closeIfOnlyArriving).
   */
  closeWhen(matches: (socket: Socket) => boolean): void {
    for (const [socket, t] of this.tracked) if (matches(socket)) this.closeTracked(socket, t);
  }

  /** `closeWhen` for one connection. */
  closeAfterAnswers(socket: Socket): void {
    const t = this.tracked.get(socket);
    if (t) this.closeTracked(socket, t);
  }

  private closeTracked(socket: Socket, t: Tracked): void {
    if (t.inFlight === 0)
      socket.destroySoon(); // flushes answers already written, then ends
    else {
      t.closeWhenIdle = true;
      this.closeIfOnlyArriving(socket, t);
    }
  }

  /**
   * Closes a connection to be closed whose only request in flight is still receiving its body and
   * has no answer begun (explore14 F2): the caller stopped reading the connection
   * (ResponseGate.giveUp), so that body would never end and the request would wait out
   * ingest.request.timeout.ms. Its handler has written nothing (the ingest handler reads the
   * whole body first), so the client's retry on a new connection is safe.
   */
  private closeIfOnlyArriving(socket: Socket, t: Tracked): void {
    if (t.inFlight === 1 && t.phase === "body" && t.arriving !== undefined && !t.arriving.headersSent)
      socket.destroySoon(); // the lingering close: reads and drops the rest of the body
  }

  /** Destroys the connection, counting it under `event`. */
  destroy(socket: Socket, event: GuardEvent): void {
    if (socket.destroyed) return;
    this.count(event);
    socket.destroy();
  }

  /**
   * Closes the connection after what was written is flushed (`destroySoon`: the front end's
   * lingering close, which also reads the client's FIN), counting it under `event` (once).
   */
  end(socket: Socket, event: GuardEvent): void {
    if (socket.destroyed || socket.writableEnded) return;
    this.count(event);
    socket.destroySoon();
  }

  /** Destroys every connection whose pending writes have not moved for write.stall.timeout.ms. */
  private closeStalledWrites(): void {
    const now = performance.now();
    for (const [socket, t] of this.tracked) {
      if (socket.destroyed) continue;
      const pending = socket.writableLength;
      const flushed = socket.bytesWritten - pending;
      if (pending === 0 || flushed !== t.flushed) {
        t.flushed = flushed;
        t.progressAt = now;
      } else if (now - t.progressAt >= this.limits.writeStallTimeoutMs) this.destroy(socket, "write");
    }
  }

  private enter(socket: Socket, t: Tracked, phase: Phase): void {
    if (t.timer) clearTimeout(t.timer);
    t.phase = phase;
    t.timer = undefined;
    const ms = this.deadline(phase);
    if (phase === "handling" || ms <= 0) return;
    t.timer = setTimeout(() => {
      // A full-duplex answer under way while its body still arrives (REST Proxy v3 streaming mode,
      // v3-record-stream.ts): the handler bounds it (ingest.request.timeout.ms between bytes,
      // ingest.streaming.max.duration.ms in all), not the body deadline.
      if (phase === "body" && t.arriving?.headersSent) this.enter(socket, t, "handling");
      else this.destroy(socket, phase);
    }, ms);
    t.timer.unref?.();
  }

  private deadline(phase: Phase): number {
    switch (phase) {
      case "accepted":
        return this.limits.handshakeTimeoutMs;
      case "idle":
        return this.limits.idleTimeoutMs;
      case "headers":
        return this.limits.headersTimeoutMs;
      case "body":
        return bodyDeadlineMs(this.limits.bodyTimeoutMs, this.bodyFloorMs());
      case "handling":
        return 0;
    }
  }

  private count(event: GuardEvent): void {
    this.closed.set(event, (this.closed.get(event) ?? 0) + 1);
  }
}
