/**
 * The body of one request on an HTTP/1.1 connection, as the handler's `Request` streams it: bytes
 * from the socket go through the body's decoder (Content-Length or chunked) into a stream without
 * a buffer of its own (high-water mark 0), so the socket is paused whenever a chunk waits for the
 * handler and resumed when the handler reads: an unread body is never buffered beyond one chunk.
 * `Expect: 100-continue` is answered when the handler first reads, so a request refused from its
 * head (401, 413 by Content-Length) never has its body sent. Used by `http1-connection.ts`.
 */
import type { Socket } from "node:net";
import { type BodyDecoder, chunkedDecoder, contentLengthDecoder } from "./body-decoder.ts";
import type { RequestHead } from "./request-head.ts";

export class RequestBody {
  private readonly decoder: BodyDecoder | null;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private continueSent = false;
  /** The stream the handler reads; undefined when the request has no body (or a GET/HEAD one is ignored). */
  readonly stream: ReadableStream<Uint8Array> | undefined;
  /** Received to its end. */
  done: boolean;
  /** Its framing was broken (a bad chunk): the rest of the connection cannot be read. */
  broken = false;

  constructor(
    head: RequestHead,
    private readonly socket: Socket,
    /** Whether this request is still the connection's current one (its reads may resume the socket). */
    active: () => boolean,
    /** Hand the body to the handler (false: its bytes are read and dropped). */
    streamed: boolean,
  ) {
    const hasBody = head.chunked || (head.contentLength ?? 0) > 0;
    this.decoder = hasBody
      ? head.chunked
        ? chunkedDecoder(head.size)
        : contentLengthDecoder(head.contentLength!)
      : null;
    this.done = !hasBody;
    if (!hasBody || !streamed) return;
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => {
          if (head.expectContinue && !this.continueSent && !this.done && active()) {
            this.continueSent = true;
            socket.write("HTTP/1.1 100 Continue\r\n\r\n");
          }
          if (active() && socket.isPaused()) socket.resume();
        },
        cancel: () => {
          this.controller = null;
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** Takes the body's bytes from `chunk`; returns what follows the body (a pipelined request). */
  feed(chunk: Buffer): Buffer {
    const decoded = this.decoder!.decode(chunk);
    for (const data of decoded.data) this.controller?.enqueue(data);
    if (decoded.error) {
      this.broken = true;
      this.controller?.error(new Error("Early EOF"));
      return Buffer.alloc(0);
    }
    if (decoded.done) {
      this.done = true;
      this.controller?.close();
    } else if (this.controller && (this.controller.desiredSize ?? 0) < 0) {
      this.socket.pause();
    }
    return chunk.subarray(decoded.consumed);
  }

  /** The connection closed: a handler still reading sees the body end early. */
  interrupt(): void {
    if (!this.controller || this.done) return;
    try {
      this.controller.error(new Error("Early EOF"));
    } catch {}
  }
}
