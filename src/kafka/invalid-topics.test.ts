import { describe, expect, test } from "bun:test";
import { ConnectError } from "../errors.ts";
import { withInvalidTopics } from "./invalid-topics.ts";
import { brokerRefusal } from "./kafka-exception-classes.ts";
import { kafkaErrorOf } from "./send-rejection.ts";

const what = "Failed to send records to Kafka";
const library = new Error("Received response with error while executing API Metadata(v12)");
const refusal = (kafkaError: string) => brokerRefusal(`${what}: ${library.message}`, kafkaError, "x.", library);

describe("withInvalidTopics (explore16 F4)", () => {
  test("names the send's topics whose names Kafka refuses, as Java's producer, the library's error the cause", () => {
    const named = withInvalidTopics(refusal("INVALID_TOPIC_EXCEPTION"), what, ["ok-topic", "e16 bad!", "a/b"]);
    expect(named.message).toBe(`${what}: Invalid topics: [e16 bad!, a/b]`);
    expect(kafkaErrorOf(named)).toBe("INVALID_TOPIC_EXCEPTION");
    expect((named.cause as ConnectError).javaClass).toBe("org.apache.kafka.common.errors.InvalidTopicException");
    expect((named.cause as Error).message).toBe("Invalid topics: [e16 bad!, a/b]");
    expect((named.cause as Error).cause).toBe(library);
  });

  test("a send to one topic names it even when its name looks valid; several valid names: as it was", () => {
    expect(withInvalidTopics(refusal("INVALID_TOPIC_EXCEPTION"), what, ["t1"]).message).toBe(
      `${what}: Invalid topics: [t1]`,
    );
    const failure = refusal("INVALID_TOPIC_EXCEPTION");
    expect(withInvalidTopics(failure, what, ["t1", "t2"])).toBe(failure);
  });

  test("another failure is left as it is", () => {
    const failure = refusal("MESSAGE_TOO_LARGE");
    expect(withInvalidTopics(failure, what, ["e16 bad!"])).toBe(failure);
    const plain = new ConnectError("boom");
    expect(withInvalidTopics(plain, what, ["e16 bad!"])).toBe(plain);
  });
});
