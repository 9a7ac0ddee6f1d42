/**
 * Writes a fetch `Response` on an HTTP/1.1 connection (`http1-connection.ts`): status line with
 * Jetty's reason phrases, the response's headers (names in Connect's case), `Date`, and
 * `Connection` as Jetty writes it for what the connection decided (test/fixtures/connect-rest/
 * connection-close.json): `close` to an HTTP/1.1 request only, `keep-alive` to an HTTP/1.0 one
 * only, nothing to any other version (HTTP/2.0, or a request line Jetty could not read, which it
 * takes for HTTP/1.0). The body goes with a Content-Length when the response declares one or when
 * it arrives in one piece (the usual JSON answer: one write); otherwise chunked (HTTP/1.1) or until
 * the connection closes (any other version), chunk by chunk, waiting for `drain` (backpressure).
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>>;

const REASONS: Record<number, string | undefined> = { ...STATUS_CODES, 500: "Server Error" };
/**
 * Fields the writer writes itself, for the body it sends and what the connection decided: of a
 * response's own, a Content-Length is taken as the body's declared length and the others are not
 * written. response.http.headers.config's rules for them are dropped at start.
 */
export const LISTENER_FIELDS: readonly string[] = [
  "connection",
  "keep-alive",
  "transfer-encoding",
  "date",
  "content-length",
];
// Set-Cookie is written apart, one line a cookie.
const MANAGED = new Set([...LISTENER_FIELDS, "set-cookie"]);

/** Names fetch's Headers lower-cased that are not written word by word capitalized. */
const FIELD_NAMES: Record<string, string | undefined> = { "www-authenticate": "WWW-Authenticate" };

/**
 * A field's name as Connect's resources and Jetty's error pages write it (`Content-Type`,
 * `Cache-Control`): fetch's Headers hand every name over lower-cased.
 */
export function fieldName(name: string): string {
  return (
    FIELD_NAMES[name] ?? name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase())
  );
}

let dateSecond = 0;
let dateText = "";
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

function waitDrain(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}

/** Writes; a promise only when the socket's buffer is full (the usual small answer needs no await). */
function write(socket: Socket, data: Uint8Array | string): Promise<void> | undefined {
  if (!socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data) && !socket.destroyed) {
    return waitDrain(socket);
  }
  return undefined;
}

export interface WriteOptions {
  /** A HEAD request: headers only. */
  readonly headOnly: boolean;
  /** The connection closes after this response. */
  readonly close: boolean;
  /** The request's version as Jetty read it (`HTTP/1.0` for a request line it could not read). */
  readonly version: string;
  /** Close without saying so, even to HTTP/1.1 (Jetty's answer to a `*` target other than OPTIONS's). */
  readonly unsaidClose?: boolean;
  /** Counts the body bytes written (the request log's). */
  readonly sent?: { bytes: number };
}

/** Writes `response`; resolves whether the connection must close after it. */
export async function writeResponse(socket: Socket, response: Response, options: WriteOptions): Promise<boolean> {
  const status = response.status;
  let head = `HTTP/1.1 ${status} ${response.statusText || REASONS[status] || ""}\r\nDate: ${httpDate()}\r\n`;
  let declaredLength: string | null = null;
  response.headers.forEach((value, name) => {
    if (name === "content-length") declaredLength = value;
    if (!MANAGED.has(name)) head += `${fieldName(name)}: ${value}\r\n`;
  });
  for (const cookie of response.headers.getSetCookie()) head += `Set-Cookie: ${cookie}\r\n`;
  const http11 = options.version === "HTTP/1.1";
  const connection = (close: boolean) =>
    close
      ? http11 && !options.unsaidClose
        ? "Connection: close\r\n"
        : ""
      : options.version === "HTTP/1.0"
        ? "Connection: keep-alive\r\n"
        : "";
  const bodiless = status === 204 || status === 304 || status < 200;
  const reader = bodiless || !response.body ? null : response.body.getReader();
  if (!reader || options.headOnly) {
    await reader?.cancel();
    const length = bodiless ? null : (declaredLength ?? (reader || options.headOnly ? null : "0"));
    await write(
      socket,
      `${head}${length === null ? "" : `Content-Length: ${length}\r\n`}${connection(options.close)}\r\n`,
    );
    return options.close;
  }
  const first = await reader.read();
  const second = first.done ? first : await reader.read();
  if (declaredLength !== null || second.done) {
    const body = first.done ? new Uint8Array(0) : first.value;
    const length = declaredLength ?? String(body.byteLength);
    const top = Buffer.from(`${head}Content-Length: ${length}\r\n${connection(options.close)}\r\n`, "latin1");
    await write(socket, body.byteLength > 0 ? Buffer.concat([top, body]) : top);
    if (options.sent) options.sent.bytes += body.byteLength;
    if (second.done) return options.close;
    await write(socket, second.value);
    if (options.sent) options.sent.bytes += second.value.byteLength;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return options.close;
      if (socket.destroyed) {
        await reader.cancel();
        return true;
      }
      await write(socket, value);
      if (options.sent) options.sent.bytes += value.byteLength;
    }
  }
  const chunked = http11;
  const close = options.close || !chunked;
  await write(socket, `${head}${chunked ? "Transfer-Encoding: chunked\r\n" : ""}${connection(close)}\r\n`);
  const frame = (data: Uint8Array) =>
    chunked ? Buffer.concat([Buffer.from(`${data.byteLength.toString(16)}\r\n`), data, Buffer.from("\r\n")]) : data;
  let next: ReadResult = first;
  let queued: ReadResult | null = second;
  while (!next.done) {
    if (socket.destroyed) {
      await reader.cancel();
      return true;
    }
    if (next.value.byteLength > 0) await write(socket, frame(next.value));
    if (options.sent) options.sent.bytes += next.value.byteLength;
    next = queued ?? (await reader.read());
    queued = null;
  }
  if (chunked) await write(socket, "0\r\n\r\n");
  return close;
}
