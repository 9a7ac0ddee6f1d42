import { describe, expect, spyOn, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Connection, Writer } from "@platformatic/kafka";
import { recordingBroker } from "../../test/support/recording-broker.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { isRetriable } from "../errors.ts";
import { wrap } from "./kafkajs/errors.ts";
import { type Callback, commitAnsweredBy } from "./platformatic/commit-test-support.ts";
import { errorText, wrap as wrapPlatformatic } from "./platformatic/errors.ts";

// scripts/patch-dependencies.mjs fixes kafkajs' producer hot spots and @platformatic/kafka's
// WebAssembly loading and import-time validator compilation at install time (npm postinstall, scripts/lib.sh); these tests fail when an
// install ran without it.
const require = createRequire(import.meta.url);
const groupMessagesPath = require.resolve("kafkajs/src/producer/groupMessagesPerPartition.js");
const encoderPath = require.resolve("kafkajs/src/protocol/encoder.js");
/** A file of an installed package that its exports map does not name: where npm put it. */
const installed = (...path: string[]) => join(import.meta.dir, "..", "..", "node_modules", ...path);

/**
 * A request sent on a library Connection (`apiKey` at `apiVersion`, its payload made by `payload`, its header's tagged
 * fields or not), its answer not parsed: resolves with what its callback is answered, rejects with the request's error.
 */
function sendOn(
  connection: Connection,
  [apiKey, apiVersion]: readonly [number, number],
  payload: () => Writer,
  taggedFields = false,
): Promise<unknown> {
  return new Promise((resolve, reject) =>
    connection.send(
      apiKey,
      apiVersion,
      payload,
      () => null,
      taggedFields,
      false,
      (error, value) => (error ? reject(error) : resolve(value)),
    ),
  );
}

describe("kafkajs patches (scripts/patch-dependencies.mjs)", () => {
  test("groupMessagesPerPartition groups in one pass, keeping message order per partition", () => {
    expect(readFileSync(groupMessagesPath, "utf8")).toContain("edge-gateway patch: linear grouping");
    const group = require(groupMessagesPath) as (args: unknown) => Record<string, { n: number }[]>;
    const messages = Array.from({ length: 7 }, (_, n) => ({ n }));
    const grouped = group({
      topic: "t",
      partitionMetadata: [{ partitionId: 0 }, { partitionId: 1 }, { partitionId: 2 }],
      messages,
      partitioner: ({ message }: { message: { n: number } }) => message.n % 3,
    });
    expect(grouped).toEqual({
      0: [{ n: 0 }, { n: 3 }, { n: 6 }],
      1: [{ n: 1 }, { n: 4 }],
      2: [{ n: 2 }, { n: 5 }],
    });
  });

  test("the protocol Encoder allocates without zero-filling, and still exposes only what it wrote", () => {
    const Encoder = require(encoderPath) as new (
      size?: number,
    ) => {
      writeInt32(v: number): unknown;
      writeBytes(b: Buffer): unknown;
      buffer: Buffer;
    };
    const unsafe = spyOn(Buffer, "allocUnsafe");
    const zeroed = spyOn(Buffer, "alloc");
    try {
      const encoder = new Encoder(4);
      encoder.writeInt32(7);
      encoder.writeBytes(Buffer.from("grown past the first buffer"));
      expect(unsafe).toHaveBeenCalledTimes(2);
      expect(zeroed).not.toHaveBeenCalled();
      expect([...encoder.buffer.subarray(0, 8)]).toEqual([0, 0, 0, 7, 0, 0, 0, 27]);
      expect(encoder.buffer.length).toBe(8 + 27);
    } finally {
      unsafe.mockRestore();
      zeroed.mockRestore();
    }
  });
});

const script = "../../scripts/patch-dependencies.mjs"; // a path tsc does not resolve: the script has no types
const { patches } = (await import(script)) as { patches: { file: string; from: string; to: string }[] };

describe("every patch (scripts/patch-dependencies.mjs, with scripts/patches/)", () => {
  // A `to` containing its `from` (an insertion anchored at one line) would, once edited without a `was` form, find
  // its `from` in a file its earlier form patched and insert its text a second time.
  test("no patch's replacement contains the text it replaces", () => {
    expect(patches.length).toBeGreaterThan(0);
    expect(patches.filter((p) => p.to.includes(p.from)).map((p) => `${p.file}: ${p.from}`)).toEqual([]);
  });

  // A later patch that edits an earlier one's text leaves the file with neither that patch's `to` nor its `from`: the
  // next install (npm's postinstall, scripts/lib.sh) fails on the file the script patched itself.
  test("each patch's replacement is whole in the installed file: running the script again changes nothing", () => {
    const root = join(import.meta.dir, "..", "..");
    const missing = patches.filter((p) => !readFileSync(join(root, p.file), "utf8").includes(p.to));
    expect(missing.map((p) => `${p.file}: ${p.to.slice(0, 80)}`)).toEqual([]);
  });
});

describe("kafkajs request queue patch (scripts/patch-dependencies.mjs)", () => {
  test("a queue never throttled schedules its pending-request check without a negative-delay warning", async () => {
    const path = require.resolve("kafkajs/src/network/requestQueue/index.js");
    expect(readFileSync(path, "utf8")).toContain("edge-gateway patch: never a negative delay");
    const RequestQueue = require(path) as new (o: unknown) => { scheduleCheckPendingRequests(): void; destroy(): void };
    const queue = new RequestQueue({
      maxInFlightRequests: 1,
      requestTimeout: 1000,
      enforceRequestTimeout: false,
      clientId: "t",
      broker: "b",
      logger: { info() {}, debug() {}, warn() {}, error() {} },
    });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      queue.scheduleCheckPendingRequests(); // never throttled: the original asked for -Date.now() ms
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain("TimeoutNegativeWarning");
    } finally {
      process.off("warning", onWarning);
      queue.destroy();
    }
  });
});

describe("kafkajs group coordinator patch (scripts/patch-dependencies.mjs)", () => {
  test("findGroupCoordinatorMetadata keeps the broker's refusal as the cause of its 'Failed to find group coordinator'", async () => {
    const path = require.resolve("kafkajs/src/cluster/index.js");
    expect(readFileSync(path, "utf8")).toContain(
      "edge-gateway patch: the broker's answer (GROUP_AUTHORIZATION_FAILED)",
    );
    const Cluster = require(path) as { prototype: { findGroupCoordinatorMetadata(o: unknown): Promise<unknown> } };
    const refusal = Object.assign(new Error("Not authorized to access group"), { type: "GROUP_AUTHORIZATION_FAILED" });
    const self = {
      logger: { debug() {} },
      retrier: (fn: (bail: (e: Error) => never) => Promise<unknown>) =>
        fn((e) => {
          throw e;
        }),
      brokerPool: {
        async withBroker(callback: (o: unknown) => Promise<unknown>) {
          try {
            return await callback({ nodeId: 1, broker: { findGroupCoordinator: () => Promise.reject(refusal) } });
          } catch {
            return null; // kafkajs drops the error here
          }
        },
      },
    };
    const error = (await Cluster.prototype.findGroupCoordinatorMetadata
      .call(self, { groupId: "g" })
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toBe("Failed to find group coordinator");
    expect(error.cause).toBe(refusal);
  });
});

describe("kafkajs broker patch (scripts/patch-dependencies.mjs)", () => {
  // explore18 F1 (P1): a broker that kept its connection but stopped answering (SIGSTOP, a full heap) left
  // kafkajs' Broker without its API versions; its next request threw a plain Error, which the adapter
  // took as fatal: the sink and ingest tasks FAILED and stayed so after the broker came back.
  test("a request on a broker whose connection is not set up is a retriable connection error, as the runtime retries", async () => {
    const Broker = require(require.resolve("kafkajs/src/broker/index.js")) as new (
      o: unknown,
    ) => {
      metadata(topics: string[]): Promise<unknown>;
    };
    const logger = { namespace: () => logger, debug() {}, info() {}, warn() {}, error() {} };
    const broker = new Broker({ connectionPool: {}, logger });
    const thrown = (await broker.metadata(["t"]).catch((e: unknown) => e)) as Error;
    expect({ name: thrown.name, message: thrown.message }).toEqual({
      name: "KafkaJSConnectionError",
      message: "Broker not connected",
    });
    expect(isRetriable(wrap(thrown, "Failed to look up metadata"))).toBe(true);
  });
});

describe("kafkajs commit patch (scripts/patch-dependencies.mjs)", () => {
  test("a commit retried after a network error goes out under the generation it was made under, not one joined meanwhile", async () => {
    const Runner = require("kafkajs/src/consumer/runner.js") as {
      prototype: { commitOffsets(offsets: object): Promise<void> };
    };
    const createRetry = require("kafkajs/src/retry") as (o: object) => unknown;
    const sent: string[] = [];
    const group = {
      groupId: "g",
      memberId: "m",
      offsetManager: undefined as unknown as { commitOffsets(offsets: object): Promise<void> },
      // As kafkajs' ConsumerGroup: its current offset manager's.
      commitOffsets(offsets: object) {
        return this.offsetManager.commitOffsets(offsets);
      },
    };
    const manager = (generation: string) => ({
      commitOffsets: async () => {
        sent.push(generation);
        if (sent.length > 1) return;
        // The request timed out; meanwhile the member rejoined, and the group's offset manager is the new generation's.
        group.offsetManager = manager("new");
        throw Object.assign(new Error("Request timed out"), { name: "KafkaJSRequestTimeoutError", retriable: true });
      },
    });
    group.offsetManager = manager("old");
    const runner = {
      running: true,
      consumerGroup: group,
      logger: { debug() {} },
      retrier: createRetry({ retries: 2, initialRetryTime: 1 }),
    };
    await Runner.prototype.commitOffsets.call(runner, {
      topics: [{ topic: "t", partitions: [{ partition: 0, offset: "5" }] }],
    });
    expect(sent).toEqual(["old", "old"]);
  });
});

// diffhunt7-b: a fetch answered OFFSET_OUT_OF_RANGE made kafkajs commit -2 (earliest) to the group, which then had no
// offset for the partition until the task committed (test/sink-offsets-past-log-end.test.ts against the broker).
describe("kafkajs out-of-range reset patch (patch 24, scripts/patch-dependencies.mjs)", () => {
  type Manager = {
    setDefaultOffset(tp: object): Promise<{ position: string; offset: string } | undefined>;
    committedOffsets(): Record<string, Record<number, string>>;
    commitOffsets(offsets: object): Promise<void>;
    nextOffset(topic: string, partition: number): { toString(): string };
    resolveOffset(record: { topic: string; partition: number; offset: string }): void;
  };
  /** An offset manager whose member fetched partitions 0 (committed past the log end) and 1; `leader` is partition 0's. */
  function manager(leader: number) {
    const OffsetManager = require("kafkajs/src/consumer/offsetManager/index.js") as new (options: object) => Manager;
    const committed: Record<string, Record<number, string>> = {};
    const asked: unknown[] = [];
    const commits: unknown[] = [];
    const made = new OffsetManager({
      cluster: {
        committedOffsets: () => committed,
        defaultOffset: () => -2,
        findTopicPartitionMetadata: () => [
          { partitionId: 0, leader },
          { partitionId: 1, leader: 1 },
        ],
        fetchTopicsOffset: async (topics: unknown[]) => {
          asked.push(...topics);
          return [{ topic: "t", partitions: [{ partition: 0, offset: "0" }] }];
        },
      },
      coordinator: { isConnected: () => true, offsetCommit: async (request: unknown) => commits.push(request) },
      instrumentationEmitter: { emit: () => {} },
      memberAssignment: { t: [0, 1] },
      topicConfigurations: { t: { fromBeginning: true } },
      groupId: "g",
      generationId: 1,
      memberId: "m",
    });
    Object.assign(made.committedOffsets().t!, { 0: "100", 1: "7" });
    return { made, asked, commits };
  }

  test("the reset position is looked up for the partition and fetched from, nothing committed", async () => {
    const { made, asked, commits } = manager(1);
    expect(await made.setDefaultOffset({ topic: "t", partition: 0 })).toEqual({ position: "100", offset: "0" });
    expect(commits).toEqual([]);
    expect(asked).toEqual([{ topic: "t", partitions: [{ partition: 0 }], fromBeginning: true }]);
    expect(made.committedOffsets()).toEqual({ t: { 0: "0", 1: "7" } });
  });

  // kjsreset (review P3-a): the commit wrote the committed offsets nextOffset fetched from, back past the log end
  // (test/out-of-range-reset-commit.test.ts against the broker).
  test("a commit before the partition's next fetch leaves its fetch position at the reset position", async () => {
    const { made, commits } = manager(1);
    await made.setDefaultOffset({ topic: "t", partition: 0 });
    await made.commitOffsets({ topics: [{ topic: "t", partitions: [{ partition: 0, offset: "100" }] }] });
    expect(commits).toHaveLength(1);
    expect(made.committedOffsets()).toEqual({ t: { 0: "100", 1: "7" } });
    expect(made.nextOffset("t", 0).toString()).toBe("0");
  });

  // review kjsreset: the look-up of a partition without a leader threw KafkaJSBrokerNotFound (broker -1).
  test("a partition without a leader is not looked up: its position stays for the fetch to retry", async () => {
    const { made, asked, commits } = manager(-1);
    expect(await made.setDefaultOffset({ topic: "t", partition: 0 })).toBeUndefined();
    expect([asked, commits]).toEqual([[], []]);
    expect(made.committedOffsets()).toEqual({ t: { 0: "100", 1: "7" } });
  });

  /** A member's recoverFromOffsetOutOfRange for partition 0 of t, the reset answered; the lines it logged. */
  async function recover(
    metadata: object | null,
    offsetManager: Pick<Manager, "setDefaultOffset"> = {
      setDefaultOffset: async () => ({ position: "100", offset: "0" }),
    },
  ) {
    type Group = { recoverFromOffsetOutOfRange(e: object): Promise<void> };
    const ConsumerGroup = require("kafkajs/src/consumer/consumerGroup.js") as { prototype: Group };
    const Cluster = require("kafkajs/src/cluster/index.js") as { prototype: object };
    // kafkajs' own cluster look-ups, on a broker pool whose metadata is `metadata` (null after a disconnect)
    const cluster = Object.assign(Object.create(Cluster.prototype), { brokerPool: { metadata } });
    const logged: unknown[] = [];
    const group = {
      cluster,
      preferredReadReplicasPerTopicPartition: {},
      offsetManager,
      logger: { error: (message: string, extra: object) => logged.push({ message, ...extra }) },
      groupId: "g",
      memberId: "m",
    };
    await ConsumerGroup.prototype.recoverFromOffsetOutOfRange.call(group, { topic: "t", partition: 0 });
    return logged;
  }
  const line = { message: "Fetch position out of range, reset", topic: "t", partition: 0, groupId: "g", memberId: "m" };

  const broker = { nodeId: 2, host: "h", port: 9092 };
  const metadata = {
    brokers: [{ nodeId: 1, host: "g", port: 9092 }, broker],
    topicMetadata: [{ topic: "t", partitionMetadata: [{ partitionId: 0, leader: 2 }] }],
  };

  test("the reset line names the partition's leader as the metadata lists it", async () => {
    expect(await recover(metadata)).toEqual([{ ...line, fetchPosition: "100", resetPosition: "0", leader: broker }]);
  });

  // kjsreset-b (review P3): the line named the committed offset (100) as the fetch position, records consumed past it.
  test("the reset line's fetch position is the partition's, past its committed offset once records were consumed", async () => {
    const { made } = manager(1);
    made.nextOffset("t", 0);
    made.resolveOffset({ topic: "t", partition: 0, offset: "248" });
    expect(await recover(metadata, made)).toEqual([
      { ...line, fetchPosition: "249", resetPosition: "0", leader: broker },
    ]);
  });

  // review leftfix-b: with the metadata dropped by a disconnect, kafkajs' findTopicPartitionMetadata threw
  // KafkaJSTopicMetadataNotLoaded out of recoverFromOffsetOutOfRange for the log line's leader.
  test("without metadata (a disconnect drops it) the reset is logged without a leader, nothing thrown", async () => {
    expect(await recover(null)).toEqual([{ ...line, fetchPosition: "100", resetPosition: "0", leader: undefined }]);
  });
});

// kjsleader: with one broker of several down (a partition's only replica on it), kafkajs' Metadata answer failed whole
// on that partition's LEADER_NOT_AVAILABLE: nothing was written to the topic, and its consumers could not start
// (test/keyless-leaderless-partition.test.ts, a cluster of three brokers).
describe("kafkajs SASL authenticator patch (scripts/patch-dependencies.mjs)", () => {
  test.each([["plain.js"], ["scram.js"]])("%s keeps the exchange's failure as the cause of its error", (file) => {
    const path = require.resolve(`kafkajs/src/broker/saslAuthenticator/${file}`);
    expect(readFileSync(path, "utf8")).toMatch(/KafkaJSSASLAuthenticationError\([^;]*\{ cause: e \}/);
  });

  test("PLAIN: a connection closed mid-exchange is the cause", async () => {
    const provider = require("kafkajs/src/broker/saslAuthenticator/plain.js") as (sasl: unknown) => (o: unknown) => {
      authenticate(): Promise<void>;
    };
    const closed = Object.assign(new Error("Closed connection"), { retriable: true });
    const error = (await provider({ username: "u", password: "p" })({
      host: "h",
      port: 1,
      logger: { debug() {}, error() {} },
      saslAuthenticate: () => Promise.reject(closed),
    })
      .authenticate()
      .catch((e: unknown) => e)) as Error;
    expect(error.name).toBe("KafkaJSSASLAuthenticationError");
    expect(error.cause).toBe(closed);
  });
});

describe("@platformatic/kafka patch (scripts/patch-dependencies.mjs)", () => {
  test("its record reader hands each whole batch to the consumer's checks when set (check.crcs)", async () => {
    const library = (await import("@platformatic/kafka")) as unknown as { batchDecoding?: { current: unknown } };
    expect(library.batchDecoding).toEqual({ current: null });
  });

  test.each([["crc32c.js"], ["compression.js"]])(
    "%s loads the inlined WebAssembly (a compiled binary has no native.wasm file)",
    (file) => {
      // Not in the package's exports map: read it where npm put it.
      const path = installed("@platformatic", "kafka", "dist", "protocol", file);
      const text = readFileSync(path, "utf8");
      expect(text).toContain("from '@platformatic/wasm-utils/bundled'");
      expect(text).not.toContain("from '@platformatic/wasm-utils';");
    },
  );

  test("a request failed by the connection's close keeps the socket's error (a broker's TLS alert) as its cause", () => {
    // The behaviour is tested against a broker that requires client certificates (test/kafka-broker-mtls.test.ts).
    const path = installed("@platformatic", "kafka", "dist", "network", "connection.js");
    const text = readFileSync(path, "utf8");
    expect(text).toContain("this.edgeGatewaySocketError = error;");
    expect(text).toContain(
      "new NetworkError('Connection closed', { broker: { host: this.#host, port: this.#port }, cause: this.edgeGatewaySocketError });",
    );
    // Not once the broker answered (test/kafka-tls-established-alert.test.ts).
    expect(text).toContain("this.edgeGatewayDataReceived = true;");
    expect(text).toContain("if (this.edgeGatewayDataReceived) this.edgeGatewaySocketError = undefined;");
    // kafkajs: no SSL code on a connection error once the broker answered (the same test).
    const kafkajs = readFileSync(installed("kafkajs", "src", "network", "connection.js"), "utf8");
    expect(kafkajs).toContain("code: dataReceived && String(e.code).startsWith('ERR_SSL_') ? undefined : e.code,");
  });

  test("a connection closed in its SASL login says so to whoever awaits it", () => {
    // The behaviour: a proxy cutting the SaslHandshake or SaslAuthenticate (test/kafka-sasl-interrupted.test.ts).
    const text = readFileSync(installed("@platformatic", "kafka", "dist", "network", "connection.js"), "utf8");
    expect(text).toContain("this.edgeGatewayClosedInSasl = this.#status === ConnectionStatuses.AUTHENTICATING;");
    expect(text).toContain("closed during the SASL handshake or authentication.");
  });

  test("the consumer's OffsetCommit carries the static member's group.instance.id, as Java's", () => {
    // The behaviour: a fenced member's commit answered FENCED_INSTANCE_ID (test/kafka-port-fenced-instance.test.ts).
    const path = installed("@platformatic", "kafka", "dist", "clients", "consumer", "consumer.js");
    const text = readFileSync(path, "utf8");
    expect(text).toContain("memberId, this.groupInstanceId, Array.from(topics.values()), groupCallback);");
    expect(text).not.toContain("this.memberId, null, Array.from(topics.values())");
  });

  test("a commit retried after a network error goes out under the generation it was made under, not one joined meanwhile", async () => {
    const { NetworkError } = await import("@platformatic/kafka");
    const sent: [number, string | null][] = [];
    const consumer = commitAnsweredBy((_c, _g, generation, memberId, ...rest) => {
      sent.push([generation, memberId]);
      const cb = rest.at(-1) as Callback;
      if (sent.length > 1) return cb(null, {});
      // The request timed out; meanwhile the member rejoined (the heartbeat's rejoin) under a new generation.
      Object.assign(consumer, { generationId: 8, memberId: "m-new" });
      cb(new NetworkError("Request timed out"));
    });
    try {
      await consumer.commit({ offsets: [{ topic: "t", partition: 0, offset: 5n, leaderEpoch: -1 }] }).catch(() => {});
      expect(sent).toEqual([
        [7, "m-old"],
        [7, "m-old"],
      ]);
    } finally {
      await consumer.close(true).catch(() => {});
    }
  });

  // The retry's answer, and what the member rejoined as while the commit's first request timed out.
  test.each([
    ["UNKNOWN_MEMBER_ID", "a new member id", { generationId: 8, memberId: "m-new" }],
    ["ILLEGAL_GENERATION", "a new generation, the same member id", { generationId: 8, memberId: "m-old" }],
  ])(
    "a retry answered %s after the member rejoined (%s) fails the commit, the member's new generation kept, no rejoin",
    async (answer, _as, rejoined) => {
      const { NetworkError, ProtocolError } = await import("@platformatic/kafka");
      const sent: [number, string | null][] = [];
      const consumer = commitAnsweredBy((_c, _g, generation, memberId, ...rest) => {
        const cb = rest.at(-1) as Callback;
        sent.push([generation, memberId]);
        if (sent.length > 1) return cb(new ProtocolError(answer));
        // The request timed out; meanwhile the member rejoined (the heartbeat's rejoin) under a new generation.
        Object.assign(consumer, rejoined);
        cb(new NetworkError("Request timed out"));
      });
      const join = spyOn(consumer, "joinGroup");
      try {
        const failed = await consumer
          .commit({ offsets: [{ topic: "t", partition: 0, offset: 5n, leaderEpoch: -1 }] })
          .catch((error: Error) => error);
        // The sink task's commit fails retriably (Java's RebalanceInProgressException), its next one under the new generation.
        expect(isRetriable(wrapPlatformatic(failed, "Failed to commit offsets of consumer group g"))).toBe(true);
        expect(sent).toEqual([
          [7, "m-old"],
          [7, "m-old"],
        ]);
        expect({ generationId: consumer.generationId, memberId: consumer.memberId }).toEqual(rejoined);
        expect(join).not.toHaveBeenCalled();
      } finally {
        await consumer.close(true).catch(() => {});
      }
    },
  );

  test("a commit answered FENCED_INSTANCE_ID about the member's current generation fails as answered, its member id kept, no rejoin", async () => {
    // The library cleared the member id and rejoined, fencing the other process in turn; the gateway decides
    // whether the answer is fatal (platformatic/commit-fencing.ts).
    const { findErrorBy, ProtocolError } = await import("@platformatic/kafka");
    const consumer = commitAnsweredBy((...args) => (args.at(-1) as Callback)(new ProtocolError("FENCED_INSTANCE_ID")));
    const join = spyOn(consumer, "joinGroup");
    try {
      const failed = await consumer
        .commit({ offsets: [{ topic: "t", partition: 0, offset: 5n, leaderEpoch: -1 }] })
        .catch((error: Error) => error);
      expect(findErrorBy(failed as Error, "apiId", "FENCED_INSTANCE_ID")).not.toBeNull();
      expect({ generationId: consumer.generationId, memberId: consumer.memberId }).toEqual({
        generationId: 7,
        memberId: "m-old",
      });
      expect(join).not.toHaveBeenCalled();
    } finally {
      await consumer.close(true).catch(() => {});
    }
  });

  test("the consumer's join event carries the protocol the coordinator chose (its join log line names it)", () => {
    // The behaviour: a member joining a group of a kafkajs member of an earlier release logs
    // protocol='RoundRobinAssigner' (test/kafka-port.test.ts, two gateways ... different kafka.client values).
    const path = installed("@platformatic", "kafka", "dist", "clients", "consumer", "consumer.js");
    const text = readFileSync(path, "utf8");
    expect(text).toContain("assignments: this.assignments,\n            protocol: this.#protocol //");
  });

  test("the consumer heartbeats while it prepares its join (the revocation), and starts no other join from it", () => {
    // The behaviour: a revocation longer than session.timeout.ms keeps the member in the group, its commit succeeding
    // (test/kafka-port-revoke-heartbeat.test.ts).
    const path = installed("@platformatic", "kafka", "dist", "clients", "consumer", "consumer.js");
    const text = readFileSync(path, "utf8");
    expect(text).toContain("this.#preparingJoin = true; // edge-gateway patch");
    expect(text).toContain(
      "this.#preparingJoin = false; // edge-gateway patch: stopped before the JoinGroup\n            this.#cancelHeartbeat();",
    );
    expect(text).toContain(
      "if (error && this.#preparingJoin) {\n                // edge-gateway patch: the join under way meets it (no other join, no consumer:heartbeat:error)\n                this.#heartbeatWhilePreparing(options);",
    );
    // Bounded by the rebalance timeout (max.poll.interval.ms): a revocation that hangs while the group stays Stable
    // (a rejoin the consumer started) does not keep the member, its partitions unfetched, forever.
    expect(text).toContain("this.#preparingSince = Date.now();\n        this.#heartbeatWhilePreparing(options);");
    expect(text).toContain(
      "if (this.#preparingJoin && this.memberId && Date.now() - this.#preparingSince < options.rebalanceTimeout) {\n                this.#heartbeat(options);",
    );
    expect(text).toContain(
      "clearTimeout(this.#heartbeatInterval);\n        this.#heartbeatInterval = setTimeout(() => {\n            if (this.#preparingJoin",
    );
  });

  test("a Metadata answer whose errors are all partitions' is used (leader -1), as Java's Metadata", () => {
    // The behaviour: keyless records go to the partitions with a leader while a broker is down
    // (test/keyless-leaderless-partition.test.ts, a cluster of three brokers).
    const path = installed("@platformatic", "kafka", "dist", "clients", "base", "base.js");
    const text = readFileSync(path, "utf8");
    expect(text).toContain(
      "error.errors.every((e) => e.path?.includes('/partitions/'))) {\n                                response = error.response;\n                                error = null;",
    );
  });

  test("the consumer's fetch from a partition without a leader (-1) fails retriably, after fresh metadata", () => {
    // The behaviour: a sink's consumer keeps running while a broker it fetches from is stopped
    // (test/keyless-leaderless-partition.test.ts, a cluster of three brokers).
    const path = installed("@platformatic", "kafka", "dist", "clients", "consumer", "consumer.js");
    const text = readFileSync(path, "utf8");
    expect(text).toContain(
      "refreshMetadata = true; // edge-gateway patch: retriable, after fresh metadata\n                    retryCallback(new NetworkError(`Cannot find broker with node id ${node}`, { canRetry: true, hasStaleMetadata: true }));",
    );
    expect(text).not.toContain("retryCallback(new UserError(`Cannot find broker with node id ${node}`));");
  });

  test("a group request whose coordinator left the metadata forgets it and finds the new one (Java's markCoordinatorUnknown)", async () => {
    // The library's consumer driven through its own request path, its network faked: the coordinator's broker (3)
    // gone from the metadata, as once it stopped, answers the connection pool's stale-metadata network error.
    const { Consumer, NetworkError } = await import("@platformatic/kafka");
    const base = await import(installed("@platformatic", "kafka", "dist", "clients", "base", "base.js"));
    const consumer = new Consumer({ clientId: "c", groupId: "g", bootstrapBrokers: ["127.0.0.1:1"], retryDelay: 1 });
    let coordinator = 3;
    const brokers = new Map([1, 3].map((id) => [id, { host: `broker-${id}`, port: 9092 }]));
    const offsetFetchedFrom: string[] = [];
    const apis: Record<string, (...args: never[]) => void> = {
      FindCoordinator: (_c: unknown, _t: unknown, keys: string[], cb: (e: null, r: unknown) => void) =>
        cb(null, { coordinators: [{ key: keys[0], nodeId: coordinator }] }),
      OffsetFetch: (c: string, groups: { groupId: string }[], _s: unknown, cb: (e: null, r: unknown) => void) => {
        offsetFetchedFrom.push(c);
        cb(null, { groups: [{ groupId: groups[0]!.groupId, topics: [] }] });
      },
    };
    Object.assign(consumer, {
      [base.kGetBootstrapConnection]: (cb: (e: null, c: string) => void) => cb(null, "bootstrap"),
      [base.kGetApi]: (name: string, cb: (e: null, api: unknown) => void) =>
        cb(null, Object.assign(apis[name]!, { version: 8 })),
      [base.kMetadata]: (_o: unknown, cb: (e: null, m: unknown) => void) => cb(null, { brokers, topics: new Map() }),
      [base.kGetConnection]: (broker: { host: string } | undefined, cb: (e: Error | null, c?: string) => void) =>
        broker
          ? cb(null, broker.host)
          : cb(new NetworkError("the broker is not available", { canRetry: true, hasStaleMetadata: true })),
    });
    try {
      const topics = [{ topic: "t", partitions: [0] }];
      await consumer.listCommittedOffsets({ topics });
      expect(consumer.coordinatorId).toBe(3);
      // Broker 3 stops: gone from the metadata, its partitions of __consumer_offsets led by broker 1.
      brokers.delete(3);
      coordinator = 1;
      await consumer.listCommittedOffsets({ topics });
      expect(consumer.coordinatorId).toBe(1);
      expect(offsetFetchedFrom).toEqual(["broker-3", "broker-1"]);
    } finally {
      await consumer.close();
    }
  });

  // Java's NetworkClient makes one connection an attempt (reconnect.backoff.ms between); the library's ApiVersions,
  // asked inside a Metadata attempt, retried on its own: 4 connections an attempt, 16 for one metadata call. With one
  // bootstrap broker its connection is the request's.
  test("a Metadata call to a listener that closes every connection makes one connection an attempt, naming the broker", async () => {
    const { Admin } = await import("@platformatic/kafka");
    let opened = 0;
    await using listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open: (socket) => {
          opened++;
          socket.end();
        },
        data: () => {},
      },
    });
    const admin = new Admin({
      clientId: "c",
      bootstrapBrokers: [`127.0.0.1:${listener.port}`],
      retries: 3,
      retryDelay: 1,
    });
    try {
      const failure = await admin.metadata({ topics: [] }).catch((e: Error) => e);
      expect(opened).toBe(4);
      // The connection's close names its broker (socket's reason after it: a read's or write's ECONNRESET, or none).
      expect(errorText(failure)).toStartWith(
        `metadata failed 4 times. (Connection to 127.0.0.1:${listener.port} closed`,
      );
    } finally {
      await admin.close();
    }
  });

  test("a SaslHandshake the broker never answers fails the connection as a timed-out SASL handshake, retriable", async () => {
    const { Admin } = await import("@platformatic/kafka");
    await using broker = await recordingBroker({ hangUp: false, answersApiVersions: true });
    const admin = new Admin({
      clientId: "c",
      bootstrapBrokers: [`127.0.0.1:${broker.port}`],
      sasl: { mechanism: "PLAIN", username: "u", password: "p" },
      requestTimeout: 1000,
      connectTimeout: 60_000,
      retries: 0,
    });
    try {
      const failure = await admin.metadata({ topics: [] }).catch((e: Error) => e);
      expect(broker.requests.map((r) => r.apiKey)).toEqual([18, 17]); // ApiVersions answered, SaslHandshake not
      const wrapped = wrapPlatformatic(failure, "Failed to connect the admin client");
      expect(wrapped.message).toBe(
        `Failed to connect the admin client: Cannot connect to any broker. (Connection to 127.0.0.1:${broker.port} failed: the SASL handshake timed out)`,
      );
      expect(isRetriable(wrapped)).toBe(true);
    } finally {
      await admin.close();
    }
  });

  test("option validators compile on first use, and still validate and report errors", async () => {
    const { ajv } = await import(installed("@platformatic", "kafka", "dist", "utils.js"));
    // strict mode refuses an unknown keyword when compiling: lazily, that is at the first call.
    const refused = ajv.compile({ type: "object", notAKeyword: true });
    expect(() => refused({})).toThrow(/unknown keyword: "notAKeyword"/);
    const validate = ajv.compile({ type: "object", properties: { n: { type: "integer" } } });
    expect(validate({ n: 1 })).toBe(true);
    expect(validate.errors).toBeNull();
    expect(validate({ n: "x" })).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe("/n");
  });

  // Found by scripts/diff-connect (seed 7108): a sink named ` pad-… ` failed its task, its group id refused.
  test("group ids with whitespace pass the consumer's and the admin client's option checks; an empty one does not", async () => {
    const consumer = await import(installed("@platformatic", "kafka", "dist", "clients", "consumer", "options.js"));
    const admin = await import(installed("@platformatic", "kafka", "dist", "clients", "admin", "options.js"));
    const checks = (groupId: string) => [
      consumer.consumerOptionsValidator({ groupId }),
      consumer.groupIdAndOptionsValidator({ groupId }),
      admin.describeGroupsOptionsValidator({ groups: [groupId] }),
      admin.deleteGroupsOptionsValidator({ groups: [groupId] }),
      admin.removeMembersFromConsumerGroupOptionsValidator({ groupId, members: null }),
    ];
    expect(checks("connect- my sink ")).toEqual([true, true, true, true, true]);
    expect(checks("")).toEqual([false, false, false, false, false]);
  });

  test("CRC32C from the inlined module is correct (RFC 3720 check value)", async () => {
    const { crc32c } = await import("@platformatic/wasm-utils/bundled");
    expect(crc32c(Buffer.from("123456789")) >>> 0).toBe(0xe3069283);
  });

  test("a Connection writes a request framed by its caller as it is, with its correlation id; a Writer as before", async () => {
    const { Connection, connectionsApiChannel, Writer } = await import("@platformatic/kafka");
    const received: Buffer[] = [];
    await using server = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: { data: (_socket, data) => void received.push(Buffer.from(data)) },
    });
    const contexts: { operationId: bigint; apiKey: number; correlationId: number }[] = [];
    const onStart = (context: unknown) => void contexts.push(context as (typeof contexts)[number]);
    connectionsApiChannel.start.subscribe(onStart);
    const connection = new Connection("c");
    try {
      await connection.connect("127.0.0.1", server.port);
      const frame = Buffer.from("0000000a0000000900000000ab01", "hex");
      const sent = (payload: unknown) => sendOn(connection, [0, 9], () => payload as Writer, true);
      expect(await sent({ frame, context: { noResponse: true } })).toBe(true);
      const writer = Writer.create().appendInt8(5);
      writer.context.noResponse = true;
      expect(await sent(writer)).toBe(true);
      const wire =
        "0000000a00000009" + "00000001" + "ab01" + "0000000d00000009" + "00000002" + "0001" + "63" + "00" + "05";
      await waitFor(() => Buffer.concat(received).length >= wire.length / 2);
      expect(Buffer.concat(received).toString("hex")).toBe(wire);
      expect(contexts.map((c) => [typeof c.operationId, c.apiKey, c.correlationId])).toEqual([
        ["bigint", 0, 1],
        ["bigint", 0, 2],
      ]);
    } finally {
      connectionsApiChannel.start.unsubscribe(onStart);
      await connection.close();
    }
  });
  test("a request made on a connection Kafka already cut names its broker, as the requests its close failed", async () => {
    const { Connection, Writer } = await import("@platformatic/kafka");
    await using listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: { open: (socket) => void socket.end(), data: () => {} },
    });
    const connection = new Connection("c");
    try {
      await connection.connect("127.0.0.1", listener.port);
      await waitFor(() => connection.status === "closed");
      const failure = await sendOn(connection, [3, 0], () => Writer.create().appendInt32(0)).catch((e: unknown) => e);
      // What src/kafka/platformatic/errors.ts names ("Connection to 127.0.0.1:<port> closed", errors.test.ts).
      expect(failure).toMatchObject({
        message: "Connection closed",
        broker: { host: "127.0.0.1", port: listener.port },
      });
    } finally {
      await connection.close();
    }
  });

  // p3h: errors.ts named the broker of a cut connection only; these two said "Request timed out" and "Connection
  // closed while waiting for ready." with no broker to name.
  test("a request its broker does not answer in time names the broker", async () => {
    const { Connection, TimeoutError, Writer } = await import("@platformatic/kafka");
    await using listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => {} } });
    const connection = new Connection("c", { requestTimeout: 50 });
    try {
      await connection.connect("127.0.0.1", listener.port);
      const failure = await sendOn(connection, [3, 0], () => Writer.create().appendInt32(0)).catch((e: unknown) => e);
      // What src/kafka/platformatic/errors.ts names ("Request to 127.0.0.1:<port> timed out", errors.test.ts).
      expect(failure).toBeInstanceOf(TimeoutError);
      expect(failure).toMatchObject({
        message: "Request timed out",
        broker: { host: "127.0.0.1", port: listener.port },
      });
    } finally {
      await connection.close();
    }
  });

  test("a connection closed while a request waits for it to be ready names its broker to that request", async () => {
    const { Connection } = await import("@platformatic/kafka");
    // A TLS handshake the listener never answers: the connection stays connecting until it is closed.
    await using listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => {} } });
    const connection = new Connection("c", { tls: {} });
    const connecting = new Promise<void>((resolve) => connection.connect("127.0.0.1", listener.port, () => resolve()));
    const waiting = connection.ready().then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    await connection.close();
    await connecting;
    expect(await waiting).toMatchObject({
      message: "Connection closed while waiting for ready.",
      broker: { host: "127.0.0.1", port: listener.port },
    });
  });
});

describe("kafkajs rejoin patch (scripts/patch-dependencies.mjs)", () => {
  // The subscription watch's rejoin (partitions added, a new topic matched) keeps the member, as Java's
  // rejoin: test/sink-added-partitions and test/kafka-port show the group rebalancing once and the close.
  test("a stop to rejoin keeps the member id for the next run and sends no LeaveGroup", () => {
    const consumer = readFileSync(installed("kafkajs", "src", "consumer", "index.js"), "utf8");
    expect(consumer).toContain("sharedPromiseTo(async ({ rejoin = false } = {}) => {");
    expect(consumer).toContain("consumerGroup.memberId = rejoiningMemberId");
    const runner = readFileSync(installed("kafkajs", "src", "consumer", "runner.js"), "utf8");
    expect(runner).toContain("if (leave) await this.consumerGroup.leave()");
  });

  // test/keyless-leaderless-partition's kafkajs part stops the broker coordinating its sink's group: without it the
  // commits meanwhile failed and the sink task's restart delivered those records again.
  test("a lost connection to the group's coordinator looks the coordinator up again (patch 15)", () => {
    const offsets = readFileSync(installed("kafkajs", "src", "consumer", "offsetManager", "index.js"), "utf8");
    expect(offsets).toContain("this.coordinator = await this.cluster.findGroupCoordinator({ groupId: this.groupId })");
  });
});
