/**
 * A client with security.protocol=SSL whose bootstrap server answers the handshake in no TLS (another service on
 * the port): Java's client fails at once with SslAuthenticationException ("Unrecognized SSL message"), never
 * retried; so does the gateway's task (both Kafka clients, the compiled binary when GATEWAY_BIN is set), its trace
 * naming a listener that may not be TLS, where earlier releases retried it as an unreachable broker.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { failedTask, startGateway } from "./support/gateway.ts";
import { kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { sendCallbackCause } from "./support/send-callback-trace.ts";
import { tempDir } from "./support/temp-dir.ts";

/** A TCP server on a free loopback port that answers whatever it is sent with an HTTP 400, as a web server would. */
async function notTlsServer() {
  const server = createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(["platformatic", "kafkajs"])(
  "kafka.client=%s, a producer over SSL to a port that speaks no TLS",
  (client) => {
    test("fails its task at once with SslAuthenticationException naming a listener that may not be TLS", async () => {
      const kafka = await kafkaBroker();
      await using work = await tempDir();
      await using server = await notTlsServer();
      await using gw = await startGateway({
        dir: work.path,
        worker: { "bootstrap.servers": kafka.bootstrap, "kafka.client": client, "data.dir": work.file("data") },
      });
      writeFileSync(work.file("in.txt"), "a line\n");
      const created = await gw.rest.post("/connectors", {
        name: "not-tls",
        config: {
          "connector.class": "FileStreamSource",
          file: work.file("in.txt"),
          topic: uniqueTopic("not-tls"),
          "producer.override.bootstrap.servers": server.address,
          "producer.override.security.protocol": "SSL",
          "producer.override.ssl.truststore.location": kafka.sslCa,
          "producer.override.ssl.truststore.type": "PEM",
        },
      });
      expect(created.status).toBe(201);
      const trace = String((await failedTask(gw, "not-tls")).trace);
      expect(sendCallbackCause(trace)).toStartWith("org.apache.kafka.common.errors.SslAuthenticationException: ");
      const cause = sendCallbackCause(trace)!;
      expect(cause).toContain("Failed to connect the producer: SSL handshake failed (ERR_SSL_WRONG_VERSION_NUMBER: ");
      expect(cause).toEndWith(
        "WRONG_VERSION_NUMBER); the broker did not answer in TLS: its listener may not be TLS (security.protocol=SSL against a PLAINTEXT listener)",
      );
    }, 60_000);
  },
);
