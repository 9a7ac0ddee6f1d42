import { describe, expect, spyOn, test } from "bun:test";
import { channel } from "node:diagnostics_channel";
import { NetworkError, ProtocolError, protocolAPIsByName } from "@platformatic/kafka";
import { isRetriable } from "../../errors.ts";
import { COMMIT_FAILED, commitOffsets, OLD_GENERATION_FENCED } from "./commit-fencing.ts";
import { type Callback, commitAnsweredBy } from "./commit-test-support.ts";
import { FENCED_INSTANCE_ID, watchFencing } from "./fenced-instance.ts";

const answeredWithError = channel("tracing:plt:kafka:connections:api:error");

const OFFSETS = [{ topic: "t", partition: 0, offset: 5 }];

/**
 * How the commit ended (`committed`, or `<retriable|fatal>: <message>`) and how often it fenced the member: its
 * commit's answer, or the watch of its requests' answers (fenced-instance.ts), as consumer.ts wires both.
 */
async function commitOutcome(consumer: ReturnType<typeof commitAnsweredBy>, rejoining = false) {
  let fenced = 0;
  const join = spyOn(consumer, "joinGroup");
  const stopWatch = watchFencing(consumer.instanceId, () => void fenced++);
  try {
    const outcome = await commitOffsets(consumer, OFFSETS, {
      groupId: "g",
      rejoining: () => rejoining,
      fenced: () => void fenced++,
    }).then(
      () => "committed",
      (error: Error) => `${isRetriable(error) ? "retriable" : "fatal"}: ${error.message}`,
    );
    return { outcome, fenced, joined: join.mock.calls.length };
  } finally {
    stopWatch();
    await consumer.close(true).catch(() => {});
  }
}

/** A consumer whose commit is answered `answer`; with `rejoined`, its first request times out while the member rejoins so. */
function commitAnswered(answer: string, rejoined?: object) {
  let tries = 0;
  const consumer = commitAnsweredBy((...args) => {
    const cb = args.at(-1) as Callback;
    if (rejoined && ++tries === 1) {
      Object.assign(consumer, rejoined);
      return cb(new NetworkError("Request timed out"));
    }
    const error = new ProtocolError(answer);
    // As the library's connection reports an answer's error, before its callback.
    answeredWithError.publish({
      apiKey: protocolAPIsByName.OffsetCommit,
      connection: { ownerId: consumer.instanceId },
      error,
    });
    cb(error);
  });
  return consumer;
}

describe("a static member's commit answered FENCED_INSTANCE_ID", () => {
  test("about its current generation and member id: fatal, the member fenced", async () => {
    const consumer = commitAnswered("FENCED_INSTANCE_ID");
    expect(await commitOutcome(consumer)).toEqual({
      outcome: `fatal: Failed to commit offsets of consumer group g: ${FENCED_INSTANCE_ID}`,
      fenced: 1,
      joined: 0,
    });
  });

  test("a retry made under the member id the member had before its session expired: retriable (Java's CommitFailedException), not fenced", async () => {
    // fencefix2: the member's session expired while the commit timed out; it rejoined under a new member id.
    const consumer = commitAnswered("FENCED_INSTANCE_ID", { generationId: 8, memberId: "m-new" });
    expect(await commitOutcome(consumer)).toEqual({
      outcome: `retriable: Failed to commit offsets of consumer group g: ${COMMIT_FAILED}`,
      fenced: 0,
      joined: 0,
    });
    expect(consumer.memberId).toBe("m-new");
  });

  test("such a retry answered while the member rejoins: retriable (Java's RebalanceInProgressException), not fenced", async () => {
    const consumer = commitAnswered("FENCED_INSTANCE_ID", { generationId: 8, memberId: "m-new" });
    expect(await commitOutcome(consumer, true)).toEqual({
      outcome: `retriable: Failed to commit offsets of consumer group g: ${OLD_GENERATION_FENCED}`,
      fenced: 0,
      joined: 0,
    });
  });
});
