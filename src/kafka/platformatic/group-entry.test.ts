import { describe, expect, test } from "bun:test";
import { type Consumer, MultipleErrors, NetworkError } from "@platformatic/kafka";
import { isRetriable } from "../../errors.ts";
import { wrap } from "./errors.ts";
import { awaitTopics } from "./group-entry.ts";

type Metadata = Consumer<Buffer, Buffer, Buffer, Buffer>["metadata"];

/** A consumer whose every Metadata request ends as `answer` does. */
function consumerAnswering(answer: () => ReturnType<Metadata>): Consumer<Buffer, Buffer, Buffer, Buffer> {
  return { metadata: answer } as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>;
}

describe("awaitTopics", () => {
  // explore18 F3: the WARN of a sink started while the broker was down named a missing topic.
  describe("when Kafka is not reached", () => {
    test("fails with the connection failure, not a missing topic", async () => {
      const refused = () =>
        new MultipleErrors("metadata failed 4 times.", [
          new NetworkError("Connection to 127.0.0.1:9 failed.", {
            cause: new Error("connect ECONNREFUSED 127.0.0.1:9"),
          }),
        ]);
      const consumer = consumerAnswering(() => Promise.reject(refused()));

      const error = await awaitTopics(consumer, ["e18b-in"], true).then(
        () => undefined,
        (e: unknown) => e,
      );

      const wrapped = wrap(error, "Failed to start the consumer of group connect-snk");
      expect(isRetriable(wrapped)).toBe(true);
      expect(wrapped.message).toBe(
        "Failed to start the consumer of group connect-snk: metadata failed 4 times. " +
          "(Connection to 127.0.0.1:9 failed: connect ECONNREFUSED 127.0.0.1:9)",
      );
    });
  });

  describe("when the broker answers without the topic", () => {
    test("fails naming the topics not ready", async () => {
      const consumer = consumerAnswering(() => Promise.resolve({ topics: new Map() } as Awaited<ReturnType<Metadata>>));

      const error = await awaitTopics(consumer, ["e18b-in"], true).then(
        () => undefined,
        (e: unknown) => e,
      );

      const wrapped = wrap(error, "Failed to start the consumer of group connect-snk");
      expect(isRetriable(wrapped)).toBe(true);
      expect(wrapped.message).toBe("Topics e18b-in do not exist or have no leaders yet");
    });
  });
});
