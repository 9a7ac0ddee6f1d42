/**
 * A tap on the Kafka requests this process writes to its sockets, whatever the client library:
 * `onRequest` sees each request's header (API key, client id) and its socket the moment its frame
 * is written, before any answer can come back, so a test can act at that exact point of a client's
 * protocol (close a consumer right after its first JoinGroup left, say; cut the connection so the
 * answer is lost). Both adapters' libraries write a request as one frame (size, api_key,
 * api_version, correlation_id, client_id, ...).
 */
import { Socket } from "node:net";

export interface TappedRequest {
  readonly apiKey: number;
  readonly clientId: string | null;
}

/** The header of the request a written chunk is, when it is one whole request frame. */
function requestIn(chunk: unknown): TappedRequest | undefined {
  if (!(chunk instanceof Uint8Array) || chunk.length < 14) return undefined;
  const frame = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const length = frame.readInt16BE(12);
  if (frame.readInt32BE(0) !== frame.length - 4 || frame.length < 14 + Math.max(length, 0)) return undefined;
  return {
    apiKey: frame.readInt16BE(4),
    clientId: length < 0 ? null : frame.subarray(14, 14 + length).toString("utf8"),
  };
}

/** Calls `onRequest` for every request frame written until the tap is disposed. */
export function tapRequests(onRequest: (request: TappedRequest, socket: Socket) => void): Disposable {
  const proto = Socket.prototype as unknown as { write: (...args: unknown[]) => boolean };
  const own = Object.hasOwn(proto, "write");
  const write = proto.write;
  proto.write = function (this: Socket, ...args: unknown[]) {
    const request = requestIn(args[0]);
    if (request) onRequest(request, this);
    return write.apply(this, args);
  };
  return {
    [Symbol.dispose]: () => {
      if (own) proto.write = write;
      else delete (proto as { write?: unknown }).write;
    },
  };
}

/** JoinGroup's API key. */
export const JOIN_GROUP = 11;

/** Produce's API key. */
export const PRODUCE = 0;

/** Fetch's API key. */
export const FETCH = 1;
