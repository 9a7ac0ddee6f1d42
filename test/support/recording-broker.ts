/**
 * A "broker" on loopback that records the header of every Kafka request it receives (API key and
 * the client id, request header v1/v2: size, api_key, api_version, correlation_id, client_id) and
 * answers none: with `hangUp` it closes each connection after its first request, so a client
 * fails fast; with `answersApiVersions` it answers ApiVersions (in the version asked, listing
 * ApiVersions alone), the one request a broker answers before a SASL login, and no other: a client
 * gets past it and finds no other API to use (a function: while it returns true, as a frozen broker that thaws); with
 * `keepsHalfOpen` it never closes a connection the client half-closed (a frozen broker: its kernel acknowledges the
 * client's FIN, the process never closes); with `sasl` it is a SASL listener: its ApiVersions answer lists SaslHandshake,
 * SaslAuthenticate and Metadata v0 too, it answers SaslHandshake with `sasl.mechanisms` (a client asking another one fails its
 * authentication), refuses each login (`login: "refused"`: SASL_AUTHENTICATION_FAILED) or leaves it unanswered (a broker
 * frozen in the exchange), and closes the connection at any other request, as Kafka's SASL listener does to a client
 * without SASL settings. Tests use it to prove what a client puts on the wire.
 */
import { createServer, type Socket } from "node:net";

export interface RecordedRequest {
  readonly apiKey: number;
  readonly clientId: string | null;
}

/**
 * An ApiVersions answer (response header v0 whatever the version) listing ApiVersions v0 to v3 alone: error_code 0,
 * api_keys [18, 0, 3], throttle_time_ms 0; from v3 on (flexible) the array's length is a varint of length + 1 and
 * each entry and the body end with an empty tagged-field section.
 */
const apiVersionsAnswer = (correlationId: number, version: number, sasl: boolean) => {
  const flexible = version >= 3;
  // ApiVersions v0 to v3 and, with `sasl`, SaslHandshake and SaslAuthenticate v0 to v1 and Metadata v0 (a request to
  // close the connection at): api_key, min_version, max_version.
  const apis = [
    [0, 18, 0, 0, 0, 3],
    ...(sasl
      ? [
          [0, 17, 0, 0, 0, 1],
          [0, 36, 0, 0, 0, 1],
          [0, 3, 0, 0, 0, 0],
        ]
      : []),
  ];
  const body = flexible
    ? Buffer.from([0, 0, apis.length + 1, ...apis.flatMap((api) => [...api, 0]), 0, 0, 0, 0, 0])
    : Buffer.from([0, 0, 0, 0, 0, apis.length, ...apis.flat(), ...(version >= 1 ? [0, 0, 0, 0] : [])]);
  return framed(correlationId, body);
};

/** A SaslHandshake answer (v0 and v1 alike): error_code 0, the mechanisms enabled. */
const saslHandshakeAnswer = (correlationId: number, mechanisms: readonly string[]) => {
  const names = mechanisms.map((name) => Buffer.from(name, "utf8"));
  const body = Buffer.alloc(6 + names.reduce((size, name) => size + 2 + name.length, 0));
  body.writeInt32BE(names.length, 2);
  let at = 6;
  for (const name of names) {
    body.writeInt16BE(name.length, at);
    name.copy(body, at + 2);
    at += 2 + name.length;
  }
  return framed(correlationId, body);
};

/**
 * A SaslAuthenticate answer refusing the login (v0 and v1): error_code SASL_AUTHENTICATION_FAILED (58), a null
 * error_message, empty auth_bytes and, from v1 on, session_lifetime_ms 0.
 */
const loginRefusedAnswer = (correlationId: number, version: number) =>
  framed(
    correlationId,
    Buffer.from([0, 58, 0xff, 0xff, 0, 0, 0, 0, ...(version >= 1 ? [0, 0, 0, 0, 0, 0, 0, 0] : [])]),
  );

/** `body` after its size and a response header v0 (its correlation id). */
const framed = (correlationId: number, body: Buffer) => {
  const answer = Buffer.alloc(8 + body.length);
  answer.writeInt32BE(4 + body.length, 0);
  answer.writeInt32BE(correlationId, 4);
  body.copy(answer, 8);
  return answer;
};

/**
 * The API key and client id of the request whose frame (without its size prefix) starts `frame`: request header v1/v2
 * (api_key, api_version, correlation_id, client_id), as far as the frame holds them; undefined before its client id.
 */
export function requestHeaderOf(frame: Buffer): RecordedRequest | undefined {
  if (frame.length < 10) return undefined;
  const length = frame.readInt16BE(8);
  if (frame.length < 10 + Math.max(length, 0)) return undefined;
  return {
    apiKey: frame.readInt16BE(0),
    clientId: length < 0 ? null : frame.subarray(10, 10 + length).toString("utf8"),
  };
}

export async function recordingBroker(options: {
  hangUp: boolean;
  answersApiVersions?: boolean | (() => boolean);
  keepsHalfOpen?: boolean;
  sasl?: { readonly mechanisms: readonly string[]; readonly login: "refused" | "unanswered" };
}) {
  // Read at each request: a test may change the option (or give a function) while the broker runs.
  const answers = () => {
    const { answersApiVersions } = options;
    return typeof answersApiVersions === "function" ? answersApiVersions() : answersApiVersions === true;
  };
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer({ allowHalfOpen: options.keepsHalfOpen === true }, (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + frame.length);
        requests.push(requestHeaderOf(frame)!);
        const { sasl } = options;
        const [apiKey, version, correlationId] = [frame.readInt16BE(0), frame.readInt16BE(2), frame.readInt32BE(4)];
        if (apiKey === 18 && answers()) socket.write(apiVersionsAnswer(correlationId, version, sasl !== undefined));
        if (apiKey === 17 && sasl) socket.write(saslHandshakeAnswer(correlationId, sasl.mechanisms));
        if (apiKey === 36 && sasl?.login === "refused") socket.write(loginRefusedAnswer(correlationId, version));
        if (sasl && ![17, 18, 36].includes(apiKey)) socket.destroy();
        if (options.hangUp) socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    requests,
    /** How many of its connections are open (a connection the client half-closed counts until it is closed). */
    open: () => sockets.size,
    /** How many connections it accepted in all. */
    accepted: () => accepted,
    [Symbol.asyncDispose]: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
