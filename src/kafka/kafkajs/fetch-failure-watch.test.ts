import { describe, expect, test } from "bun:test";
import { KafkaJSConnectionError, KafkaJSRequestTimeoutError } from "kafkajs";
import { unansweredRequestOf } from "../unanswered-request.ts";
import { FetchFailureWatch } from "./fetch-failure-watch.ts";

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

  test("a fetch its broker left unanswered until the request timeout is marked with the broker and that wait", () => {
    const failures: (Error | null)[] = [];
    const w = new FetchFailureWatch((error) => void failures.push(error), 30_000);
    w.fetching(1);
    const timedOut = new KafkaJSRequestTimeoutError("Request Fetch(key: 1, version: 11) timed out", {
      broker: "127.0.0.1:9092",
      clientId: "c",
      correlationId: 7,
      createdAt: 0,
      sentAt: 0,
      pendingDuration: 0,
    });
    w.failed(1, timedOut);
    expect(unansweredRequestOf(failures.at(-1))).toEqual({
      node: 1,
      address: "127.0.0.1:9092",
      waitedMs: 30_000,
      requestTimeoutMs: 30_000,
    });
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
