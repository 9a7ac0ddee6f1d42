/**
 * A "broker" on loopback that records the header of every Kafka request it receives (API key and
 * the client id, request header v1/v2: size, api_key, api_version, correlation_id, client_id) and
 * answers none: with `hangUp` it closes each connection after its first request, so a client
 * fails fast; with `answersApiVersions` it answers ApiVersions (v0 to v2: no API listed), the one
 * request a broker answers before a SASL login, and no other. Tests use it to prove what a client
 * puts on the wire.
 */
import { createServer, type Socket } from "node:net";

export interface RecordedRequest {
  readonly apiKey: number;
  readonly clientId: string | null;
}

/** An ApiVersions answer (v0 to v2, header v0) listing no API: error_code 0, api_keys [], throttle_time_ms 0. */
const apiVersionsAnswer = (correlationId: number) => {
  const answer = Buffer.alloc(18);
  answer.writeInt32BE(14, 0);
  answer.writeInt32BE(correlationId, 4);
  return answer;
};

export async function recordingBroker(options: { hangUp: boolean; answersApiVersions?: boolean }) {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + frame.length);
        const length = frame.readInt16BE(8);
        requests.push({
          apiKey: frame.readInt16BE(0),
          clientId: length < 0 ? null : frame.subarray(10, 10 + length).toString("utf8"),
        });
        if (options.answersApiVersions && frame.readInt16BE(0) === 18)
          socket.write(apiVersionsAnswer(frame.readInt32BE(4)));
        if (options.hangUp) socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    requests,
    [Symbol.asyncDispose]: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
