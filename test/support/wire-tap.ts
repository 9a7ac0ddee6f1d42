/**
 * A tap on the Kafka requests this process writes to its sockets, whatever the client library:
 * `onRequest` sees each request's header (API key, client id) and its socket the moment its frame
 * is written, before any answer can come back, so a test can act at that exact point of a client's
 * protocol (close a consumer right after its first JoinGroup left, say; cut the connection so the
 * answer is lost). Both adapters' libraries write a request as one frame (size, api_key,
 * api_version, correlation_id, client_id, ...). `answerRequests` answers chosen requests in the
 * broker's place (a JoinGroup refused with COORDINATOR_LOAD_IN_PROGRESS, say): a fault of the real
 * broker's protocol, injected at the client's socket, while every other request goes to the broker.
 */
import { Socket } from "node:net";

export interface TappedRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
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
    apiVersion: frame.readInt16BE(6),
    correlationId: frame.readInt32BE(8),
    clientId: length < 0 ? null : frame.subarray(14, 14 + length).toString("utf8"),
  };
}

/** Calls `onRequest` for every request frame written until the tap is disposed. */
export function tapRequests(onRequest: (request: TappedRequest, socket: Socket) => void): Disposable {
  return patchWrite((request, socket) => {
    onRequest(request, socket);
    return false;
  });
}

/**
 * Answers in the broker's place the requests `answer` gives a response body for: all that follows
 * the correlation id, so the body supplies any further header fields itself (the tag buffer of a
 * response header v1, for a flexible version: joinGroupRefusal writes it). The request never goes
 * out, and its answer arrives on its socket as the broker's would. Other requests go to the broker.
 * Until disposed.
 */
export function answerRequests(answer: (request: TappedRequest) => Buffer | undefined): Disposable {
  return patchWrite((request, socket, done) => {
    const body = answer(request);
    if (body === undefined) return false;
    const frame = Buffer.alloc(8 + body.length);
    frame.writeInt32BE(4 + body.length, 0);
    frame.writeInt32BE(request.correlationId, 4);
    body.copy(frame, 8);
    // After the write returns, as an answer read from the socket comes.
    setImmediate(() => {
      done?.();
      socket.emit("data", frame);
    });
    return true;
  });
}

/** Socket.prototype.write, each whole request frame first shown to `intercept`; true keeps it from the wire. */
function patchWrite(intercept: (request: TappedRequest, socket: Socket, done?: () => void) => boolean): Disposable {
  const proto = Socket.prototype as unknown as { write: (...args: unknown[]) => boolean };
  const own = Object.hasOwn(proto, "write");
  const write = proto.write;
  proto.write = function (this: Socket, ...args: unknown[]) {
    const request = requestIn(args[0]);
    const done = args.find((a) => typeof a === "function") as (() => void) | undefined;
    if (request && intercept(request, this, done)) return true;
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

/** Metadata's API key. */
export const METADATA = 3;

/** COORDINATOR_LOAD_IN_PROGRESS: the group coordinator is still loading its groups (a fresh broker's). */
export const COORDINATOR_LOAD_IN_PROGRESS = 14;

/**
 * The body of a JoinGroup answer (`version` 0-9) refusing the join with `errorCode`, as the broker
 * writes one: no generation (-1), empty names, no members. From v6 on the answer is flexible: an
 * empty tag buffer closes its header (a response header v1) and its body, strings and arrays are
 * compact (length + 1 as an unsigned varint; 0 is null); v7 adds the protocol type, and the protocol
 * name turns nullable (null here); v9 adds skip_assignment.
 */
export function joinGroupRefusal(version: number, errorCode: number): Buffer {
  const flexible = version >= 6;
  const bytes: number[] = [];
  const int16 = (n: number) => bytes.push((n >> 8) & 0xff, n & 0xff);
  const int32 = (n: number) => bytes.push((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  const emptyString = () => (flexible ? bytes.push(1) : int16(0));
  if (flexible) bytes.push(0); // the response header's tag buffer
  if (version >= 2) int32(0); // throttle_time_ms
  int16(errorCode);
  int32(-1); // generation_id
  if (version >= 7)
    bytes.push(0, 0); // protocol_type, protocol_name: null
  else emptyString(); // protocol_name
  emptyString(); // leader
  if (version >= 9) bytes.push(0); // skip_assignment
  emptyString(); // member_id
  if (flexible)
    bytes.push(1, 0); // members: empty; the body's tag buffer
  else int32(0);
  return Buffer.from(bytes);
}

/** COORDINATOR_NOT_AVAILABLE: no group coordinator yet (__consumer_offsets not created or led). */
export const COORDINATOR_NOT_AVAILABLE = 15;

/** FindCoordinator's API key. */
export const FIND_COORDINATOR = 10;

/**
 * The body of a FindCoordinator answer (`version` 0-6) refusing with `errorCode` the coordinator of
 * `key` (the group id): no coordinator (node -1, empty host, port -1), no error message. From v3 on the
 * answer is flexible (an empty tag buffer closes its header, a response header v1, and its body;
 * compact strings); v4 on answers a list of keys, here the one key asked (kafkajs sends v0-v2, the
 * platformatic library the highest the broker takes).
 */
export function findCoordinatorRefusal(version: number, errorCode: number, key: string): Buffer {
  if (version > 6) throw new Error(`FindCoordinator v${version} answers are not written here`);
  const flexible = version >= 3;
  const bytes: number[] = [];
  const int16 = (n: number) => bytes.push((n >> 8) & 0xff, n & 0xff);
  const int32 = (n: number) => bytes.push((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  const varint = (n: number) => {
    for (; n >= 0x80; n >>>= 7) bytes.push((n & 0x7f) | 0x80);
    bytes.push(n);
  };
  const string = (text: string) => {
    const utf8 = Buffer.from(text, "utf8");
    if (flexible) varint(utf8.length + 1);
    else int16(utf8.length);
    bytes.push(...utf8);
  };
  const refusal = () => {
    int32(-1); // node_id
    string(""); // host
    int32(-1); // port
  };
  if (flexible) bytes.push(0); // the response header's tag buffer
  if (version >= 1) int32(0); // throttle_time_ms
  if (version >= 4) {
    bytes.push(2); // coordinators: one
    string(key);
    refusal();
    int16(errorCode);
    bytes.push(0, 0); // error_message: null; the coordinator's tag buffer
  } else {
    int16(errorCode);
    // error_message: null
    if (flexible) bytes.push(0);
    else if (version >= 1) int16(-1);
    refusal();
  }
  if (flexible) bytes.push(0); // the body's tag buffer
  return Buffer.from(bytes);
}
