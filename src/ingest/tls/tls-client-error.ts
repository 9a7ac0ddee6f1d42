/**
 * What the https ingest listener does when its HTTP parser cannot read a request (node:http's
 * 'clientError'): a malformed request line or header, Content-Length with Transfer-Encoding,
 * headers over the limit, a broken chunked body.
 *
 * node:http's own handling (Bun's as Node's) writes the error answer at once and destroys the
 * socket. Behind a pipelined request still being answered that broke the acknowledged-record
 * rule: the client read the 400 as the answer to its earlier request (answers come in order),
 * while that request's records were written to Kafka, and its real answer was lost with the
 * socket. Here the requests parsed before the bad bytes are answered first, in order (ResponseGate
 * `afterAnswers`); then the error answer is written with `Connection: close` and the connection
 * closes (the lingering close of tls-front-end.ts). An error inside the body of the request parsed
 * last (a bad chunk size) leaves that request out, as its body never completes and waiting would
 * hold it to its deadline: its body read fails and its handler's answer is dropped (fetch-bridge.ts
 * `withdraw`), the requests before it are answered, then the error answer (review of sechunt, P2:
 * answered at once behind a pipelined POST, the 400 was read as that POST's answer while its record
 * was written). When no request precedes it, or its answer has begun (a v3 stream answers while its
 * body arrives), it is answered at once and the socket destroyed. A socket error (ECONNRESET…) or a
 * socket that can no longer be written is destroyed at once, as node:http does (after its 408 for
 * node:http's own request timeout).
 */
import type { Socket } from "node:net";
import { withdraw } from "./fetch-bridge.ts";
import type { ResponseGate } from "./response-gate.ts";

/** The answer node:http writes for a parse error code (Node's mapping: 431, 413, 408, else 400). */
export function clientErrorAnswer(code: string | undefined): string {
  const status =
    code === "HPE_HEADER_OVERFLOW"
      ? "431 Request Header Fields Too Large"
      : code === "HPE_CHUNK_EXTENSIONS_OVERFLOW"
        ? "413 Payload Too Large"
        : code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? "408 Request Timeout"
          : "400 Bad Request";
  return `HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`;
}

/** A 'clientError' listener for the http server of the https listener. */
export function onClientError(gate: ResponseGate): (error: NodeJS.ErrnoException, socket: Socket) => void {
  return (error, socket) => {
    const code = error.code;
    if (!code?.startsWith("HPE_") || !socket.writable) {
      if (code === "ERR_HTTP_REQUEST_TIMEOUT" && socket.writable) socket.write(clientErrorAnswer(code));
      socket.destroy();
      return;
    }
    const answer = clientErrorAnswer(code);
    const waited = gate.afterAnswers(
      socket,
      () => {
        if (socket.destroyed || socket.writableEnded) return;
        socket.write(answer);
        socket.destroySoon();
      },
      (req) => withdraw(req, error),
    );
    if (!waited) {
      // In the body of the only request of the connection, or of one whose answer has begun:
      // answered now, as node:http does; the handler's body read fails, so nothing of it is written.
      socket.write(answer);
      socket.destroy();
    }
  };
}
