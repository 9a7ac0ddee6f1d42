import { describe, expect, test } from "bun:test";
import { type Consumer, MultipleErrors, NetworkError, ResponseError } from "@platformatic/kafka";
import { isRetriable } from "../../errors.ts";
import type { PredecessorMembers } from "../kafka-port.ts";
import { wrap } from "./errors.ts";
import { awaitTopics, type FencingAdmin, fenceZombies } from "./group-entry.ts";
import { metadataRefused } from "./metadata-test-support.ts";

type Metadata = Consumer<Buffer, Buffer, Buffer, Buffer>["metadata"];

/** A consumer whose every Metadata request ends as `answer` does. */
function consumerAnswering(answer: () => ReturnType<Metadata>): Consumer<Buffer, Buffer, Buffer, Buffer> {
  return { metadata: answer } as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>;
}

/** awaitTopics asks 51 times, 100 ms apart (about 5 s, bun's default timeout): room for a loaded machine. */
const AWAIT_TOPICS_TEST_TIMEOUT_MS = 20_000;

describe("awaitTopics", () => {
  /** A consumer whose first Metadata request ends as `first` does, the next ones answering the topic "in". */
  function answeringAfter(first: () => ReturnType<Metadata>) {
    let asked = 0;
    const consumer = consumerAnswering(() => {
      if (asked++ === 0) return first();
      return Promise.resolve({
        topics: new Map([["in", { partitionsCount: 1, partitions: [{ leader: 1 }] }]]),
      } as unknown as Awaited<ReturnType<Metadata>>);
    });
    return { consumer, asked: () => asked };
  }

  // explore18 F3: the WARN of a sink started while the broker was down named a missing topic.
  describe("when Kafka is not reached", () => {
    test("fails the consumer's start at once with the connection failure, not a missing topic", async () => {
      let asked = 0;
      const consumer = consumerAnswering(() => {
        asked++;
        return Promise.reject(metadataRefused());
      });

      const error = await awaitTopics(consumer, ["e18b-in"], {
        allowAutoTopicCreation: true,
        failFastWhenNotReached: true,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );

      const wrapped = wrap(error, "Failed to start the consumer of group connect-snk");
      expect(isRetriable(wrapped)).toBe(true);
      expect(wrapped.message).toBe(
        "Failed to start the consumer of group connect-snk: metadata failed 4 times. " +
          "(Connection to 127.0.0.1:9 failed: connect ECONNREFUSED 127.0.0.1:9)",
      );
      // sinkstart: not waited out (51 asks, each after the library's own retries: 21-85 s before the sink
      // task's first WARN), so the start's retries report it within seconds.
      expect(asked).toBe(1);
    });

    // sinkstart-b: the watch's rejoin for a new topic failed at once when Kafka was briefly not reached, and was
    // tried again only at its next look (metadata.max.age.ms, 5 minutes by default).
    test("waits it out for the subscription watch's rejoin", async () => {
      const { consumer, asked } = answeringAfter(() => Promise.reject(metadataRefused()));

      await awaitTopics(consumer, ["in"], { allowAutoTopicCreation: true });

      expect(asked()).toBe(2);
    });
  });

  // sinkstart-b: an earlier attempt of the library's that lost its connection does not make Kafka not reached when
  // the attempt it gave up on was answered (the topic's leader not available yet): the start waits for the topic.
  describe("when the library gave up on an answer after a lost connection", () => {
    test("waits for the topic, also for the consumer's start", async () => {
      const leaderNotAvailable = new ResponseError(3, 12, { "/topics/0": [5, null] }, {});
      const { consumer, asked } = answeringAfter(() =>
        Promise.reject(
          new MultipleErrors("metadata failed 2 times.", [
            new NetworkError("Connection to 127.0.0.1:9 failed."),
            leaderNotAvailable,
          ]),
        ),
      );

      await awaitTopics(consumer, ["in"], { allowAutoTopicCreation: true, failFastWhenNotReached: true });

      expect(asked()).toBe(2);
    });
  });

  // availc: a sink's consumer (re)started while a broker was down waited for that broker's partitions to have a
  // leader, then failed; Java's consumer joins and fetches the partitions that have one.
  describe("when a partition of the topic has no leader (its broker is down)", () => {
    test("is done at the first answer: the member joins without waiting for that leader", async () => {
      let asked = 0;
      const consumer = consumerAnswering(() => {
        asked++;
        const partitions = [{ leader: 1 }, { leader: 2 }, { leader: -1 }];
        return Promise.resolve({
          topics: new Map([["in", { partitionsCount: 3, partitions }]]),
        } as unknown as Awaited<ReturnType<Metadata>>);
      });

      await awaitTopics(consumer, ["in"], { allowAutoTopicCreation: true });

      expect(asked).toBe(1);
    });
  });

  describe("when the broker answers without the topic", () => {
    test(
      "fails naming the topics not ready",
      async () => {
        const consumer = consumerAnswering(() =>
          Promise.resolve({ topics: new Map() } as Awaited<ReturnType<Metadata>>),
        );

        const error = await awaitTopics(consumer, ["e18b-in"], { allowAutoTopicCreation: true }).then(
          () => undefined,
          (e: unknown) => e,
        );

        const wrapped = wrap(error, "Failed to start the consumer of group connect-snk");
        expect(isRetriable(wrapped)).toBe(true);
        expect(wrapped.message).toBe("Topics e18b-in do not exist or have no partitions yet");
      },
      AWAIT_TOPICS_TEST_TIMEOUT_MS,
    );
  });
});

// plattopic item 4 (explore18 F2 on the default client): the start's DescribeGroups (fencing a dead predecessor) met
// COORDINATOR_LOAD_IN_PROGRESS before the join's coordinator wait: the start failed into the task's backoff.
describe("fenceZombies", () => {
  /** What the library's admin throws for a DescribeGroups answered `code` for the group. */
  const describeRefused = (code: number) =>
    new MultipleErrors("Describing groups failed.", [new ResponseError(15, 5, { "/groups/0": [code, null] }, {})]);

  /** Admins whose DescribeGroups is refused `code` `times` times, then names a member of ours and one of another. */
  function coordinator(times: number, code = 14) {
    const events: string[] = [];
    let asked = 0;
    const openAdmin = () =>
      ({
        describeGroups: async () => {
          if (++asked <= times) throw describeRefused(code);
          const members = new Map([
            ["m-dead", { id: "m-dead", clientId: "connector-consumer-s-0" }],
            ["m-other", { id: "m-other", clientId: "connector-consumer-s-1" }],
          ]);
          return new Map([["connect-s", { members }]]);
        },
        removeMembersFromConsumerGroup: async (o: { members: { memberId: string }[] }) => {
          events.push(`removed ${o.members.map((m) => m.memberId).join(",")}`);
        },
        close: async () => {
          events.push("closed");
        },
      }) as unknown as FencingAdmin;
    return { openAdmin, events };
  }

  /** This gateway's earlier consumer of the task was given `memberId`. */
  const remembering = (memberId: string): PredecessorMembers => ({
    remembered: () => [memberId],
    given: () => {},
    joined: () => {},
    gone: () => {},
  });

  const waitNoting = (warnings: string[]) => ({
    retryBackoffMs: 0,
    timeoutMs: 300_000,
    signal: new AbortController().signal,
    warn: (reason: string) => void warnings.push(reason),
  });

  test("waits out a group coordinator that is loading, with the join's WARN, then removes only its predecessor", async () => {
    const { openAdmin, events } = coordinator(2);
    const warnings: string[] = [];
    await fenceZombies(openAdmin, "connect-s", "connector-consumer-s-0", remembering("m-dead"), waitNoting(warnings));
    expect({ warnings, events }).toEqual({
      warnings: ["COORDINATOR_LOAD_IN_PROGRESS"],
      events: ["closed", "closed", "removed m-dead", "closed"],
    });
  });

  test("another refusal fails the start as before", async () => {
    const { openAdmin } = coordinator(Number.POSITIVE_INFINITY, 30); // GROUP_AUTHORIZATION_FAILED
    const warnings: string[] = [];
    const failed = await fenceZombies(
      openAdmin,
      "connect-s",
      "connector-consumer-s-0",
      remembering("m-dead"),
      waitNoting(warnings),
    ).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(MultipleErrors);
    expect(warnings).toEqual([]);
  });
});
