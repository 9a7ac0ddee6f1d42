import { describe, expect, test } from "bun:test";
import type { Socket } from "node:net";
import { ResponseGate } from "./response-gate.ts";
import { clientErrorAnswer, onClientError } from "./tls-client-error.ts";

/** A socket that records what is written to it and whether it was destroyed. */
function fakeSocket(writable = true) {
  const written: string[] = [];
  const socket = {
    writable,
    destroyed: false,
    writableEnded: false,
    write(data: string) {
      written.push(data);
      return true;
    },
    destroy() {
      this.destroyed = true;
    },
    destroySoon() {
      this.destroyed = true;
    },
    pause() {},
    on() {},
  };
  return { socket, written };
}

const error = (code: string) => Object.assign(new Error(code), { code });

describe("clientErrorAnswer", () => {
  test("maps node:http's codes as Node does", () => {
    expect(clientErrorAnswer("HPE_HEADER_OVERFLOW")).toBe(
      "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n",
    );
    expect(clientErrorAnswer("HPE_CHUNK_EXTENSIONS_OVERFLOW")).toStartWith("HTTP/1.1 413 ");
    expect(clientErrorAnswer("ERR_HTTP_REQUEST_TIMEOUT")).toStartWith("HTTP/1.1 408 ");
    expect(clientErrorAnswer("HPE_INVALID_METHOD")).toBe("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });
});

describe("onClientError", () => {
  const handle = () => onClientError(new ResponseGate(() => {}));

  test("a parse error with nothing in progress is answered at once, then the connection closes", () => {
    const { socket, written } = fakeSocket();
    handle()(error("HPE_INVALID_METHOD"), socket as unknown as Socket);
    expect(written).toEqual([clientErrorAnswer("HPE_INVALID_METHOD")]);
    expect(socket.destroyed).toBe(true);
  });

  test("a socket error is not answered; the socket is destroyed", () => {
    const { socket, written } = fakeSocket();
    handle()(error("ECONNRESET"), socket as unknown as Socket);
    expect(written).toEqual([]);
    expect(socket.destroyed).toBe(true);
  });

  test("node:http's own request timeout gets its 408 before the socket is destroyed", () => {
    const { socket, written } = fakeSocket();
    handle()(error("ERR_HTTP_REQUEST_TIMEOUT"), socket as unknown as Socket);
    expect(written).toEqual([clientErrorAnswer("ERR_HTTP_REQUEST_TIMEOUT")]);
    expect(socket.destroyed).toBe(true);
  });

  test("a socket that can no longer be written is only destroyed", () => {
    const { socket, written } = fakeSocket(false);
    handle()(error("HPE_INVALID_METHOD"), socket as unknown as Socket);
    expect(written).toEqual([]);
    expect(socket.destroyed).toBe(true);
  });
});
