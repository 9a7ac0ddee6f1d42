/**
 * kafkajs' seed broker and bootstrap requests past a broker that does not answer, as scripts/patches/kafkajs-seed-broker.mjs
 * patches them (applied by scripts/patch-dependencies.mjs), against real loopback listeners: a frozen broker (it accepts
 * connections and answers nothing, as a SIGSTOPped one: the kernel accepts them) and brokers answering ApiVersions alone
 * (test/support/recording-broker.ts), and the shared test broker's mTLS listener. The process remembers such brokers for
 * all its kafkajs clients, and only failures of the broker's doing: a client's own (sockets the gateway refused, its own
 * disconnect, a certificate it does not trust, no client certificate at an mTLS listener, a TLS handshake cut by a
 * PLAINTEXT listener, a SASL mechanism the broker does not offer, a refused login, a connection a
 * SASL listener closed after answering on it) leave the others' order as it was. These fail when an install ran without
 * the patch.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { type ConnectionOptions, createServer as createTlsServer } from "node:tls";
import { type Admin, Kafka, type KafkaConfig, logLevel } from "kafkajs";
import defaultSocketFactory from "kafkajs/src/network/socketFactory";
import { mtlsBroker } from "../../../test/support/broker-mtls.ts";
import { recordingBroker } from "../../../test/support/recording-broker.ts";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { makeRsaCert } from "../../../test/support/tls.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ADMIN_CLOSE, ADMIN_CLOSED, ClosableSockets, PRODUCER_FORCE_CLOSE } from "./closable-sockets.ts";
import { forgetUnresponsiveKafkajsBrokers, unresponsiveKafkajsBrokers } from "./unresponsive-brokers.ts";

const require = createRequire(import.meta.url);

/** Ample for an in-process listener to answer on two loaded cores; a frozen one is waited for as long. */
const requestTimeout = 1000;
const API_VERSIONS = 18;
const logger = { namespace: () => logger, debug() {}, info() {}, warn() {}, error() {} };

interface Pool {
  readonly port: number;
}
interface Broker {
  readonly connectionPool: Pool;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  apiVersions(): Promise<unknown>;
}
const connectionPoolBuilder = require("kafkajs/src/cluster/connectionPoolBuilder.js") as (options: object) => {
  build(destination?: { host: string; port: number }): Promise<Pool>;
};
const BrokerOf = require("kafkajs/src/broker/index.js") as new (options: object) => Broker;
const BrokerPool = require("kafkajs/src/cluster/brokerPool.js") as new (
  options: object,
) => {
  brokers: Record<string, Broker>;
  findConnectedBroker(): Promise<Broker>;
  withBroker<T>(callback: (b: { nodeId: string; broker: Broker }) => Promise<T>): Promise<T>;
};

/** A client's connection pool builder over `brokers` (host:port), in that order (kafkajs' bootstrap list). */
const builderOf = (brokers: string[]) =>
  connectionPoolBuilder({
    brokers,
    clientId: "c",
    socketFactory: defaultSocketFactory(),
    requestTimeout,
    connectionTimeout: requestTimeout,
    logger,
  });

/** A client's connection pool builder over the brokers listening on `ports`, in that order. */
const builderOver = (...ports: number[]) => builderOf(ports.map((port) => `127.0.0.1:${port}`));

/**
 * Connects a client's next seed broker, built by `builder`: whether it is the broker listening on `firstPort`, and
 * whether it answered its ApiVersions.
 */
const nextSeed = async (builder: ReturnType<typeof builderOver>, firstPort: number): Promise<[string, boolean]> => {
  const broker = new BrokerOf({ connectionPool: await builder.build(), logger });
  const name = broker.connectionPool.port === firstPort ? "first" : "other";
  try {
    await broker.connect();
    return [name, true];
  } catch {
    return [name, false];
  } finally {
    await broker.disconnect();
  }
};

/** A kafkajs client over the brokers listening on `ports`, in that order, which makes no retries unless told. */
const clientOver = (ports: number[], config: Partial<KafkaConfig> = {}) =>
  new Kafka({
    brokers: ports.map((port) => `127.0.0.1:${port}`),
    requestTimeout,
    connectionTimeout: requestTimeout,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
    ...config,
  });

/**
 * Whether an admin client of `kafka` connects (and then, given `then`, makes that request): "connected", or its last
 * try's error's type (a broker's error answer) or code, else its error's name.
 */
const adminConnects = async (kafka: Kafka, then?: (admin: Admin) => Promise<unknown>) => {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await then?.(admin);
    return "connected";
  } catch (error) {
    const failed = error as Error & { cause?: { type?: string; code?: string } };
    return failed.cause?.type ?? failed.cause?.code ?? failed.name;
  } finally {
    await admin.disconnect();
  }
};

/** `server` listening on a free loopback port (`port`), closed when disposed. */
const listening = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

// The process's memory outlives a test (scripts run many files in one process; a port may be reused).
beforeEach(forgetUnresponsiveKafkajsBrokers);

describe("kafkajs' seed broker (scripts/patches/kafkajs-seed-broker.mjs)", () => {
  test("a client whose first seed broker leaves its ApiVersions unanswered connects to the next one, and closes the frozen one's connection", async () => {
    await using frozen = await recordingBroker({ hangUp: false, keepsHalfOpen: true });
    await using next = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const sockets: { port: number; socket: Socket }[] = [];
    const socketFactory = defaultSocketFactory();
    const kafka = new Kafka({
      brokers: [frozen, next].map((b) => `127.0.0.1:${b.port}`),
      requestTimeout,
      connectionTimeout: requestTimeout,
      retry: { retries: 2, initialRetryTime: 10 },
      logLevel: logLevel.NOTHING,
      socketFactory: (args) => {
        const socket = socketFactory(args);
        sockets.push({ port: args.port, socket });
        return socket;
      },
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // Before: its retry found the frozen seed connected and went on without its ApiVersions; every later request
      // failed "Broker not connected" and the next broker was never asked.
      expect(frozen.requests.map((r) => r.apiKey)).toEqual([API_VERSIONS]);
      expect(next.requests.map((r) => r.apiKey)).toEqual([API_VERSIONS]);
      // Closed, not half-closed (kafkajs' disconnect ends the socket, a close a frozen broker never completes: each seed
      // change held the connection open; review-kjsseed P3).
      expect(sockets.filter((s) => s.port === frozen.port).map((s) => s.socket.destroyed)).toEqual([true]);
    } finally {
      await admin.disconnect();
    }
  });

  test("a seed that left its ApiVersions unanswered is waited for once in the process, not once per client", async () => {
    await using frozen = await recordingBroker({ hangUp: false, keepsHalfOpen: true });
    await using next = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const client = () =>
      new Kafka({
        brokers: [frozen, next].map((b) => `127.0.0.1:${b.port}`),
        requestTimeout,
        connectionTimeout: requestTimeout,
        retry: { retries: 2, initialRetryTime: 10 },
        logLevel: logLevel.NOTHING,
      });
    // The gateway's kafkajs consumer looks its topics up, waits for them, connects and finds its start positions
    // through clusters of its own (src/kafka/kafkajs/consumer.ts), each its own seed: two admin clients of one Kafka
    // stand for them, and another Kafka for the gateway's other clients.
    const kafka = client();
    for (const k of [kafka, kafka, client()]) {
      const admin = k.admin();
      await admin.connect();
      await admin.disconnect();
    }
    // Before: each cluster's seed was the first listed broker, its ApiVersions waited out three times.
    expect(frozen.requests.map((r) => r.apiKey)).toEqual([API_VERSIONS]);
    expect(next.requests.map((r) => r.apiKey)).toEqual([API_VERSIONS, API_VERSIONS, API_VERSIONS]);
  });

  test("a broker that left a request unanswered is the client's seed last, until it answers again", async () => {
    let thawed = false;
    await using frozen = await recordingBroker({ hangUp: false, answersApiVersions: () => thawed });
    await using other = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const builder = builderOver(frozen.port, other.port);
    const seeds = [];
    for (let i = 0; i < 4; i++) seeds.push(await nextSeed(builder, frozen.port));
    expect(seeds).toEqual([
      ["first", false],
      ["other", true],
      ["other", true],
      ["other", true],
    ]);

    // Thawed, it answers a request (as a broker of the metadata, asked directly): in line again.
    thawed = true;
    const known = new BrokerOf({
      connectionPool: await builder.build({ host: "127.0.0.1", port: frozen.port }),
      logger,
    });
    await known.connect();
    await known.disconnect();
    expect([await nextSeed(builder, frozen.port), await nextSeed(builder, frozen.port)]).toEqual([
      ["first", true],
      ["other", true],
    ]);
  });

  test("an answer to one client puts the broker back in line for the others", async () => {
    let thawed = false;
    await using frozen = await recordingBroker({ hangUp: false, answersApiVersions: () => thawed });
    await using other = await recordingBroker({ hangUp: false, answersApiVersions: true });
    // Three clients, each with a pool builder of its own: the first meets the broker frozen, the second leaves it.
    const [first, second, third] = [0, 1, 2].map(() => builderOver(frozen.port, other.port));
    expect(await nextSeed(first!, frozen.port)).toEqual(["first", false]);
    expect(await nextSeed(second!, frozen.port)).toEqual(["other", true]);

    // Thawed, it answers the first client (as a broker of its metadata, asked directly).
    thawed = true;
    const known = new BrokerOf({
      connectionPool: await first!.build({ host: "127.0.0.1", port: frozen.port }),
      logger,
    });
    await known.connect();
    await known.disconnect();
    expect(await nextSeed(third!, frozen.port)).toEqual(["first", true]);
  });

  // Review kjsfirst P3-1: the memory is the process's, kept from one test to the next.
  test("forgetUnresponsiveKafkajsBrokers: a broker remembered is a client's first seed again", async () => {
    await using hangsUp = await recordingBroker({ hangUp: true });
    await using other = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const seedOfNewClient = () => nextSeed(builderOver(hangsUp.port, other.port), hangsUp.port);
    expect(await seedOfNewClient()).toEqual(["first", false]);
    expect(unresponsiveKafkajsBrokers()).toEqual([`127.0.0.1:${hangsUp.port}`]);
    expect(await seedOfNewClient()).toEqual(["other", true]);
    forgetUnresponsiveKafkajsBrokers();
    expect(await seedOfNewClient()).toEqual(["first", false]);
  });

  // Review kjsfirst P2: any failure marked the broker for every client, a client's own too; a new client with [frozen,
  // healthy] then waited out the frozen broker again.
  const closedProducer = () => {
    const sockets = new ClosableSockets(PRODUCER_FORCE_CLOSE);
    sockets.close();
    return { socketFactory: sockets.factory };
  };
  const closedAdmin = () => {
    const sockets = new ClosableSockets(ADMIN_CLOSE);
    sockets.close();
    return { socketFactory: sockets.factory };
  };
  test("a refused connection is the broker's doing: it is the other clients' seed last", async () => {
    const refused = await (async () => {
      await using closed = await listening(createServer());
      return closed.port;
    })();
    await using other = await recordingBroker({ hangUp: false, answersApiVersions: true });
    expect(await nextSeed(builderOver(refused, other.port), refused)).toEqual(["first", false]);
    expect(unresponsiveKafkajsBrokers()).toEqual([`127.0.0.1:${refused}`]);
    expect(await nextSeed(builderOver(refused, other.port), refused)).toEqual(["other", true]);
  });

  test("a TLS handshake a PLAINTEXT listener cut (the client's settings are wrong) marks no broker", async () => {
    // As Kafka's PLAINTEXT listener: it reads the ClientHello as the size of a request too large to take and closes.
    await using plaintext = await listening(createServer((socket) => socket.once("data", () => socket.destroy())));
    expect(await adminConnects(clientOver([plaintext.port], { ssl: true }))).toBe("ECONNRESET");
    expect(unresponsiveKafkajsBrokers()).toEqual([]);
  });

  test("a broker certificate the client does not trust (its settings are wrong) marks no broker", async () => {
    await using dir = await tempDir("kjs-untrusted-");
    await makeRsaCert(dir.path, "broker", "127.0.0.1");
    const [key, cert] = ["broker.key", "broker.pem"].map((name) => readFileSync(join(dir.path, name)));
    await using tls = await listening(createTlsServer({ key, cert }, (socket) => socket.on("error", () => {})));
    expect(await adminConnects(clientOver([tls.port], { ssl: true }))).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
    expect(unresponsiveKafkajsBrokers()).toEqual([]);
  });

  // A regression guard: it passes without a fix. With TLS 1.3 the handshake completes before the listener checks the
  // client's certificate; its alert then fails the ApiVersions as a socket error, no answer received (the default
  // client's side marked the healthy broker so). kafkajs reports it as a KafkaJSConnectionError whose code names the
  // alert (ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE, under TLS 1.2 too), no peer's code: the client's own failure.
  test("no client certificate at the shared broker's mTLS listener (the client's settings are wrong) marks no broker", async () => {
    const { info, mtls } = await mtlsBroker();
    const mtlsClient = (ssl: ConnectionOptions) =>
      new Kafka({
        brokers: [mtls.bootstrap],
        requestTimeout,
        connectionTimeout: requestTimeout,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
        ssl: { ca: [readFileSync(info.sslCa)], ...ssl },
      });
    expect(await adminConnects(mtlsClient({}))).toBe("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE");
    expect(unresponsiveKafkajsBrokers()).toEqual([]);
    // The broker is healthy: a client with its certificate connects.
    const [cert, key] = [mtls.clientCert, mtls.clientKey].map((file) => readFileSync(file));
    expect(await adminConnects(mtlsClient({ cert, key }))).toBe("connected");
  });

  const saslRefused = () => ({ sasl: { mechanism: "scram-sha-256", username: "u", password: "p" } as const });
  const loginRefused = () => ({ sasl: { mechanism: "plain", username: "u", password: "p" } as const });
  const withoutSasl = () => ({});
  const listTopics = (admin: Admin) => admin.listTopics();
  test.each([
    ["a forcibly closed producer's sockets refused by the gateway", closedProducer, undefined, "EPRODUCERSTOPPED"],
    ["a closed admin's sockets refused by the gateway", closedAdmin, undefined, "EADMINCLOSED"],
    [
      "an authentication failure (a SASL mechanism the broker does not offer)",
      saslRefused,
      undefined,
      "KafkaJSSASLAuthenticationError",
    ],
    // Review kjsfirst-c P3-1: a SASL failure is classified by its cause; a refused login's is the broker's answer.
    ["a login the broker refused", loginRefused, undefined, "SASL_AUTHENTICATION_FAILED"],
    // Review kjsfirst-c P2: a client without SASL settings has its ApiVersions answered, then the SASL listener closes
    // the connection at its Metadata request; the close marked a healthy broker for every client.
    [
      "a connection the broker closed after answering on it (a client without SASL settings at a SASL listener)",
      withoutSasl,
      listTopics,
      "KafkaJSConnectionClosedError",
    ],
  ])("a client's own failure leaves the other clients' order as it was: %s", async (_, settings, then, failure) => {
    await using frozen = await recordingBroker({ hangUp: false, keepsHalfOpen: true });
    const sasl = { mechanisms: ["PLAIN"], login: "refused" } as const;
    await using healthy = await recordingBroker({ hangUp: false, answersApiVersions: true, sasl });
    const both = [frozen.port, healthy.port];
    expect(await adminConnects(clientOver(both, { retry: { retries: 2, initialRetryTime: 10 } }))).toBe("connected");
    expect(unresponsiveKafkajsBrokers()).toEqual([`127.0.0.1:${frozen.port}`]);

    expect(await adminConnects(clientOver([healthy.port], settings()), then)).toBe(failure);
    expect(unresponsiveKafkajsBrokers()).toEqual([`127.0.0.1:${frozen.port}`]);
    // A new client goes past the frozen broker at once: its ApiVersions is not asked of it again.
    expect(await adminConnects(clientOver(both))).toBe("connected");
    expect(frozen.requests.map((r) => r.apiKey)).toEqual([API_VERSIONS]);
  });

  // Review kjsfirst-c P3-1: wrapped as a SASL failure, a login the broker left unanswered marked no broker.
  test("a broker that leaves a SASL login unanswered (frozen in the exchange) is the other clients' seed last", async () => {
    const sasl = { mechanisms: ["PLAIN"], login: "unanswered" } as const;
    await using frozenInLogin = await recordingBroker({ hangUp: false, answersApiVersions: true, sasl });
    await using other = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const client = clientOver([frozenInLogin.port], loginRefused());
    expect(await adminConnects(client)).toBe("KafkaJSSASLAuthenticationError");
    expect(unresponsiveKafkajsBrokers()).toEqual([`127.0.0.1:${frozenInLogin.port}`]);
    expect(await nextSeed(builderOver(frozenInLogin.port, other.port), frozenInLogin.port)).toEqual(["other", true]);
  });

  // Review kjsfirst-c P3-2: every client of the process gets the same DNS answer.
  test("a name that does not resolve is the other clients' seed last", async () => {
    await using other = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const unresolved = "broker.unresolvable.invalid:9092"; // RFC 6761: .invalid never resolves
    const builder = () => builderOf([unresolved, `127.0.0.1:${other.port}`]);
    expect(await nextSeed(builder(), 9092)).toEqual(["first", false]);
    expect(unresponsiveKafkajsBrokers()).toEqual([unresolved]);
    expect(await nextSeed(builder(), 9092)).toEqual(["other", true]);
  });
});

describe("kafkajs' bootstrap requests (scripts/patches/kafkajs-seed-broker.mjs)", () => {
  // Review kjsfirst P2: destroyed without an error, the request waited out its timeout, a timeout of the broker's.
  test("a request on a connection a closed admin destroyed fails at once, and marks no broker", async () => {
    await using silent = await recordingBroker({ hangUp: false });
    const sockets = new ClosableSockets(ADMIN_CLOSE);
    const builder = connectionPoolBuilder({
      brokers: [`127.0.0.1:${silent.port}`],
      clientId: "c",
      socketFactory: sockets.factory,
      requestTimeout,
      connectionTimeout: requestTimeout,
      logger,
    });
    const pool = await builder.build({ host: "127.0.0.1", port: silent.port });
    const broker = new BrokerOf({ connectionPool: pool, logger, versions: {} });
    await broker.connect();
    try {
      const asked = broker.apiVersions().catch((e: Error & { code?: string }) => [e.name, e.code]);
      await waitFor(() => silent.requests.length === 1, { what: "the request sent" });
      sockets.close();
      expect(await asked).toEqual(["KafkaJSConnectionError", ADMIN_CLOSED]);
      expect(unresponsiveKafkajsBrokers()).toEqual([]);
    } finally {
      await broker.disconnect();
    }
  });

  // Review kjsfirst P2: a client's own disconnect failed its request "Not connected", which marked the broker.
  test("a request failed by the client's own disconnect marks no broker", async () => {
    await using healthy = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const pool = await builderOver(healthy.port).build({ host: "127.0.0.1", port: healthy.port });
    const broker = new BrokerOf({ connectionPool: pool, logger, versions: {} });
    await broker.connect();
    const asked = broker.apiVersions().catch((e: Error) => [e.name, e.message]);
    await broker.disconnect();
    expect(await asked).toEqual(["KafkaJSConnectionError", "Not connected"]);
    expect(unresponsiveKafkajsBrokers()).toEqual([]);
  });

  test("a Metadata request and a coordinator lookup ask a connected broker whose request timed out last", async () => {
    await using frozen = await recordingBroker({ hangUp: false });
    await using other = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const builder = builderOver(frozen.port, other.port);
    const known = async (port: number) => {
      // Versions known (from the seed): connecting opens the connection alone, as for any broker of the metadata.
      const pool = await builder.build({ host: "127.0.0.1", port });
      const broker = new BrokerOf({ connectionPool: pool, logger, versions: {} });
      await broker.connect();
      return broker;
    };
    const brokers = { 1: await known(frozen.port), 2: await known(other.port) };
    try {
      // The frozen broker's request times out; its connection stays open (the kernel accepts and keeps it).
      expect(await brokers[1].apiVersions().catch((e: Error) => e.name)).toBe("KafkaJSRequestTimeoutError");
      const pool = new BrokerPool({ connectionPoolBuilder: builder, logger, retry: { retries: 0 } });
      pool.brokers = brokers;
      // kafkajs shuffles the brokers: asked 20 times, the frozen one would come first about 10 times.
      const asked: number[] = [];
      for (let i = 0; i < 20; i++) {
        asked.push((await pool.findConnectedBroker()).connectionPool.port);
        asked.push(await pool.withBroker(async ({ broker }) => broker.connectionPool.port));
      }
      expect(new Set(asked)).toEqual(new Set([other.port]));
    } finally {
      await Promise.all(Object.values(brokers).map((b) => b.disconnect()));
    }
  });
});
