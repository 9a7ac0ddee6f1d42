import { describe, expect, test } from "bun:test";
import { type Connection, Connection as LibraryConnection, type Producer } from "@platformatic/kafka";
import { deafBroker } from "../../../test/support/deaf-broker.ts";
import { recordingBroker } from "../../../test/support/recording-broker.ts";
import { closedPort } from "../../../test/support/tcp-forwarder.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ConnectError, isRetriable } from "../../errors.ts";
import {
  type ConnectionSource,
  PlatformaticTransport,
  requestNotWritten,
  requireFramedSend,
  sendsFramedRequests,
} from "./produce-transport.ts";

/**
 * An acks=0 transport with its own connections to node `node` on loopback port `port`, the leader of topic "t"'s one
 * partition: its library client answers metadata only (the node's address), all the transport asks it for here.
 */
function transportTo(port: number, node: number): PlatformaticTransport {
  const client = {
    metadata: async () => ({
      brokers: new Map([[node, { host: "127.0.0.1", port }]]),
      topics: new Map([["t", { partitionsCount: 1, partitions: [{ leader: node }] }]]),
    }),
  } as unknown as Producer<Buffer, Buffer, Buffer, Buffer>;
  return new PlatformaticTransport(
    client,
    "test",
    { connectTimeout: 5_000, requestTimeout: 5_000, maxInflights: 5 },
    0,
    5_000,
  );
}

describe("PlatformaticTransport.close", () => {
  test("acks=0 requests a broker never reads: close ends within the grace and the connection is closed, not left open", async () => {
    await using broker = await deafBroker();
    const transport = transportTo(broker.port, 1);
    await transport.leaders(["t"], true);
    // More than the socket buffers on both sides take: the rest stays queued in the client.
    const records = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < 8; i++) expect(await transport.produce(1, [{ topic: "t", partition: 0, records }])).toBeNull();
    await waitFor(() => broker.sockets.length === 1);
    await transport.close(50);
    // The broker side sees the connection end once it reads what had arrived.
    broker.sockets[0]!.resume();
    await waitFor(() => broker.closed.size === 1);
  });
});

describe("PlatformaticTransport.onDisconnect", () => {
  test("a broker closing an idle connection is reported by its node id (Java's NetworkClient then asks for metadata)", async () => {
    await using broker = await deafBroker();
    const transport = transportTo(broker.port, 7);
    const lost: number[] = [];
    transport.onDisconnect((node) => lost.push(node));
    await transport.leaders(["t"], true);
    expect(await transport.produce(7, [{ topic: "t", partition: 0, records: Buffer.alloc(61) }])).toBeNull();
    await waitFor(() => broker.sockets.length === 1);
    expect(lost).toEqual([]);
    broker.sockets[0]!.destroy(); // the broker stops
    await waitFor(() => lost.length > 0);
    expect(lost).toEqual([7]);
    // Connected again, then closed by the producer: not a broker lost.
    expect(await transport.produce(7, [{ topic: "t", partition: 0, records: Buffer.alloc(61) }])).toBeNull();
    await waitFor(() => broker.sockets.length === 2);
    broker.sockets[1]!.resume();
    await transport.close(1_000);
    await waitFor(() => broker.closed.size === 2);
    expect(lost).toEqual([7]);
  });
});

describe("PlatformaticTransport.connected", () => {
  test("true once the connection to the node is up, until the broker closes it; false for a node not in the metadata", async () => {
    await using broker = await deafBroker();
    const transport = transportTo(broker.port, 3);
    await transport.leaders(["t"], true);
    expect(transport.connected(3)).toBe(false);
    expect(await transport.produce(3, [{ topic: "t", partition: 0, records: Buffer.alloc(61) }])).toBeNull();
    expect(transport.connected(3)).toBe(true);
    await transport.leaders(["t"], true); // forgets its own map of connections: the pool's still holds
    expect(transport.connected(3)).toBe(true);
    expect(transport.connected(4)).toBe(false);
    await waitFor(() => broker.sockets.length === 1);
    broker.sockets[0]!.destroy();
    await waitFor(() => !transport.connected(3), { what: "the closed connection seen" });
    await transport.close(50);
  });
});

describe("PlatformaticTransport.onDisconnect, a broker that refuses the connection", () => {
  test("a failed connect is reported by its node id too (Java's NetworkClient asks for metadata then as well)", async () => {
    const transport = transportTo(await closedPort(), 4);
    const lost: number[] = [];
    transport.onDisconnect((node) => lost.push(node));
    await transport.leaders(["t"], true);
    const error = await transport.produce(4, [{ topic: "t", partition: 0, records: Buffer.alloc(61) }]).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(requestNotWritten(error)).toBe(true); // neversent: no byte of it went out
    await waitFor(() => lost.length > 0, { what: "the refused connection reported" });
    expect(lost[0]).toBe(4);
    expect(transport.connected(4)).toBe(false);
    await transport.close(50);
  });
});

describe("PlatformaticTransport's produce requests", () => {
  test("carry the producer's client.id (its own connections, not the library client's)", async () => {
    await using broker = await recordingBroker({ hangUp: false });
    const client = {
      metadata: async () => ({
        brokers: new Map([[1, { host: "127.0.0.1", port: broker.port }]]),
        topics: new Map([["t", { partitionsCount: 1, partitions: [{ leader: 1 }] }]]),
      }),
    } as unknown as Producer<Buffer, Buffer, Buffer, Buffer>;
    const transport = new PlatformaticTransport(
      client,
      "connector-producer-orders-0",
      { connectTimeout: 5_000, requestTimeout: 5_000, maxInflights: 5 },
      0,
      5_000,
    );
    await transport.leaders(["t"], true);
    expect(await transport.produce(1, [{ topic: "t", partition: 0, records: Buffer.alloc(61) }])).toBeNull();
    const PRODUCE = 0;
    const produce = await waitFor(() => broker.requests.find((r) => r.apiKey === PRODUCE));
    expect(produce.clientId).toBe("connector-producer-orders-0");
    expect(broker.requests.every((r) => r.clientId === "connector-producer-orders-0")).toBe(true);
    await transport.close(50);
  });
});

/** A library client that knows one node (1) and one topic. */
const oneNodeClient = {
  metadata: async () => ({
    brokers: new Map([[1, { host: "127.0.0.1", port: 9 }]]),
    topics: new Map([["t", { partitionsCount: 1, partitions: [{ leader: 1 }] }]]),
  }),
} as unknown as Producer<Buffer, Buffer, Buffer, Buffer>;

/**
 * A pool whose connections come when the test says (`connect` completes the attempts under way);
 * its connection records the topic of each request written, in order, and answers each at once.
 */
function fakePool() {
  const written: string[] = [];
  const attempts: { resolve: (c: Connection) => void; reject: (e: Error) => void }[] = [];
  const connection = {
    isConnected: () => true,
    send: (
      _apiKey: number,
      _version: number,
      createPayload: () => { frame: Buffer },
      _parser: unknown,
      _requestTags: boolean,
      _responseTags: boolean,
      callback: (error: Error | null, value: unknown) => void,
    ) => {
      const frame = createPayload().frame;
      const topic = ["A", "B", "C", "D"].find((name) => frame.includes(`topic-${name}`));
      written.push(topic ?? "?");
      queueMicrotask(() => callback(null, []));
    },
  } as unknown as Connection;
  const pool = {
    get: () => new Promise<Connection>((resolve, reject) => attempts.push({ resolve, reject })),
    close: async () => {},
    *[Symbol.iterator]() {},
  } as unknown as ConnectionSource;
  return {
    pool,
    connection,
    written,
    attempts,
    connect: () => {
      for (const a of attempts.splice(0)) a.resolve(connection);
    },
    fail: (error: Error) => {
      for (const a of attempts.splice(0)) a.reject(error);
    },
  };
}

const batch = (name: string) => [{ topic: `topic-${name}`, partition: 0, records: Buffer.alloc(61) }];

describe("PlatformaticTransport.produce while connecting", () => {
  test("requests made while the node's connection is under way go first, in call order: a later one never overtakes", async () => {
    const fake = fakePool();
    const transport = new PlatformaticTransport(oneNodeClient, "test", {}, -1, 5_000, fake.pool);
    await transport.leaders(["t"], true);
    const a = transport.produce(1, batch("A"));
    const b = transport.produce(1, batch("B"));
    // The first attempt connects; once A is on the wire, C comes (an answer's follow-up would make it).
    fake.attempts.shift()!.resolve(fake.connection);
    await waitFor(() => fake.written.length >= 1, { what: "A written" });
    const c = transport.produce(1, batch("C"));
    fake.connect(); // any other attempt under way completes only now
    await Promise.all([a, b, c]);
    expect(fake.written).toEqual(["A", "B", "C"]);
    // Connected: sent at once, after the rest.
    await transport.produce(1, batch("D"));
    expect(fake.written).toEqual(["A", "B", "C", "D"]);
  });

  test("a failed connection fails every request that waited for it; the next request connects again", async () => {
    const fake = fakePool();
    const transport = new PlatformaticTransport(oneNodeClient, "test", {}, -1, 5_000, fake.pool);
    await transport.leaders(["t"], true);
    const a = transport.produce(1, batch("A"));
    const b = transport.produce(1, batch("B"));
    expect(fake.attempts.length).toBe(1);
    fake.fail(new Error("connection refused"));
    const outcomes = await Promise.allSettled([a, b]);
    expect(outcomes.map((o) => (o.status === "rejected" ? (o.reason as Error).message : o.status))).toEqual([
      "connection refused",
      "connection refused",
    ]);
    expect(outcomes.map((o) => o.status === "rejected" && requestNotWritten(o.reason))).toEqual([true, true]);
    const c = transport.produce(1, batch("C"));
    expect(fake.attempts.length).toBe(1);
    fake.connect();
    await c;
    expect(fake.written).toEqual(["C"]);
  });

  test("answers of one read reach the caller in the broker's order, for a request that waited for the connection as for one sent at once", async () => {
    const answer: ((error: Error | null, value: unknown) => void)[] = [];
    const connection = {
      isConnected: () => true,
      send: (...args: unknown[]) => void answer.push(args[6] as (error: Error | null, value: unknown) => void),
    } as unknown as Connection;
    let connected: (c: Connection) => void = () => {};
    const pool = {
      get: () => new Promise<Connection>((resolve) => (connected = resolve)),
      close: async () => {},
      *[Symbol.iterator]() {},
    } as unknown as ConnectionSource;
    const transport = new PlatformaticTransport(oneNodeClient, "test", {}, -1, 5_000, pool);
    await transport.leaders(["t"], true);
    const order: string[] = [];
    const waited = transport.produce(1, batch("A")).then(() => order.push("A"));
    connected(connection);
    await waitFor(() => answer.length === 1, { what: "A written" });
    const direct = transport.produce(1, batch("B")).then(() => order.push("B"));
    answer[0]!(null, []); // one read holds both answers, A's first
    answer[1]!(null, []);
    await Promise.all([waited, direct]);
    expect(order).toEqual(["A", "B"]);
  });

  test("with acks, an answer that is not the broker's per-partition list fails the request (retried); acks=0 settles on the write", async () => {
    const answer: ((error: Error | null, value: unknown) => void)[] = [];
    const connection = {
      isConnected: () => true,
      send: (...args: unknown[]) => void answer.push(args[6] as (error: Error | null, value: unknown) => void),
    } as unknown as Connection;
    const pool = { get: async () => connection, close: async () => {}, *[Symbol.iterator]() {} };
    const withAcks = new PlatformaticTransport(
      oneNodeClient,
      "test",
      {},
      -1,
      5_000,
      pool as unknown as ConnectionSource,
    );
    await withAcks.leaders(["t"], true);
    const sent = withAcks.produce(1, batch("A"));
    await waitFor(() => answer.length === 1, { what: "A written" });
    answer[0]!(null, true);
    const error = await sent.catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isRetriable(error)).toBe(true);
    expect((error as Error).message).toBe("The broker's Produce answer could not be read");
    expect(requestNotWritten(error)).toBe(false); // written: the broker may have it
    const noAcks = new PlatformaticTransport(oneNodeClient, "test", {}, 0, 5_000, pool as unknown as ConnectionSource);
    await noAcks.leaders(["t"], true);
    const written = noAcks.produce(1, batch("B"));
    await waitFor(() => answer.length === 2, { what: "B written" });
    answer[1]!(null, true);
    expect(await written).toBeNull();
  });

  test("a pool that throws instead of rejecting fails the request; the node is not left waiting for ever", async () => {
    const fake = fakePool();
    const get = fake.pool.get.bind(fake.pool);
    let calls = 0;
    (fake.pool as { get: typeof get }).get = ((broker) => {
      if (calls++ === 0) throw new Error("thrown by the pool");
      return get(broker);
    }) as typeof get;
    const transport = new PlatformaticTransport(oneNodeClient, "test", {}, -1, 5_000, fake.pool);
    await transport.leaders(["t"], true);
    expect(await transport.produce(1, batch("A")).catch((e: Error) => e.message)).toBe("thrown by the pool");
    const b = transport.produce(1, batch("B"));
    expect(fake.attempts.length).toBe(1);
    fake.connect();
    await b;
    expect(fake.written).toEqual(["B"]);
  });

  test("a request to a node the metadata does not name fails as not written, and nothing connects", async () => {
    const fake = fakePool();
    const transport = new PlatformaticTransport(oneNodeClient, "test", {}, -1, 5_000, fake.pool);
    await transport.leaders(["t"], true);
    const error = await transport.produce(2, batch("A")).catch((e: unknown) => e);
    expect(String(error)).toBe("Error: Broker 2 is not in the cluster metadata");
    expect(requestNotWritten(error)).toBe(true); // neversent: its batches fail as never sent, not "may be written"
    expect(fake.attempts.length).toBe(0);
  });
});

describe("the dependency patch check (scripts/patch-dependencies.mjs)", () => {
  // Connection.send as the library ships it: the request built through a Writer from the payload.
  function unpatchedSend(this: { writer: { appendFrom(p: unknown): { prependLength(): void } } }, ...args: unknown[]) {
    const payload = (args[2] as () => unknown)();
    this.writer.appendFrom(payload).prependLength();
  }

  test("the installed library's Connection sends framed requests", () => {
    expect(sendsFramedRequests()).toBe(true);
    expect(sendsFramedRequests(LibraryConnection.prototype.send)).toBe(true);
    expect(() => requireFramedSend()).not.toThrow();
  });

  test("an unpatched Connection fails the producer's start with one clear, non-retriable error naming the fix", () => {
    expect(sendsFramedRequests(unpatchedSend)).toBe(false);
    let error: unknown;
    try {
      requireFramedSend(unpatchedSend);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConnectError);
    expect(isRetriable(error)).toBe(false);
    expect((error as Error).message).toContain("node scripts/patch-dependencies.mjs");
  });
});
