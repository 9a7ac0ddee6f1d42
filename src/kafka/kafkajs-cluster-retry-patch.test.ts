/**
 * kafkajs' Cluster as scripts/patches/kafkajs-cluster-retry.mjs patches it (23 of scripts/patch-dependencies.mjs): the
 * idempotent producer's InitProducerId, asked when the adapter connects a producer, is retried with the client's
 * retries (CLIENT_RETRIES from retry.backoff.ms), not kafkajs' defaults (5 from 300 ms). The broker is faked at the
 * Cluster (no connection is made); the producer, its eosManager and their retriers are kafkajs' own. Fails when an
 * install ran without the patch.
 */
import { afterEach, describe, expect, mock, spyOn, test } from "bun:test";
import { createRequire } from "node:module";
import { LogManager } from "../util/logger.ts";
import { CLIENT_RETRIES } from "./client-config.ts";
import { KafkajsPort } from "./kafkajs/adapter.ts";

const require = createRequire(import.meta.url);
/** The methods of kafkajs' Cluster a producer's connect calls. */
interface ClusterMethods {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findControllerBroker(): Promise<{ initProducerId(): Promise<unknown> }>;
}
const Cluster = require(require.resolve("kafkajs/src/cluster/index.js")) as { prototype: ClusterMethods };
const { createErrorFromCode } = require(require.resolve("kafkajs/src/protocol/error.js")) as {
  createErrorFromCode: (code: number) => Error;
};
const COORDINATOR_LOAD_IN_PROGRESS = 14; // one of the errors the eosManager retries InitProducerId on
/** retry.backoff.ms: kafkajs' default first wait is 300 ms (50 ms under NODE_ENV=test), far from it. */
const BACKOFF_MS = 10;

describe("kafkajs cluster retry patch (scripts/patches/kafkajs-cluster-retry.mjs)", () => {
  afterEach(() => mock.restore());

  test("InitProducerId is retried with the client's configured retries and backoff, not kafkajs' defaults", async () => {
    let asked = 0;
    spyOn(Cluster.prototype, "connect").mockImplementation(async () => undefined);
    spyOn(Cluster.prototype, "disconnect").mockImplementation(async () => undefined);
    spyOn(Cluster.prototype, "refreshMetadataIfNecessary").mockImplementation(async () => undefined);
    spyOn(Cluster.prototype, "findControllerBroker").mockImplementation(async () => ({
      initProducerId: async () => {
        asked++;
        throw createErrorFromCode(COORDINATOR_LOAD_IN_PROGRESS);
      },
    }));
    // The waits kafkajs' retrier schedules between the asks (its setTimeout calls, told by their caller).
    const waits: number[] = [];
    const schedule = globalThis.setTimeout;
    spyOn(globalThis, "setTimeout").mockImplementation(((handler: () => void, ms?: number) => {
      if (new Error().stack?.includes("kafkajs/src/retry/")) waits.push(ms ?? 0);
      return schedule(handler, ms);
    }) as typeof setTimeout);
    const port = new KafkajsPort(new LogManager({ sink: () => {} }));
    const error = await port
      .producer({ "bootstrap.servers": "127.0.0.1:1", "retry.backoff.ms": String(BACKOFF_MS) })
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    // The first ask and CLIENT_RETRIES retries. kafkajs' defaults made it 6 asks, the retries from 300 ms (16 here:
    // under NODE_ENV=test, which bun test sets, kafkajs' defaults are 15 retries from 50 ms).
    expect(asked).toBe(1 + CLIENT_RETRIES);
    // A wait before each retry: the first retry.backoff.ms (kafkajs randomizes it by up to 20 %), each next one longer,
    // at most twice the one before (kafkajs' multiplier, randomized likewise), none past the adapter's 5 s.
    expect(waits).toHaveLength(CLIENT_RETRIES);
    expect(waits[0]).toBeGreaterThanOrEqual(Math.floor(BACKOFF_MS * 0.8));
    expect(waits[0]).toBeLessThanOrEqual(Math.ceil(BACKOFF_MS * 1.2));
    for (const [i, wait] of waits.slice(1).entries()) {
      expect(wait).toBeGreaterThan(waits[i]!);
      expect(wait).toBeLessThanOrEqual(Math.min(Math.ceil(waits[i]! * 1.2) * 2, 5000));
    }
  });
});
