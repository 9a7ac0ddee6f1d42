import { beforeEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import {
  Admin,
  apiVersionsV3,
  type Connection,
  ConnectionPool,
  Consumer,
  type ConsumerOptions,
  metadataV12,
} from "@platformatic/kafka";
import { mtlsBroker } from "../../test/support/broker-mtls.ts";
import { type KafkaInfo, kafkaBroker } from "../../test/support/kafka.ts";
import { recordingBroker } from "../../test/support/recording-broker.ts";
import { failureMessage } from "./platformatic/errors.ts";
import { forgetUnresponsiveBrokers, unresponsiveBrokers } from "./platformatic/unresponsive-brokers.ts";

// Which bootstrap broker @platformatic/kafka asks a request of, and how often, as scripts/patches/api-versions-attempt.mjs,
// bootstrap-unresponsive.mjs and find-coordinator-attempt.mjs patch it (applied by scripts/patch-dependencies.mjs),
// against real listeners.

/** Ample for an in-process broker to answer on two loaded cores; one that does not answer is waited for as long. */
const requestTimeout = 2000;
/** For a client that talks only to brokers that never answer: nothing has to arrive in time, so it waits briefly. */
const silentTimeout = 100;

// The memory of unresponsive brokers is the process's: one test's is not the next's.
beforeEach(forgetUnresponsiveBrokers);
const loopback = (port: number) => ({ host: "127.0.0.1", port });

/**
 * An Admin over two bootstrap brokers: first a listener whose connections `open` handles (it answers nothing, its
 * connections counted), then a broker answering ApiVersions alone (listing ApiVersions alone: a Metadata call asked of it
 * fails, not retriable, "Unsupported API Metadata.").
 */
async function adminOverFirstBroker(open: (socket: { end(): void }) => void) {
  let opened = 0;
  const first = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: (socket) => {
        opened++;
        open(socket);
      },
      data: () => {},
    },
  });
  const second = await recordingBroker({ hangUp: false, answersApiVersions: true });
  const admin = new Admin({
    clientId: "c",
    bootstrapBrokers: [first, second].map((b) => `127.0.0.1:${b.port}`),
    retries: 3,
    retryDelay: 1,
    requestTimeout,
  });
  return {
    admin,
    second,
    opened: () => opened,
    [Symbol.asyncDispose]: async () => {
      await admin.close();
      first.stop(true);
      await second[Symbol.asyncDispose]();
    },
  };
}

/** A port nothing listens on any more: a connection to it is refused. */
function refusedPort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => {} } });
  const { port } = listener;
  listener.stop(true);
  return port;
}

/** A connection pool recording the port of each broker it opens a connection to, in order. */
function recordingPool(options: ConstructorParameters<typeof ConnectionPool>[1] = {}) {
  const pool = new ConnectionPool("c", { requestTimeout, ...options });
  const connecting: number[] = [];
  pool.on("connecting", ({ broker }) => connecting.push(broker.port));
  return { pool, connecting };
}

/** An ApiVersions asked on `connection`: resolves with its error, null when answered. */
const askApiVersions = (connection: Connection) =>
  new Promise<unknown>((resolve) => apiVersionsV3.api(connection, "c", "1", (error: unknown) => resolve(error)));

/** Resolves at `pool`'s next close of a connection to the broker at `port`, once the pool handled it. */
const nextClose = (pool: ConnectionPool, port: number) =>
  new Promise<void>((resolve) => {
    const onDisconnect = ({ broker }: { broker: { port: number } }) => {
      if (broker.port !== port) return;
      pool.off("disconnect", onDisconnect);
      resolve();
    };
    pool.on("disconnect", onDisconnect);
  });

describe("ApiVersions bootstrap rotation (scripts/patches/api-versions-attempt.mjs)", () => {
  // The ApiVersions a request asks first goes to a bootstrap broker of its own (not the request's attempt's): each
  // failed one moves the next to the following broker, so a first broker that cuts or never answers does not fail
  // every attempt while the others are healthy (the request's attempts alone never moved it).
  test.each([
    ["cuts every connection", (socket: { end(): void }) => socket.end()],
    ["never answers", () => {}],
  ])("an ApiVersions whose bootstrap broker %s is asked of the next one at the next attempt", async (_, open) => {
    await using brokers = await adminOverFirstBroker(open);
    const failure: unknown = await brokers.admin.metadata({ topics: [] }).catch((e: unknown) => e);
    // Past ApiVersions at the second attempt: the Metadata request then has no version to use (not retriable).
    expect(brokers.second.requests.map((r) => r.apiKey)).toEqual([18]);
    expect(failure).toMatchObject({
      message: "metadata failed 2 times.",
      errors: [{ code: "PLT_KFK_NETWORK" }, { message: "Unsupported API Metadata." }],
    });
  });
});

describe("bootstrap brokers that do not answer offered last (scripts/patches/bootstrap-unresponsive.mjs)", () => {
  // A frozen broker still accepts connections: each new request's first attempt connected to it first and waited
  // request.timeout.ms, though the next broker had answered.
  test("a bootstrap broker that left a request unanswered is offered last to the requests after it", async () => {
    await using brokers = await adminOverFirstBroker(() => {});
    // The first call's ApiVersions times out on the first broker, its next attempt asks the second; the second call
    // goes to the second broker alone.
    expect(await brokers.admin.metadata({ topics: [] }).catch((e: unknown) => e)).toMatchObject({
      errors: [{ message: "Request timed out" }, { message: "Unsupported API Metadata." }],
    });
    expect(await brokers.admin.metadata({ topics: [] }).catch((e: unknown) => e)).toMatchObject({
      message: "Unsupported API Metadata.",
    });
    expect(brokers.opened()).toBe(1);
    expect(brokers.second.requests.map((r) => r.apiKey)).toEqual([18]);
  });

  test("a broker whose connection was refused is not tried first by the next request", async () => {
    const refused = refusedPort();
    await using answering = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const brokers = [refused, answering.port].map(loopback);
    const { pool, connecting } = recordingPool();
    try {
      expect((await pool.getFirstAvailable(brokers)).port).toBe(answering.port);
      expect(connecting).toEqual([refused, answering.port]);
      expect((await pool.getFirstAvailable(brokers)).port).toBe(answering.port);
      expect(connecting).toEqual([refused, answering.port]); // the open connection taken, no new one to the refusing
    } finally {
      await pool.close();
    }
  });

  // Review p3boot P3-5: the memory is the process's, kept from one test to the next.
  test("forgetUnresponsiveBrokers: a broker remembered is offered first again", async () => {
    const refused = refusedPort();
    await using answering = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const brokers = [refused, answering.port].map(loopback);
    const [before, after] = [recordingPool(), recordingPool()];
    try {
      await before.pool.getFirstAvailable(brokers);
      forgetUnresponsiveBrokers();
      await after.pool.getFirstAvailable(brokers);
      expect(after.connecting).toEqual([refused, answering.port]);
    } finally {
      await Promise.all([before.pool.close(), after.pool.close()]);
    }
  });

  // A long-lived client's broker freezes: it had answered on the connection whose request then timed out.
  test("a broker that answered, then left a request unanswered, is offered last once that connection closed", async () => {
    const firstAnswers = { hangUp: false, answersApiVersions: true };
    await using first = await recordingBroker(firstAnswers);
    await using second = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const brokers = [first, second].map((b) => loopback(b.port));
    const { pool, connecting } = recordingPool();
    try {
      const connection = await pool.get(brokers[0]!);
      expect(await askApiVersions(connection)).toBeNull();
      firstAnswers.answersApiVersions = false;
      const closed = nextClose(pool, first.port);
      expect(await askApiVersions(connection)).toMatchObject({ message: "Request timed out" });
      await closed;
      expect((await pool.getFirstAvailable(brokers)).port).toBe(second.port);
      expect(connecting).toEqual([first.port, second.port]);
    } finally {
      await pool.close();
    }
  });

  test("a broker offered last for a request it left unanswered is offered first again once it answers", async () => {
    const firstAnswers = { hangUp: false, answersApiVersions: false };
    await using first = await recordingBroker(firstAnswers);
    await using second = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const brokers = [first, second].map((b) => loopback(b.port));
    const { pool, connecting } = recordingPool();
    try {
      const timedOut = nextClose(pool, first.port);
      expect(await askApiVersions(await pool.get(brokers[0]!))).toMatchObject({ message: "Request timed out" });
      await timedOut;
      expect((await pool.getFirstAvailable(brokers)).port).toBe(second.port);
      expect(connecting).toEqual([first.port, second.port]);
      // Answering on a connection open now: offered first.
      firstAnswers.answersApiVersions = true;
      const answered = await pool.get(brokers[0]!);
      expect(await askApiVersions(answered)).toBeNull();
      expect((await pool.getFirstAvailable(brokers)).port).toBe(first.port);
      // That connection cut by the broker after it answered: still offered first, on a new connection.
      Object.assign(firstAnswers, { hangUp: true, answersApiVersions: false });
      const cut = nextClose(pool, first.port);
      expect(await askApiVersions(answered)).toMatchObject({ message: "Connection closed" });
      await cut;
      firstAnswers.hangUp = false;
      expect((await pool.getFirstAvailable(brokers)).port).toBe(first.port);
      expect(connecting).toEqual([first.port, second.port, first.port, first.port]);
    } finally {
      await pool.close();
    }
  });

  // explore33 F1: each client learnt on its own that a broker was frozen, so a new ingest connector's first requests
  // waited request.timeout.ms on it although another client of the process had found it frozen long before.
  test("a client made after another found a broker unresponsive asks the other brokers first", async () => {
    await using frozen = await recordingBroker({ hangUp: false });
    await using answering = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const brokers = [frozen, answering].map((b) => loopback(b.port));
    const earlier = recordingPool({ requestTimeout: silentTimeout }); // asks the frozen broker alone
    const later = recordingPool();
    try {
      const timedOut = nextClose(earlier.pool, frozen.port);
      expect(await askApiVersions(await earlier.pool.get(brokers[0]!))).toMatchObject({ message: "Request timed out" });
      await timedOut;
      expect((await later.pool.getFirstAvailable(brokers)).port).toBe(answering.port);
      expect(later.connecting).toEqual([answering.port]);
    } finally {
      await earlier.pool.close();
      await later.pool.close();
    }
  });

  // The memory is the process's: an answer on a connection of any client, a long-lived one too, clears it.
  test("a broker another client found unresponsive is asked first again once it answers any client", async () => {
    const firstAnswers = { hangUp: false, answersApiVersions: true };
    await using first = await recordingBroker(firstAnswers);
    await using second = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const brokers = [first, second].map((b) => loopback(b.port));
    const longLived = recordingPool();
    const timingOut = recordingPool({ requestTimeout: silentTimeout }); // asks the broker only while it answers nothing
    const asking = recordingPool();
    try {
      const kept = await longLived.pool.get(brokers[0]!);
      expect(await askApiVersions(kept)).toBeNull();
      firstAnswers.answersApiVersions = false;
      const timedOut = nextClose(timingOut.pool, first.port);
      expect(await askApiVersions(await timingOut.pool.get(brokers[0]!))).toMatchObject({
        message: "Request timed out",
      });
      await timedOut;
      expect((await asking.pool.getFirstAvailable(brokers)).port).toBe(second.port);
      expect((await longLived.pool.getFirstAvailable(brokers)).port).toBe(second.port);
      firstAnswers.answersApiVersions = true;
      expect(await askApiVersions(kept)).toBeNull();
      expect((await asking.pool.getFirstAvailable(brokers)).port).toBe(first.port);
      expect(asking.connecting).toEqual([second.port, first.port]);
    } finally {
      await Promise.all([longLived, timingOut, asking].map(({ pool }) => pool.close()));
    }
  });

  // A SASL_PLAINTEXT client of a TLS listener: the broker's TLS alert fails the SASL login. The client's settings are
  // wrong, not the broker: an earlier form of the patch marked it for every client of the process.
  test("a broker answering a client without TLS in TLS (the client's settings are wrong) marks no broker", async () => {
    const tlsAlert = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
    await using tls = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: { data: (socket) => void socket.end(tlsAlert) },
    });
    const { pool } = recordingPool({ sasl: { mechanism: "PLAIN", username: "u", password: "p" } });
    try {
      const closed = nextClose(pool, tls.port);
      expect(await pool.get(loopback(tls.port)).catch((e: Error) => failureMessage(e, "Failed"))).toContain(
        "the broker answered in TLS",
      );
      await closed;
      expect(unresponsiveBrokers()).toEqual([]);
    } finally {
      await pool.close();
    }
  });
});

// A connector's wrong settings (a wrong password, TLS at a PLAINTEXT listener) marked a healthy broker for every client
// of the process: with a frozen broker also remembered, the two tied and another client asked the frozen one first,
// waiting out its request.timeout.ms. The real broker's listeners tell what the library reports in each case.
describe("which failures mark a broker for every client (scripts/patches/bootstrap-unresponsive.mjs)", () => {
  type PoolOptions = ConstructorParameters<typeof ConnectionPool>[1];
  const login = (password: string) => ({ sasl: { mechanism: "PLAIN" as const, username: "gateway", password } });
  const trusted = async () => ({ tls: { ca: readFileSync((await kafkaBroker()).sslCa) } });
  const address = (hostPort: string) => ({
    host: hostPort.slice(0, hostPort.lastIndexOf(":")),
    port: Number(hostPort.slice(hostPort.lastIndexOf(":") + 1)),
  });

  /** How `pool`'s connection to `broker` failed ("connected" when it did not). */
  const connectFailure = (pool: ConnectionPool, broker: { host: string; port: number }) =>
    pool.get(broker).then(
      () => "connected",
      (e: Error) => failureMessage(e, "Failed"),
    );

  /** A recording broker (`hangUp`) whose ApiVersions on a connection set up failed with `failure`: remembered. */
  async function rememberedAfterApiVersions(hangUp: boolean, failure: string, options: PoolOptions = {}) {
    const broker = await recordingBroker({ hangUp });
    const { pool } = recordingPool(options);
    try {
      const closed = nextClose(pool, broker.port);
      expect(await askApiVersions(await pool.get(loopback(broker.port)))).toMatchObject({ message: failure });
      await closed;
    } finally {
      await pool.close();
    }
    expect(unresponsiveBrokers()).toEqual([`127.0.0.1:${broker.port}`]);
    return broker;
  }
  /** A broker another client found frozen (its ApiVersions timed out). */
  const frozenRemembered = () =>
    rememberedAfterApiVersions(false, "Request timed out", { requestTimeout: silentTimeout });

  test.each<
    [
      string,
      (k: KafkaInfo) => string | Promise<string>,
      () => Promise<PoolOptions>,
      (pool: ConnectionPool, broker: { host: string; port: number }) => Promise<string>,
      () => Promise<PoolOptions>,
    ]
  >([
    [
      "a wrong SASL password at the SASL listener",
      (k) => k.bootstrapSasl,
      async () => login("not-the-password"),
      connectFailure,
      async () => login("gateway-secret"),
    ],
    // A regression guard: it passes without the patch's close rule too, since Kafka answers the ApiVersions before it
    // closes the connection (an answer before the close marks no broker).
    [
      "no SASL settings at the SASL listener (a guard: closed after its ApiVersions answer)",
      (k) => k.bootstrapSasl,
      async () => ({}),
      async (pool, broker) => {
        const connection = await pool.get(broker);
        expect(await askApiVersions(connection)).toBeNull();
        const closed = nextClose(pool, broker.port);
        const failure = await new Promise<unknown>((resolve) =>
          metadataV12.api(connection, [], false, false, (e: unknown) => resolve(e)),
        );
        await closed;
        return failureMessage(failure, "Failed");
      },
      async () => login("gateway-secret"),
    ],
    [
      "a SASL login at the PLAINTEXT listener",
      (k) => k.bootstrap,
      async () => login("gateway-secret"),
      connectFailure,
      async () => ({}),
    ],
    ["TLS at the PLAINTEXT listener", (k) => k.bootstrap, trusted, connectFailure, async () => ({})],
    [
      "a certificate the client does not trust at the TLS listener",
      (k) => k.bootstrapSsl,
      async () => ({ tls: {} }),
      connectFailure,
      trusted,
    ],
    // TLS 1.3: the handshake completes before the listener checks the client's certificate; its alert then fails the
    // first request as a socket error, no answer received.
    [
      "no client certificate at the mTLS listener",
      async () => (await mtlsBroker()).mtls.bootstrap,
      trusted,
      async (pool, broker) => {
        const closed = nextClose(pool, broker.port);
        const failure = await askApiVersions(await pool.get(broker));
        await closed;
        return failureMessage(failure, "Failed");
      },
      async () => {
        const { mtls } = await mtlsBroker();
        return {
          tls: { ...(await trusted()).tls, cert: readFileSync(mtls.clientCert), key: readFileSync(mtls.clientKey) },
        };
      },
    ],
  ])(
    "%s marks no broker: another client over [frozen, that broker] asks that broker first",
    async (_, listener, wrong, fail, right) => {
      await using frozen = await frozenRemembered();
      const healthy = address(await listener(await kafkaBroker()));
      const misconfigured = recordingPool(await wrong());
      try {
        expect(await fail(misconfigured.pool, healthy)).toStartWith("Failed: ");
      } finally {
        await misconfigured.pool.close();
      }
      expect(unresponsiveBrokers()).toEqual([`127.0.0.1:${frozen.port}`]);
      const other = recordingPool(await right());
      try {
        expect((await other.pool.getFirstAvailable([loopback(frozen.port), healthy])).port).toBe(healthy.port);
        expect(other.connecting).toEqual([healthy.port]);
      } finally {
        await other.pool.close();
      }
    },
  );

  /** A recording broker with these options, reached by a client with `client` (a SASL login by default). */
  const clientOf = async (options: Parameters<typeof recordingBroker>[0], client: PoolOptions = login("p")) => {
    const broker = await recordingBroker(options);
    return {
      broker: loopback(broker.port),
      options: client,
      [Symbol.asyncDispose]: () => broker[Symbol.asyncDispose](),
    };
  };
  const nothingToStop = { [Symbol.asyncDispose]: async () => {} };
  const silentConnect = { requestTimeout: 2 * silentTimeout, connectTimeout: silentTimeout };

  test.each<
    [string, () => Promise<{ broker: { host: string; port: number }; options?: PoolOptions } & AsyncDisposable>]
  >([
    ["refused", async () => ({ broker: loopback(refusedPort()), ...nothingToStop })],
    [
      "unresolvable (ENOTFOUND)",
      async () => ({ broker: { host: "unresolvable.invalid", port: 9092 }, ...nothingToStop }),
    ],
    ["cut before answering", () => clientOf({ hangUp: true })],
    [
      "leaving its SASL login unanswered",
      () => clientOf({ hangUp: false, answersApiVersions: true, sasl: { mechanisms: ["PLAIN"], login: "unanswered" } }),
    ],
    // The connection's own timer (connectTimeout, below request.timeout.ms) fires first: its TimeoutError's code is
    // PLT_KFK_NETWORK, its class's PLT_KFK_TIMEOUT.
    ["silent at a TLS handshake", () => clientOf({ hangUp: false }, { tls: {}, ...silentConnect })],
    [
      "silent at a SASL login (connectTimeout below request.timeout.ms)",
      () => clientOf({ hangUp: false }, { ...login("p"), ...silentConnect }),
    ],
  ])("a broker %s is remembered", async (_, make) => {
    await using failing = await make();
    const { pool } = recordingPool(failing.options);
    try {
      expect(await connectFailure(pool, failing.broker)).toStartWith("Failed: ");
      expect(unresponsiveBrokers()).toEqual([`${failing.broker.host}:${failing.broker.port}`]);
    } finally {
      await pool.close();
    }
  });

  test("a broker that cuts a connection set up before answering on it is remembered", async () => {
    await using _cutting = await rememberedAfterApiVersions(true, "Connection closed");
  });

  test("a connection the client closed before the broker answered on it marks no broker", async () => {
    await using silent = await recordingBroker({ hangUp: false });
    const { pool } = recordingPool();
    await pool.get(loopback(silent.port));
    await pool.close();
    expect(unresponsiveBrokers()).toEqual([]);
  });
});

describe("a consumer's coordinator lookup (scripts/patches/find-coordinator-attempt.mjs)", () => {
  /** A consumer of the broker at `port`, retries 2, counting its coordinator lookups (each try of FindCoordinator). */
  function countingConsumer(port: number, options: Partial<ConsumerOptions<Buffer, Buffer, Buffer, Buffer>> = {}) {
    const consumer = new Consumer({
      clientId: "c",
      groupId: "g",
      bootstrapBrokers: [`127.0.0.1:${port}`],
      retries: 2,
      retryDelay: 1,
      requestTimeout,
      ...options,
    });
    let lookups = 0;
    consumer.on("client:performWithRetry", (operation: string) => {
      if (operation === "findGroupCoordinator") lookups++;
    });
    return {
      consumer,
      lookups: () => lookups,
      listCommits: () =>
        consumer.listCommittedOffsets({ topics: [{ topic: "t", partitions: [0] }] }).catch((e: unknown) => e),
      [Symbol.asyncDispose]: () => consumer.close(),
    };
  }

  // A lookup failed at once (a broker restarting, COORDINATOR_NOT_AVAILABLE during a failover) is retried within the
  // group request's attempt, so a short outage does not fail the request.
  test("a group request's attempt retries a lookup whose connection is cut, as the lookup made by itself", async () => {
    await using cutting = await recordingBroker({ hangUp: true });
    await using group = countingConsumer(cutting.port);
    const failure = await group.listCommits();
    expect(group.lookups()).toBe(9);
    expect(failure).toMatchObject({ message: "listCommits failed 3 times." });
    expect((failure as { errors: Error[] }).errors.map((e) => e.message)).toEqual(
      Array(3).fill("findGroupCoordinator failed 3 times."),
    );
    expect(failureMessage(failure, "Failed")).toBe(
      `Failed: listCommits failed 3 times. (its findGroupCoordinator request failed 3 times: Connection to 127.0.0.1:${cutting.port} closed)`,
    );

    await using alone = countingConsumer(cutting.port);
    expect(await alone.consumer.findGroupCoordinator().catch((e: Error) => e.message)).toBe(
      "findGroupCoordinator failed 3 times.",
    );
    expect(alone.lookups()).toBe(3);
  });

  // Each attempt of a group request looked its coordinator up with retries of its own: (retries + 1)² lookups, each
  // request.timeout.ms against a frozen broker, before the request failed.
  test.each<[string, Partial<ConsumerOptions<Buffer, Buffer, Buffer, Buffer>>, (address: string) => string]>([
    ["its ApiVersions", {}, (address) => `Request to ${address} timed out`],
    [
      "its connection's SASL login",
      { sasl: { mechanism: "PLAIN", username: "u", password: "p" } },
      (address) => `Connection to ${address} failed: Request timed out`,
    ],
  ])("a group request's attempt does not retry a lookup that timed out in %s", async (_, options, cause) => {
    await using frozen = await recordingBroker({ hangUp: false });
    // Nothing is answered: a short request.timeout.ms keeps the test short.
    await using group = countingConsumer(frozen.port, { ...options, requestTimeout: silentTimeout });
    const failure = await group.listCommits();
    expect(group.lookups()).toBe(3);
    expect(failureMessage(failure, "Failed")).toBe(
      `Failed: listCommits failed 3 times. (its findGroupCoordinator request failed: ${cause(`127.0.0.1:${frozen.port}`)})`,
    );
  });
});
