/**
 * A TCP server on 127.0.0.1, port 0, that answers each request with the bytes it is given, once the request's head
 * came: an HTTP response head whose body never follows, or something that is not HTTP at all. It then closes the
 * connection, or (`close: false`) holds it open until the server is disposed. For the HTTP client's and the HTTP
 * connectors' tests of endpoints that misbehave below HTTP (`await using`).
 */
import type { Socket } from "bun";

export interface RawEndpoint extends AsyncDisposable {
  readonly port: number;
  /** `http://127.0.0.1:<port><path>`. */
  url(path?: string): string;
  /** Connections answered so far. */
  readonly answered: number;
}

export function rawEndpoint(answer: string | Uint8Array, o: { readonly close?: boolean } = {}): RawEndpoint {
  let answered = 0;
  const server = Bun.listen<{ head: string; done: boolean }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket: Socket<{ head: string; done: boolean }>) {
        socket.data = { head: "", done: false };
      },
      data(socket, data) {
        if (socket.data.done) return;
        socket.data.head += data.toString("latin1");
        if (!socket.data.head.includes("\r\n\r\n")) return;
        socket.data.done = true;
        answered++;
        socket.write(answer);
        if (o.close !== false) socket.end();
      },
    },
  });
  return {
    port: server.port,
    url: (path = "/") => `http://127.0.0.1:${server.port}${path}`,
    get answered() {
      return answered;
    },
    async [Symbol.asyncDispose]() {
      server.stop(true);
    },
  };
}
