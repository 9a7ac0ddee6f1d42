/**
 * One HTTP/1.1 server connection of the REST listeners (`http1-server.ts` hands each accepted
 * plain or TLS socket here): reads request heads (`request-head.ts`), checks targets
 * (`request-route.ts`), gives each well-formed request to the fetch handler as a `Request` with a
 * streamed body (`request-body.ts`), and writes the `Response` back, streamed
 * (`response-writer.ts`). Malformed requests get Connect's own answers (`jetty-error-page.ts`) and
 * the connection closes (but after OPTIONS *, answered as Jetty answers it).
 *
 * States: `head` (waiting for a request: keep-alive idle or a partial head) → `busy` (one request
 * in the handler; its body arriving; later pipelined bytes buffered) → `head` again when the
 * response is written and the connection may be reused, else `closed`. Requests on a connection
 * are answered in order, one at a time (pipelining). The connection is reused only when the
 * request asked for it (HTTP/1.1 without `Connection: close`, HTTP/1.0 with keep-alive; CONNECT
 * whatever it asked, as Jetty's HttpChannel keeps it), its body was received to the end, and the
 * response did not say `Connection: close` (413/408 do).
 *
 * Flow control: an unread body is never buffered beyond one chunk, and `Expect: 100-continue` is
 * answered when the handler first reads it (`request-body.ts`). Pipelined bytes beyond one head's
 * worth pause the socket too.
 *
 * Timeouts: a request head must be complete within `idleTimeoutMs` of the connection opening or
 * the previous response (this bounds idle keep-alive connections and slow heads), and a response
 * must be taken by the client within the same time; slow bodies are the handler's to time out
 * (`request-body.ts`).
 */
import type { Socket } from "node:net";
import { jettyErrorResponse } from "./jetty-error-page.ts";
import { ReceiveBuffer } from "./receive-buffer.ts";
import { RequestBody } from "./request-body.ts";
import {
  type HeadProgress,
  lineEndsAfterMessage,
  MAX_HEAD_BYTES,
  parseRequestHead,
  type RequestHead,
} from "./request-head.ts";
import type { LoggedHead, RequestLog } from "./request-log.ts";
import { type ConnectionPolicy, headRefusal, routeOf } from "./request-route.ts";
import { writeResponse } from "./response-writer.ts";

/** What the handler gets besides the Request: the request as sent, before fetch normalized it. */
export interface RequestInfo {
  /** The method exactly as sent (`new Request` upper-cases `get`, so the Request may differ). */
  readonly method: string;
  /** The path as sent: not decoded, dot segments kept. */
  readonly path: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export type Http1Handler = (request: Request, info: RequestInfo) => Response | Promise<Response>;

export interface Http1ConnectionOptions {
  readonly scheme: "http" | "https";
  readonly handler: Http1Handler;
  readonly idleTimeoutMs: number;
  /** Told of every request answered, heads refused by the parser or the router included (as Jetty 12 logs them). */
  readonly requestLog?: RequestLog;
}

/**
 * Bun's `Request` keeps only methods it knows and rewrites the rest (`get` → GET, `FOO` → GET): a
 * request with any other method reaches the handler under a stand-in that Bun keeps and no REST
 * route uses, so it is answered as Jersey answers an unknown method (405, or 404 for no resource);
 * `RequestInfo.method` has the real one.
 */
const STANDARD_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);
const STAND_IN_METHOD = "UNLOCK";
const CLOSE_GRACE_MS = 2000;

function fetchMethod(method: string): string {
  return STANDARD_METHODS.has(method) ? method : STAND_IN_METHOD;
}

interface InFlight {
  readonly head: RequestHead;
  readonly body: RequestBody;
  readonly abort: AbortController;
  readonly startedAt: number;
}

/** Serves HTTP/1.1 on `socket` until it closes. */
export function serveHttp1(socket: Socket, options: Http1ConnectionOptions): void {
  let phase: "head" | "busy" | "closed" = "head";
  const pending = new ReceiveBuffer();
  /** How far the head in `pending` was parsed: each arrival's bytes are read once, not the head again. */
  let progress: HeadProgress | undefined;
  let current: InFlight | null = null;
  let headTimer: ReturnType<typeof setTimeout> | undefined;

  const armHeadTimer = () => {
    clearTimeout(headTimer);
    headTimer = setTimeout(() => {
      if (phase === "head") socket.destroy();
    }, options.idleTimeoutMs);
  };

  const close = () => {
    if (phase === "closed") return;
    phase = "closed";
    clearTimeout(headTimer);
    if (current) {
      current.abort.abort(new Error("client closed the connection"));
      current.body.interrupt();
    }
  };
  socket.on("close", close);
  socket.on("error", () => socket.destroy());
  socket.setNoDelay(true);
  armHeadTimer();

  socket.on("data", (chunk: Buffer) => {
    if (phase === "closed") return;
    if (phase === "busy" && current && !current.body.done) {
      if (current.body.broken) return;
      chunk = current.body.feed(chunk);
      if (current.body.done) chunk = chunk.subarray(lineEndsAfterMessage(chunk));
      if (chunk.length === 0) return;
    }
    pending.append(chunk);
    if (phase === "head") nextRequest();
    else if (pending.length > MAX_HEAD_BYTES) socket.pause();
  });

  /**
   * A request's message ended (its head, or its body's last byte, read): the CR and LF bytes held
   * right after it are dropped, uncounted, as Jetty's parser drops them in its END state.
   */
  const messageEnded = () => pending.consume(lineEndsAfterMessage(pending.bytes()));

  const nextRequest = () => {
    if (phase !== "head" || pending.length === 0) return;
    const result = parseRequestHead(pending.bytes(), MAX_HEAD_BYTES, progress);
    progress = result.kind === "incomplete" ? result.progress : undefined;
    if (result.kind === "incomplete") return;
    if (result.kind === "error") {
      phase = "busy";
      const refusal = headRefusal(result.error, options.scheme);
      const headOnly = refusal.made === true && refusal.logged.method === "HEAD";
      void respond(null, refusal.response, "close", { logged: refusal.logged, startedAt: Date.now(), headOnly });
      return;
    }
    const head = result.head;
    pending.consume(head.size);
    if (head.contentLength === 0 && !head.chunked) messageEnded();
    phase = "busy";
    clearTimeout(headTimer);
    start(head);
  };

  const start = (head: RequestHead) => {
    const route = routeOf(head, options.scheme);
    if ("response" in route) {
      // Kept only with no body to skip (OPTIONS * is answered without reading one).
      const bodiless = head.contentLength === 0 && !head.chunked;
      const after = route.after === "as-asked" && !bodiless ? "close" : (route.after ?? "close");
      const headOnly = route.made === true && head.method === "HEAD";
      void respond(null, route.response, after, { head, logged: route.logged, startedAt: Date.now(), headOnly });
      return;
    }
    const method = fetchMethod(head.method);
    const flight: InFlight = {
      head,
      body: new RequestBody(
        head,
        socket,
        () => current === flight && phase === "busy",
        method !== "GET" && method !== "HEAD",
      ),
      abort: new AbortController(),
      startedAt: Date.now(),
    };
    current = flight;
    // Body bytes that came with the head.
    if (!flight.body.done && pending.length > 0) {
      pending.append(flight.body.feed(pending.take()));
      if (flight.body.done) messageEnded();
    }
    const local = () =>
      `${socket.localAddress?.includes(":") ? `[${socket.localAddress}]` : (socket.localAddress ?? "localhost")}:${socket.localPort ?? 0}`;
    const target = `${route.path}${route.query ? `?${route.query}` : ""}`;
    const init = {
      method,
      headers: head.headers as [string, string][],
      signal: flight.abort.signal,
      ...(flight.body.stream ? { body: flight.body.stream, duplex: "half" } : {}),
    } as RequestInit;
    let request: Request;
    try {
      request = new Request(`${options.scheme}://${head.host || local()}${target}`, init);
    } catch {
      // A Host Jetty takes (host-port.ts) that a WHATWG URL does not (a bare IPv6 address, a
      // zone, an escape, a dotted name out of IPv4's range): the request is served all the same,
      // its URL naming the listener's own address.
      try {
        request = new Request(`${options.scheme}://${local()}${target}`, init);
      } catch {
        void respond(flight, jettyErrorResponse(400, "Bad Request", "/badMessage"), "close");
        return;
      }
    }
    const info: RequestInfo = {
      method: head.method,
      path: route.path,
      remoteAddress: socket.remoteAddress ?? "",
      remotePort: socket.remotePort ?? 0,
    };
    void (async () => {
      let response: Response;
      try {
        response = await options.handler(request, info);
      } catch {
        response = new Response(JSON.stringify({ error_code: 500, message: "Internal server error" }), {
          status: 500,
          headers: { "Content-Type": "application/json" },
        });
      }
      await respond(flight, response, "as-asked");
    })();
  };

  /**
   * `refused`: a head answered without a flight (refused by the parser or the router): the head, if
   * it was parsed, what to log of it, and whether the answer is its head alone (a HEAD refused once
   * made).
   */
  const respond = async (
    flight: InFlight | null,
    response: Response,
    after: ConnectionPolicy,
    refused?: {
      readonly head?: RequestHead;
      readonly logged: LoggedHead;
      readonly startedAt: number;
      readonly headOnly: boolean;
    },
  ) => {
    if (phase === "closed") return;
    const head = flight?.head ?? refused?.head;
    // Jetty keeps a CONNECT's connection whatever the request asked (HttpChannel's persistence).
    const asked = head !== undefined && (head.keepAlive || head.method === "CONNECT");
    const reuse =
      after === "as-asked" &&
      asked &&
      (flight === null || (flight.body.done && !flight.body.broken)) &&
      response.headers.get("Connection")?.toLowerCase() !== "close";
    let closes = !reuse;
    // A client that stops reading its answer does not hold the connection forever.
    const stalled = setTimeout(() => socket.destroy(), options.idleTimeoutMs);
    const sent = { bytes: 0 };
    try {
      closes = await writeResponse(socket, response, {
        headOnly: flight ? flight.head.method === "HEAD" : refused?.headOnly === true,
        close: !reuse,
        version: (flight?.head ?? refused?.logged)?.version ?? "HTTP/1.0",
        unsaidClose: after === "unsaid-close",
        ...(options.requestLog ? { sent } : {}),
      });
    } catch {
      socket.destroy();
      return;
    } finally {
      clearTimeout(stalled);
    }
    const logged = flight ? flight : refused ? { head: refused.logged, startedAt: refused.startedAt } : undefined;
    if (logged && options.requestLog) {
      const remoteAddress = socket.remoteAddress ?? "";
      options.requestLog({
        remoteAddress,
        head: logged.head,
        status: response.status,
        // Jetty writes its answer to a request it refused (a bad message, a refused URI, 417, 426)
        // outside the response it counts: Connect logs 0 bytes for every one, its error page too.
        bytes: flight ? sent.bytes : 0,
        startedAt: logged.startedAt,
      });
    }
    current = null;
    if ((phase as string) === "closed") return;
    if (closes) {
      phase = "closed";
      clearTimeout(headTimer);
      socket.end();
      // A client still sending a body it was refused: read and drop it (the data handler ignores
      // bytes once closed) so the answer is not lost to a reset, then cut after a grace period.
      socket.resume();
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref?.();
      return;
    }
    phase = "head";
    armHeadTimer();
    if (socket.isPaused()) socket.resume();
    nextRequest();
  };
}
