/**
 * Bridges node:http's request/response objects to the fetch API's Request/Response, so the TLS
 * front end (which must use node:tls + node:http to see the peer certificate; Bun.serve hides it)
 * serves the very same fetch handler (the ingest hono app) as the plain Bun.serve listener.
 *
 * Bodies stream both ways with backpressure: the request body is a ReadableStream that pauses the
 * socket while the handler does not read (so a 413 is answered without reading the rest), and the
 * response body is written chunk by chunk, waiting for `drain`. When the client goes away before
 * the response is finished, the Request's signal aborts.
 *
 * The URL: the path comes only from the request-target (origin-form `/p?q`, or absolute-form, of
 * which only the path and query are kept), and a Host header that could change it (containing
 * `/ ? # @ \` or white space) is refused with 400 (security review 2026-12-01, P2.10: `Host: h/evil?`
 * routed `/a` as `/evil`).
 *
 * Refused with 400 too, where the node:http parser under the TLS front end let them through
 * (sechunt hunt 2026-12-07; review of sechunt): an HTTP/1.1 request without a Host header or with
 * two Host lines (RFC 9112 §3.2 requires 400: a proxy in front may route on the one the gateway
 * ignores), a Transfer-Encoding other than `chunked` alone (`identity, chunked` was read as chunked;
 * §6.1 says a server SHOULD answer an unknown coding 501, but the plain listener, Bun.serve,
 * answers 400, as here, so both listeners agree), and any Transfer-Encoding on HTTP/1.0 (§6.1: its
 * framing is faulty; the plain listener answers 400 too). Such a request also ends its connection
 * (nodeListener): the bytes after it cannot be trusted to be the requests the client meant.
 *
 * Every answer with `Connection: close` (that 400, the ingest 413 and 408, a body not received in
 * full) ends the connection the same way, after the answers of the requests parsed before it and
 * handed to the handler (review of sechunt, P2: a POST pipelined behind a 413 was written to Kafka
 * while the client saw only the 413; node:http ends the connection right after such an answer).
 * The ingest 413 is announced as soon as it is decided (closing-refusal.ts), before the rest of the
 * refused body is read and so before a request pipelined behind it is parsed: that request is never
 * handled, and the 413 says `Connection: close` (leftfix2: it went without, followed by the later
 * request's answer, which a client that stops reading at the 413 never saw).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { onClosingRefusal } from "../closing-refusal.ts";

/** The fetch handler, given the node request too (for its socket). */
export type NodeFetchHandler = (request: Request, req: IncomingMessage) => Response | Promise<Response>;

/** Requests withdrawn (`withdraw`): their body fails and their answer is never written. */
const withdrawn = new WeakSet<IncomingMessage>();

/**
 * Withdraws a request handed to the handler: its body stream fails with an AbortError (the
 * client's doing, as a connection closed mid-body: nothing of it is written, nothing logged) whose
 * cause is `cause`, and whatever the handler answers is dropped. For a request whose body the HTTP
 * parser could not read (tls-client-error.ts): the caller writes the parser's error answer instead.
 */
export function withdraw(req: IncomingMessage, cause: Error): void {
  withdrawn.add(req);
  const error = new Error("The request was withdrawn: its body could not be parsed", { cause });
  error.name = "AbortError";
  if (req.listenerCount("error") > 0) req.emit("error", error);
}

/**
 * The request's body as a stream; `bodyRead` runs once the handler read it to its end, or it was
 * cancelled or failed. Its end is given to the handler at the read after its last chunk, not when
 * node:http parsed it: so `bodyRead` says that the handler has seen all of it.
 */
function requestBody(
  req: IncomingMessage,
  beforeFirstRead: (() => void) | undefined,
  bodyRead: () => void,
): ReadableStream<Uint8Array> {
  // Once the handler cancels the body (a 413 answered unread), the rest is read and dropped. Once
  // the stream is cancelled, closed or failed (`withdraw`), data still buffered in `req` is dropped.
  let settled = false;
  let readStarted = false;
  // The body ended: the stream closes at the handler's next read that finds no chunk.
  let ended = false;
  // A read of the handler waits for a chunk (pull() ran, nothing enqueued since).
  let waiting = false;
  const settle = () => {
    settled = true;
    bodyRead();
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on("data", (chunk: Buffer) => {
          if (settled) return;
          waiting = false;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) req.pause();
        });
        req.once("end", () => {
          if (settled) return;
          ended = true;
          if (!waiting) return;
          settle();
          controller.close();
        });
        req.once("error", (error) => {
          if (settled) return;
          settle();
          controller.error(error);
        });
      },
      pull(controller) {
        if (!readStarted) {
          readStarted = true;
          beforeFirstRead?.();
        }
        if (ended) {
          if (settled) return;
          settle();
          controller.close();
          return;
        }
        waiting = true;
        req.resume();
      },
      cancel() {
        if (!settled) settle();
        req.resume();
      },
    },
    // No queue of its own: pull() then runs only for a read the handler makes, never eagerly
    // after start (which sent 100 Continue for a body the handler refused after an await).
    { highWaterMark: 0 },
  );
}

/** A request the bridge cannot or must not turn into a fetch Request: answered 400. */
export class BadRequestTarget extends Error {}

/** Host header values that cannot be more than a host and port. */
const UNSAFE_HOST = /[/?#@\\\s]/;

/** Why the request's Host or Transfer-Encoding lines make it one the bridge refuses, or undefined. */
function framingRefusal(req: IncomingMessage): string | undefined {
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === "host") hosts++;
  if (hosts > 1) return "A request must have one Host header";
  if (hosts === 0 && req.httpVersion === "1.1") return "An HTTP/1.1 request must have a Host header";
  const coding = req.headers["transfer-encoding"];
  if (coding === undefined) return undefined;
  if (req.httpVersion !== "1.1") return "Transfer-Encoding is accepted on HTTP/1.1 only";
  if (coding.trim().toLowerCase() !== "chunked") return "The only Transfer-Encoding accepted is chunked";
  return undefined;
}

/** The path and query of a request-target; throws BadRequestTarget for any other form. */
function targetPath(target: string): string {
  if (target.startsWith("/")) return target;
  if (/^https?:\/\//i.test(target)) {
    try {
      const url = new URL(target);
      return `${url.pathname}${url.search}`;
    } catch {
      // falls through to the refusal
    }
  }
  throw new BadRequestTarget("The request-target must be a path (origin-form) or an absolute URL");
}

/**
 * The fetch Request for a node request; `scheme` and the Host header give its URL.
 * `beforeFirstRead` runs when the handler first reads the body (to answer `Expect: 100-continue`);
 * `bodyRead` once the handler has read all of it (cancelled, failed), at once for a GET or HEAD,
 * whose body is none.
 */
export function toRequest(
  req: IncomingMessage,
  scheme: "http" | "https",
  signal: AbortSignal,
  beforeFirstRead: (() => void) | undefined,
  bodyRead: () => void,
): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const refused = framingRefusal(req);
  if (refused !== undefined) throw new BadRequestTarget(refused);
  const sent = req.headers.host;
  if (sent !== undefined && (sent === "" || UNSAFE_HOST.test(sent)))
    throw new BadRequestTarget("The Host header must be a host name or address with an optional port");
  const host = sent ?? `${req.socket.localAddress ?? "localhost"}:${req.socket.localPort ?? 0}`;
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  let url: URL;
  try {
    url = new URL(`${scheme}://${host}${targetPath(req.url ?? "/")}`);
  } catch (error) {
    if (error instanceof BadRequestTarget) throw error;
    throw new BadRequestTarget("The Host header must be a host name or address with an optional port");
  }
  if (!hasBody) bodyRead();
  return new Request(url.href, {
    method,
    headers,
    signal,
    ...(hasBody ? { body: requestBody(req, beforeFirstRead, bodyRead), duplex: "half" } : {}),
  } as RequestInit);
}

/**
 * Largest slice of an answer handed to the socket at once. Bun counts a write as sent only once
 * all of it is in the kernel (bytesWritten, writableLength), so a body chunk of several MB (a
 * Response of a big buffer is read as 2 MB chunks) showed a slow reader's progress to the
 * write-stall sweep (connection-guard.ts) only per chunk, and kept the chunk buffered meanwhile.
 * Slices bound both to 64 KiB; the kernel's own granularity remains (see connection-guard.ts).
 */
export const WRITE_SLICE_BYTES = 64 * 1024;

/** Writes `chunk` in slices of WRITE_SLICE_BYTES, each after the previous one drained. */
async function writeChunk(res: ServerResponse, chunk: Uint8Array): Promise<void> {
  for (let at = 0; at < chunk.length && !res.destroyed; at += WRITE_SLICE_BYTES)
    await writeSlice(res, chunk.subarray(at, at + WRITE_SLICE_BYTES));
}

async function writeSlice(res: ServerResponse, slice: Uint8Array): Promise<void> {
  if (res.write(slice)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Whether a response's Connection header asks to close the connection. */
function closesConnection(response: Response): boolean {
  const tokens = response.headers.get("connection")?.toLowerCase().split(",") ?? [];
  return tokens.some((token) => token.trim() === "close");
}

/**
 * Writes a fetch Response to a node response, streaming its body; `withoutConnection` leaves its
 * Connection header out.
 */
export async function writeResponse(
  res: ServerResponse,
  response: Response,
  method: string,
  withoutConnection = false,
): Promise<void> {
  const headers: [string, string][] = [];
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie" && !(withoutConnection && name === "connection")) headers.push([name, value]);
  });
  for (const cookie of response.headers.getSetCookie()) headers.push(["set-cookie", cookie]);
  res.writeHead(response.status, response.statusText || undefined, headers.flat());
  if (!response.body || method === "HEAD") {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) {
        await reader.cancel();
        return;
      }
      await writeChunk(res, value);
    }
    res.end();
  } catch {
    res.destroy();
  }
}

/**
 * A node:http request listener serving `handler`; a thrown handler error becomes a bare 500.
 * Also install it for `checkContinue`: `100 Continue` is then sent only when the handler starts
 * reading the body, so a request refused from its headers alone (401, 403, 413 on Content-Length)
 * is answered before the device sends the body at all.
 *
 * A request refused 400 here (BadRequestTarget) is answered with `Connection: close`. Before an
 * answer with `Connection: close` (that 400 or one of the handler's) is written, `onClosing` runs:
 * the caller hands none of the connection's requests parsed from then on to the handler (which
 * would write them without an answer ever sent: the bytes after a request whose framing is in
 * doubt are not requests to serve) and closes the connection once its answers are written.
 * `onClosingDecided` runs earlier, when the handler announces such an answer (closing-refusal.ts)
 * while the request's body still arrives: the caller then hands none of the requests parsed later
 * to the handler, but reads on (the rest of the body). `onClosing` returns true when a request
 * parsed after this one was handed to the handler already (a bodiless request refused, with the
 * next one parsed from the same read before the refusal was answered): the answer then goes
 * without `Connection: close`, as node:http would end the connection right after it and lose the
 * later answers, whose records may be written; the caller closes the connection after them. A
 * request withdrawn (`withdraw`) is not answered. `bodyRead` runs once the handler has read all of a
 * request's body (toRequest): until then the caller hands no later request over, since only
 * reading a chunked body decides its 413.
 */
export function nodeListener(
  handler: NodeFetchHandler,
  scheme: "http" | "https",
  onClosing: (req: IncomingMessage) => boolean,
  onClosingDecided: (req: IncomingMessage) => void,
  bodyRead: (req: IncomingMessage) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const method = req.method ?? "GET";
    const answer = (response: Response): Promise<void> => {
      if (withdrawn.has(req)) return response.body?.cancel().catch(() => undefined) ?? Promise.resolve();
      const later = closesConnection(response) && onClosing(req);
      return writeResponse(res, response, method, later);
    };
    const expectsContinue = /^100-continue$/i.test(req.headers.expect ?? "");
    const abort = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) abort.abort(new Error("client closed the connection"));
    });
    let request: Request;
    try {
      request = toRequest(req, scheme, abort.signal, expectsContinue ? () => res.writeContinue() : undefined, () =>
        bodyRead(req),
      );
    } catch (error) {
      if (!(error instanceof BadRequestTarget)) throw error;
      void answer(
        new Response(JSON.stringify({ error_code: 400, message: error.message }), {
          status: 400,
          headers: { "Content-Type": "application/json", Connection: "close" },
        }),
      );
      return;
    }
    onClosingRefusal(request, () => onClosingDecided(req));
    void (async () => {
      let response: Response;
      try {
        response = await handler(request, req);
      } catch {
        response = new Response(JSON.stringify({ error_code: 500, message: "Internal server error" }), {
          status: 500,
          headers: { "Content-Type": "application/json" },
        });
      }
      await answer(response);
    })();
  };
}
