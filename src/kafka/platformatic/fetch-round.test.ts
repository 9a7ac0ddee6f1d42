import { expect, test } from "bun:test";
import { applyFetchResponse, type FetchResponse } from "./fetch-round.ts";
import { keyOf, newPartitionState } from "./partition-state.ts";

// review-partfix2b P1: a Fetch by topic id after the topic was deleted (its metadata still cached) is
// answered UNKNOWN_TOPIC_ID (100); the library retries it and throws "fetch failed 4 times." with the
// answer inside. As UNKNOWN_TOPIC_OR_PARTITION (3), it stalls the partition (fetched again with fresh
// metadata, which finds the topic gone) rather than failing the consumer.
test.each([3, 100])("partition error %d on a deleted topic's partition stalls it, not the consumer", (code) => {
  const s = newPartitionState({ topic: "deleted", partition: 0 }, 5n, false);
  const states = new Map([[keyOf(s.tp), s]]);
  const response = {
    responses: [
      { topicId: "id-deleted", partitions: [{ partitionIndex: 0, errorCode: code, highWatermark: -1n, records: [] }] },
    ],
  } as unknown as FetchResponse;
  const failure = new Error("fetch failed 4 times.");
  const ids = new Map([["deleted", "id-deleted"]]);
  const outcome = applyFetchResponse(response, [{ s, epoch: 0, from: 5n }], ids, states, failure);
  expect(outcome).toEqual({ ready: [], stalled: true });
  expect(s.position).toBe(5n);
});
