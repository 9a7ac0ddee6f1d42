/**
 * A connection cut in the middle of its SASL exchange (a broker restarting, a network blip) is a
 * disconnect, not a refused login: Java's NetworkClient logs "Connection to node … terminated
 * during authentication" and reconnects; only a broker's SASL_AUTHENTICATION_FAILED answer is an
 * AuthenticationException (Java 4.3.1's Admin.describeCluster, Connect's cluster id lookup at
 * startup, answers through this same proxy after either cut). So a worker whose first contact is cut
 * there keeps probing and connects,
 * where a wrong password stops it (exit 2, worker-config.test.ts). kafkajs reports such a cut as
 * an authentication error of its own (any failure of SaslAuthenticate), whose cause the adapter
 * looks at; @platformatic/kafka as a connection closed during the SASL handshake or authentication
 * (scripts/patches/sasl-login-closed.mjs). Real binary, and the library's own client, against the
 * shared broker's SASL listener behind a proxy that cuts the first such request.
 */
import { expect, test } from "bun:test";
import { createServer, type Server, Socket } from "node:net";
import { Admin } from "@platformatic/kafka";
import { isRetriable } from "../src/errors.ts";
import { wrap } from "../src/kafka/platformatic/errors.ts";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker, saslWorker } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";

const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

interface CuttingProxy extends AsyncDisposable {
  readonly address: string;
  /** How many connections were cut so far. */
  readonly cuts: number;
}

/** A proxy to `upstream` that cuts the first connection sending a request with `apiKey`. */
async function cuttingProxy(upstream: string, apiKey: number): Promise<CuttingProxy> {
  const colon = upstream.lastIndexOf(":");
  const [host, port] = [upstream.slice(0, colon), Number(upstream.slice(colon + 1))];
  const sockets = new Set<Socket>();
  let cuts = 0;
  const server: Server = createServer((client) => {
    const broker = new Socket();
    for (const s of [client, broker]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        broker.destroy();
      });
    }
    broker.connect(port, host);
    broker.on("data", (chunk) => client.write(chunk));
    let pending = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 6 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(0, 4 + pending.readInt32BE(0));
        pending = pending.subarray(frame.length);
        if (frame.readInt16BE(4) === apiKey && cuts === 0) {
          cuts++;
          client.destroy();
          broker.destroy();
          return;
        }
        broker.write(frame);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    get cuts() {
      return cuts;
    },
    [Symbol.asyncDispose]: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test.each([
  ["platformatic", "SaslHandshake", SASL_HANDSHAKE],
  ["platformatic", "SaslAuthenticate", SASL_AUTHENTICATE],
  ["kafkajs", "SaslHandshake", SASL_HANDSHAKE],
  ["kafkajs", "SaslAuthenticate", SASL_AUTHENTICATE],
] as const)(
  "a first contact cut at its %s's %s request is retried, not a refused login: the worker connects (no exit 2)",
  async (client, _request, apiKey) => {
    const kafka = await kafkaBroker();
    await using proxy = await cuttingProxy(kafka.bootstrapSasl, apiKey);
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        ...saslWorker(kafka, "gateway-secret"),
        "bootstrap.servers": proxy.address,
        "data.dir": dir.file("data"),
        "kafka.client": client,
      },
    });
    await gw.waitForOutput(/Connected to Kafka cluster/, 20_000);
    expect(proxy.cuts).toBe(1);
    expect(gw.proc.exitCode).toBeNull();
    expect(gw.output()).not.toContain("Stopping due to error");
  },
  30_000,
);

// p3d: @platformatic/kafka said "Connection closed while waiting for ready." (its SaslHandshake, failed by the close
// after that, "Cannot find a suitable SASL mechanism."): scripts/patches/sasl-login-closed.mjs.
test.each([
  ["SaslHandshake", SASL_HANDSHAKE],
  ["SaslAuthenticate", SASL_AUTHENTICATE],
])(
  "@platformatic/kafka: a connection cut at its %s says it was closed in the SASL login, retriable",
  async (_request, apiKey) => {
    const kafka = await kafkaBroker();
    await using proxy = await cuttingProxy(kafka.bootstrapSasl, apiKey);
    const admin = new Admin({
      clientId: "sasl-login-cut",
      bootstrapBrokers: [proxy.address],
      retries: 0,
      sasl: { mechanism: "PLAIN", username: "gateway", password: "gateway-secret" },
    });
    try {
      const error = await admin.metadata({ topics: [] }).catch((e: unknown) => e);
      const wrapped = wrap(error, "Failed to fetch the metadata");
      expect(proxy.cuts).toBe(1);
      expect(wrapped.message).toBe(
        `Failed to fetch the metadata: Cannot connect to any broker. (Connection to ${proxy.address} closed during the SASL handshake or authentication)`,
      );
      expect(wrapped.message).not.toContain("gateway-secret");
      expect(isRetriable(wrapped)).toBe(true);
    } finally {
      await admin.close();
    }
  },
);
