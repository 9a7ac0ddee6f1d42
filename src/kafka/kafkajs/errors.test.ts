import { describe, expect, test } from "bun:test";
import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from "kafkajs";
import { isRetriable } from "../../errors.ts";
import { kafkaErrorOf } from "../kafka-port.ts";
import { wrap } from "./errors.ts";

describe("wrap", () => {
  test("a refused connection wrapped by nested retriers stays retriable (a stopped broker, issue 12)", () => {
    const refused = new KafkaJSConnectionError("connect ECONNREFUSED 127.0.0.1:9092");
    const exhausted = new KafkaJSNumberOfRetriesExceeded(refused, {
      retryCount: 5,
      retryTime: 1000,
      cause: refused,
    } as never);
    // kafkajs' constructors take (error, { cause }); its typings list only the error.
    const outer = new (KafkaJSNonRetriableError as new (e: Error, o: { cause: Error }) => Error)(exhausted, {
      cause: refused,
    });
    expect(isRetriable(wrap(outer, "send"))).toBe(true);
  });

  test("a genuinely non-retriable error stays non-retriable", () => {
    const tooLarge = new KafkaJSProtocolError("MESSAGE_TOO_LARGE" as never);
    Object.assign(tooLarge, { retriable: false });
    const outer = new (KafkaJSNonRetriableError as new (e: Error, o: { cause: Error }) => Error)(tooLarge, {
      cause: tooLarge,
    });
    expect(isRetriable(wrap(outer, "send"))).toBe(false);
  });

  test("the broker's answer is named on the wrapped error (kafkaErrorOf, P1.1); a connection error names none", () => {
    const refused = new KafkaJSProtocolError("INVALID_TIMESTAMP" as never);
    Object.assign(refused, { type: "INVALID_TIMESTAMP", retriable: false });
    const outer = new (KafkaJSNonRetriableError as new (e: Error, o: { cause: Error }) => Error)(refused, {
      cause: refused,
    });
    expect(kafkaErrorOf(wrap(outer, "send"))).toBe("INVALID_TIMESTAMP");
    expect(kafkaErrorOf(wrap(new KafkaJSConnectionError("connect ECONNREFUSED"), "send"))).toBeUndefined();
  });
});
