import { describe, expect, test } from "bun:test";
import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} from "kafkajs";
import { isRetriable, traceOf } from "../../errors.ts";
import { kafkaErrorOf } from "../send-rejection.ts";
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

  test("a broker's refusal names Java's exception in the trace as the platformatic adapter does (opsfix2 item 1)", () => {
    const invalid = new KafkaJSProtocolError(
      "The request attempted to perform an operation on an invalid topic" as never,
    );
    Object.assign(invalid, { type: "INVALID_TOPIC_EXCEPTION", retriable: false });
    const wrapped = wrap(invalid, "Failed to send records to Kafka");
    expect(isRetriable(wrapped)).toBe(false);
    expect(traceOf(wrapped).split("\n")).toContain(
      "Caused by: org.apache.kafka.common.errors.InvalidTopicException: The request attempted to perform an operation on an invalid topic.",
    );
    // kafkajs' older name for an error: Kafka's name and class.
    const unknown = new KafkaJSProtocolError(
      "The server experienced an unexpected error when processing the request" as never,
    );
    Object.assign(unknown, { type: "UNKNOWN", retriable: false });
    const server = wrap(unknown, "send");
    expect(kafkaErrorOf(server)).toBe("UNKNOWN_SERVER_ERROR");
    expect(traceOf(server).split("\n")).toContain(
      "Caused by: org.apache.kafka.common.errors.UnknownServerException: The server experienced an unexpected error when processing the request.",
    );
  });

  // tlsmsg P3: a send out of retries named no Java exception in the failed task's trace.
  test("a broker's retriable answer kafkajs ran out of retries on stays retriable and names Java's exception in the trace", () => {
    const notLeader = new KafkaJSProtocolError("This server is not the leader for that topic-partition" as never);
    Object.assign(notLeader, { type: "NOT_LEADER_FOR_PARTITION", retriable: true });
    const exhausted = new KafkaJSNumberOfRetriesExceeded(notLeader, {
      retryCount: 5,
      retryTime: 1000,
      cause: notLeader,
    } as never);
    const wrapped = wrap(exhausted, "Failed to send records to Kafka");
    expect(isRetriable(wrapped)).toBe(true);
    expect(kafkaErrorOf(wrapped)).toBe("NOT_LEADER_OR_FOLLOWER");
    expect(traceOf(wrapped).split("\n")).toContain(
      "Caused by: org.apache.kafka.common.errors.NotLeaderOrFollowerException: This server is not the leader for that topic-partition.",
    );
  });

  test("a refused SASL login and an authorization failure: not retriable, the trace names Java's exception", () => {
    // kafkajs' typings declare no constructor arguments; it takes the message like its other errors.
    const login = new (KafkaJSSASLAuthenticationError as new (message: string) => Error)(
      "SASL PLAIN authentication failed: Authentication failed: Invalid username or password",
    );
    const wrapped = wrap(login, "Failed to connect the producer");
    expect(isRetriable(wrapped)).toBe(false);
    expect(traceOf(wrapped).split("\n")[0]).toBe(
      "org.apache.kafka.common.errors.SaslAuthenticationException: Failed to connect the producer: SASL PLAIN authentication failed: Authentication failed: Invalid username or password",
    );
    expect(kafkaErrorOf(wrapped)).toBe("SASL_AUTHENTICATION_FAILED");
    const denied = new KafkaJSProtocolError("Not authorized to access group" as never);
    Object.assign(denied, { type: "GROUP_AUTHORIZATION_FAILED", retriable: false });
    const group = wrap(denied, "Failed to start the consumer of group g");
    expect(isRetriable(group)).toBe(false);
    expect(traceOf(group).split("\n")[0]).toBe(
      "org.apache.kafka.common.errors.GroupAuthorizationException: Failed to start the consumer of group g: Not authorized to access group",
    );
  });
});

describe("a TLS certificate failure (the broker's certificate not trusted)", () => {
  test("is Java's SslAuthenticationException, never retried, also after kafkajs ran out of retries", () => {
    const connection = Object.assign(new Error("Connection error: unable to verify the first certificate"), {
      name: "KafkaJSConnectionError",
      retriable: true,
      code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    });
    const outer = Object.assign(new Error(connection.message), {
      name: "KafkaJSNumberOfRetriesExceeded",
      retriable: false,
      cause: connection,
    });
    const wrapped = wrap(outer, "Failed to connect the producer");
    expect(isRetriable(wrapped)).toBe(false);
    expect(traceOf(wrapped).split("\n")[0]).toStartWith(
      "org.apache.kafka.common.errors.SslAuthenticationException: Failed to connect the producer: SSL handshake failed (UNABLE_TO_VERIFY_LEAF_SIGNATURE: ",
    );
  });
});

describe("a broker answering the TLS handshake in no TLS (a PLAINTEXT listener behind security.protocol=SSL)", () => {
  test("is Java's SslAuthenticationException, never retried, naming a listener that may not be TLS", () => {
    const connection = Object.assign(
      new Error("Connection error: error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER"),
      { name: "KafkaJSConnectionError", retriable: true, code: "ERR_SSL_WRONG_VERSION_NUMBER" },
    );
    const wrapped = wrap(connection, "Failed to connect the producer");
    expect(isRetriable(wrapped)).toBe(false);
    expect(traceOf(wrapped).split("\n")[0]).toEndWith(
      "; the broker did not answer in TLS: its listener may not be TLS (security.protocol=SSL against a PLAINTEXT listener)",
    );
  });
});

describe("a SASL exchange that lost its connection (its failure kept as the cause by patch-dependencies)", () => {
  const login = KafkaJSSASLAuthenticationError as new (message: string, o: { cause: Error }) => Error;

  test("is retried, not a refused login: Java's clients reconnect after 'terminated during authentication'", () => {
    const closed = new KafkaJSConnectionError("Closed connection");
    const cut = new login("SASL PLAIN authentication failed: Closed connection", { cause: closed });
    const outer = new (KafkaJSNonRetriableError as new (e: Error, o: { cause: Error }) => Error)(cut, { cause: cut });
    const wrapped = wrap(outer, "Failed to connect the admin client");
    expect(isRetriable(wrapped)).toBe(true);
    expect(kafkaErrorOf(wrapped)).toBeUndefined();
  });

  test("the broker's SASL_AUTHENTICATION_FAILED answer as the cause stays a refused login", () => {
    const answer = new KafkaJSProtocolError("Authentication failed: Invalid username or password" as never);
    Object.assign(answer, { type: "SASL_AUTHENTICATION_FAILED", retriable: false });
    const refused = new login("SASL PLAIN authentication failed: Invalid username or password", { cause: answer });
    const wrapped = wrap(refused, "Failed to connect the admin client");
    expect(isRetriable(wrapped)).toBe(false);
    expect(kafkaErrorOf(wrapped)).toBe("SASL_AUTHENTICATION_FAILED");
  });
});
