import { describe, expect, test } from "bun:test";
import { KafkaJSConnectionError, KafkaJSRequestTimeoutError } from "kafkajs";
import { unansweredRequestOf } from "../unanswered-request.ts";
import { FetchFailureWatch, watchCluster, watchFetches } from "./fetch-failure-watch.ts";

/** A watch with what it reported (an error's message, or null). */
function watch() {
  const reported: (string | null)[] = [];
  return { watch: new FetchFailureWatch((error) => void reported.push(error?.message ?? null), 30_000), reported };
}

const refused = (port: number) =>
  new KafkaJSConnectionError(`Connection error: connect ECONNREFUSED 127.0.0.1:${port}`);

describe("FetchFailureWatch", () => {
  test("reports each fetch without an answer, named by its node, and null once that node is answered", () => {
    const { watch: w, reported } = watch();
    w.fetching(1);
    w.failed(1, refused(9092));
    w.fetched(1, () => [1]);
    w.fetching(1);
    w.failed(1, refused(9093));
    w.fetched(1, () => [1]);
    w.fetching(1);
    w.fetched(1, () => [1]);
    expect(reported).toEqual([
      "Error sending fetch request to node 1: Connection error: connect ECONNREFUSED 127.0.0.1:9092",
      "Error sending fetch request to node 1: Connection error: connect ECONNREFUSED 127.0.0.1:9093",
      null,
    ]);
  });

  test("an answer from another node reports nothing while a listed node still fails", () => {
    const { watch: w, reported } = watch();
    w.fetching(1);
    w.failed(1, refused(9092));
    w.fetching(2);
    w.fetched(2, () => [1, 2]);
    w.fetched(1, () => [1, 2]);
    expect(reported).toHaveLength(1);
  });

  test("a failing node gone from the metadata (its fetcher ended) no longer counts once another node answers", () => {
    const { watch: w, reported } = watch();
    w.fetching(2);
    w.failed(2, refused(9093));
    w.fetched(2, () => [1, 2]);
    w.fetching(1);
    w.fetched(1, () => [1]);
    expect(reported.at(-1)).toBeNull();
  });

  test("a fetch its broker left unanswered is marked with the broker and its wait since it was sent", () => {
    const failures: (Error | null)[] = [];
    const w = new FetchFailureWatch((error) => void failures.push(error), 30_000);
    w.fetching(1);
    const sentAt = Date.now() - 31_500;
    const timedOut = new KafkaJSRequestTimeoutError("Request Fetch(key: 1, version: 11) timed out", {
      broker: "127.0.0.1:9092",
      clientId: "c",
      correlationId: 7,
      createdAt: sentAt,
      sentAt,
      pendingDuration: 0,
    });
    w.failed(1, timedOut);
    const marked = unansweredRequestOf(failures.at(-1));
    const waitedAtMost = Date.now() - sentAt;
    expect(marked).toEqual({
      node: 1,
      address: "127.0.0.1:9092",
      waitedMs: expect.any(Number),
      requestTimeoutMs: 30_000,
    });
    expect(marked?.waitedMs).toBeGreaterThanOrEqual(31_500);
    expect(marked?.waitedMs).toBeLessThanOrEqual(waitedAtMost);
    w.failed(1, refused(9092));
    expect(unansweredRequestOf(failures.at(-1))).toBeUndefined();
  });

  test("answers while nothing failed report nothing", () => {
    const { watch: w, reported } = watch();
    w.fetching(1);
    w.fetched(1, () => [1]);
    expect(reported).toEqual([]);
  });
});

/** A consumer group as kafkajs' (patch 16): a fetch without an answer is counted by recoverFromFetch, returns none. */
class FakeGroup {
  readonly cluster = {};
  readonly unansweredFetches = new Map<number, number>();
  readonly debugged: string[] = [];
  readonly logger = { debug: (message: string) => void this.debugged.push(message) };
  answer: unknown[] | Error = [];
  async fetch(nodeId: number): Promise<unknown[]> {
    if (!(this.answer instanceof Error)) return this.answer;
    await this.recoverFromFetch(this.answer, nodeId);
    return [];
  }
  async recoverFromFetch(_error: unknown, nodeId: number): Promise<void> {
    this.unansweredFetches.set(nodeId, (this.unansweredFetches.get(nodeId) ?? 0) + 1);
  }
  getNodeIds(): number[] {
    return [1];
  }
}
watchFetches(FakeGroup.prototype);

describe("watchFetches", () => {
  test("a watch that throws leaves the fetch as it was, its failure logged at debug", async () => {
    const group = new FakeGroup();
    watchCluster(
      group.cluster,
      new FetchFailureWatch(() => {
        throw new Error("report failed");
      }, 30_000),
    );
    group.answer = refused(9092);
    expect(await group.fetch(1)).toEqual([]);
    expect(group.unansweredFetches.get(1)).toBe(1);
    group.answer = ["batch"];
    expect(await group.fetch(1)).toEqual(["batch"]);
    expect(group.debugged).toEqual([
      "The fetch failure watch failed: report failed",
      "The fetch failure watch failed: report failed",
    ]);
  });
});
