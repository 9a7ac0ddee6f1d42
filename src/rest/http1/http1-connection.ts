/**
 * One HTTP/1.1 server connection of the REST listeners (`http1-server.ts` hands each accepted
 * plain or TLS socket here): reads request heads (`request-head.ts`), checks targets
 * (`request-target.ts`), gives each well-formed request to the fetch handler as a `Request` with a
 * streamed body, and writes the `Response` back, streamed. Malformed requests get Connect's own
 * answers (`jetty-error-page.ts`) and the connection closes.
 *
 * States: `head` (waiting for a request: keep-alive idle or a partial head) → `busy` (one request
 * in the handler; its body arriving; later pipelined bytes buffered) → `head` again when the
 * response is written and the connection may be reused, else `closed`. Requests on a connection
 * are answered in order, one at a time (pipelining). The connection is reused only when the
 * request asked for it (HTTP/1.1 without `Connection: close`, HTTP/1.0 with keep-alive), its body
 * was received to the end, and the response did not say `Connection: close` (413/408 do).
 *
 * Flow control: the body stream has no buffer of its own (high-water mark 0), so the socket is
 * paused whenever a chunk waits for the handler and resumed when it reads: an unread body is never
 * buffered beyond one chunk. `Expect: 100-continue` is answered when the handler first reads the
 * body, so a request refused from its head (401, 413 by Content-Length) never has the body sent.
 * Pipelined bytes beyond one head's worth pause the socket too.
 *
 * Timeouts: a request head must be complete within `idleTimeoutMs` of the connection opening or
 * the previous response (this bounds idle keep-alive connections and slow heads), and a response
 * must be taken by the client within the same time; slow bodies are the handler's to time out
 * (`request-body.ts`).
 */
import type { Socket } from "node:net";
import { type BodyDecoder, chunkedDecoder, contentLengthDecoder } from "./body-decoder.ts";
import { errorPageFor, jettyErrorResponse } from "./jetty-error-page.ts";
import { type HeadError, MAX_HEAD_BYTES, parseRequestHead, type RequestHead } from "./request-head.ts";
import { checkOriginTarget } from "./request-target.ts";
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
  decoder: BodyDecoder | null;
  controller: ReadableStreamDefaultController<Uint8Array> | null;
  bodyDone: boolean;
  bodyBroken: boolean;
  continueSent: boolean;
  readonly abort: AbortController;
}

/** Serves HTTP/1.1 on `socket` until it closes. */
export function serveHttp1(socket: Socket, options: Http1ConnectionOptions): void {
  let phase: "head" | "busy" | "closed" = "head";
  let pending: Buffer = Buffer.alloc(0);
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
      if (current.controller && !current.bodyDone) {
        try {
          current.controller.error(new Error("Early EOF"));
        } catch {}
      }
    }
  };
  socket.on("close", close);
  socket.on("error", () => socket.destroy());
  socket.setNoDelay(true);
  armHeadTimer();

  const append = (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  };

  const feedBody = (flight: InFlight, chunk: Buffer): Buffer => {
    const decoded = flight.decoder!.decode(chunk);
    for (const data of decoded.data) flight.controller?.enqueue(data);
    if (decoded.error) {
      flight.bodyBroken = true;
      flight.controller?.error(new Error("Early EOF"));
      return Buffer.alloc(0);
    }
    if (decoded.done) {
      flight.bodyDone = true;
      flight.controller?.close();
    } else if (flight.controller && (flight.controller.desiredSize ?? 0) < 0) {
      socket.pause();
    }
    return chunk.subarray(decoded.consumed);
  };

  socket.on("data", (chunk: Buffer) => {
    if (phase === "closed") return;
    if (phase === "busy" && current && !current.bodyDone) {
      if (current.bodyBroken) return;
      chunk = feedBody(current, chunk);
      if (chunk.length === 0) return;
    }
    append(chunk);
    if (phase === "head") nextRequest();
    else if (pending.length > MAX_HEAD_BYTES) socket.pause();
  });

  const nextRequest = () => {
    if (phase !== "head" || pending.length === 0) return;
    const result = parseRequestHead(pending);
    if (result.kind === "incomplete") return;
    if (result.kind === "error") {
      phase = "busy";
      void respond(null, refused(result.error), true);
      return;
    }
    const head = result.head;
    pending = pending.subarray(head.size);
    phase = "busy";
    clearTimeout(headTimer);
    start(head);
  };

  const refused = (error: HeadError): Response => {
    const uri =
      error.uri.kind === "badMessage"
        ? "/badMessage"
        : error.uri.kind === "target"
          ? error.uri.target
          : `${options.scheme}://${error.uri.host}${error.uri.target}`;
    const method = error.uri.kind === "badMessage" ? null : error.uri.method;
    return jettyErrorResponse(error.status, error.reason, uri, error.empty || !errorPageFor(method));
  };

  /** The path to route, or Connect's answer for a target it refuses. */
  const routePath = (head: RequestHead): { path: string; query: string } | Response => {
    // A target refused while its request line is still being read always gets the page.
    const refuse = (reason: string, uri: string) =>
      jettyErrorResponse(400, reason, uri, uri !== "/badMessage" && !errorPageFor(head.method));
    let target = head.target;
    if (target === "*") {
      if (head.method === "OPTIONS") return new Response(null, { status: 404, headers: { "Content-Length": "0" } });
      return refuse("Bad URI path", `${options.scheme}://${head.host}*`);
    }
    const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(target);
    if (absolute) {
      if (absolute[1] !== head.host) return refuse("Authority!=Host", target);
      target = target.slice(absolute[0].length) || "/";
    } else if (head.method.toUpperCase() === "CONNECT" && !target.startsWith("/")) {
      target = "/";
    } else if (head.method.toUpperCase() === "CONNECT" || !target.startsWith("/")) {
      return refuse("Bad Request", target.startsWith("/") ? "/badMessage" : `${options.scheme}:${target}`);
    }
    const checked = checkOriginTarget(target);
    if (!checked.ok) return refuse(checked.reason, `/${checked.uri}`);
    return checked;
  };

  const start = (head: RequestHead) => {
    const route = routePath(head);
    if (route instanceof Response) {
      void respond(null, route, true);
      return;
    }
    const hasBody = head.chunked || (head.contentLength ?? 0) > 0;
    const flight: InFlight = {
      head,
      decoder: hasBody ? (head.chunked ? chunkedDecoder() : contentLengthDecoder(head.contentLength!)) : null,
      controller: null,
      bodyDone: !hasBody,
      bodyBroken: false,
      continueSent: false,
      abort: new AbortController(),
    };
    current = flight;
    const method = fetchMethod(head.method);
    let body: ReadableStream<Uint8Array> | undefined;
    if (hasBody && method !== "GET" && method !== "HEAD") {
      body = new ReadableStream<Uint8Array>(
        {
          start(controller) {
            flight.controller = controller;
          },
          pull() {
            if (head.expectContinue && !flight.continueSent && !flight.bodyDone && phase === "busy") {
              flight.continueSent = true;
              socket.write("HTTP/1.1 100 Continue\r\n\r\n");
            }
            if (phase === "busy" && socket.isPaused()) socket.resume();
          },
          cancel() {
            flight.controller = null;
          },
        },
        { highWaterMark: 0 },
      );
    }
    // Body bytes that came with the head.
    if (hasBody && pending.length > 0) {
      const rest = feedBody(flight, pending);
      pending = rest;
    }
    const authority = head.host || `${socket.localAddress ?? "localhost"}:${socket.localPort ?? 0}`;
    const url = `${options.scheme}://${authority}${route.path}${route.query ? `?${route.query}` : ""}`;
    let request: Request;
    try {
      request = new Request(url, {
        method,
        headers: head.headers as [string, string][],
        signal: flight.abort.signal,
        ...(body ? { body, duplex: "half" } : {}),
      } as RequestInit);
    } catch {
      void respond(flight, jettyErrorResponse(400, "Bad Request", "/badMessage"), true);
      return;
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
      await respond(flight, response, false);
    })();
  };

  const respond = async (flight: InFlight | null, response: Response, forceClose: boolean) => {
    if (phase === "closed") return;
    const head = flight?.head;
    const reuse =
      !forceClose &&
      head !== undefined &&
      head.keepAlive &&
      flight!.bodyDone &&
      !flight!.bodyBroken &&
      response.headers.get("Connection")?.toLowerCase() !== "close";
    let closes = !reuse;
    // A client that stops reading its answer does not hold the connection forever.
    const stalled = setTimeout(() => socket.destroy(), options.idleTimeoutMs);
    try {
      closes = await writeResponse(socket, response, {
        headOnly: head?.method === "HEAD",
        close: !reuse,
        http10: head?.version === "HTTP/1.0",
      });
    } catch {
      socket.destroy();
      return;
    } finally {
      clearTimeout(stalled);
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
