import { describe, expect, test } from "bun:test";
import {
  AuthenticationError,
  MultipleErrors,
  NetworkError,
  ProtocolError,
  ResponseError,
  TimeoutError,
  UserError,
} from "@platformatic/kafka";
import { closedPort } from "../../../test/support/tcp-forwarder.ts";
import { ConnectError, isRetriable, traceOf } from "../../errors.ts";
import { LogManager } from "../../util/logger.ts";
import { kafkaErrorOf } from "../send-rejection.ts";
import { PlatformaticPort } from "./adapter.ts";
import {
  coordinatorNotReady,
  coordinatorUnavailable,
  failureMessage,
  isUnknownTopic,
  kafkaNotReached,
  retriable,
  wrap,
} from "./errors.ts";

/** What the library throws when the broker refuses the SASL login: a retriable NetworkError around it. */
function refusedLogin(api: number, code: string, serverMessage: string | null) {
  const response = new ResponseError(
    api,
    2,
    { "/": [code === "SASL_AUTHENTICATION_FAILED" ? 58 : 33, serverMessage] },
    {},
  );
  const denied = new AuthenticationError("SASL authentication failed.", { cause: response });
  const network = new NetworkError("Connection to 127.0.0.1:9093 failed.", { cause: denied });
  return new MultipleErrors("metadata failed 4 times.", [
    new MultipleErrors("Cannot connect to any broker.", [network]),
  ]);
}

describe("wrap", () => {
  test.each([
    [
      "a refused connection: retriable",
      new NetworkError("Connection to 127.0.0.1:9092 failed.", { canRetry: true }),
      true,
    ],
    [
      "the library's retries running out on a refused connection: retriable",
      new MultipleErrors("fetch failed 4 times.", [new NetworkError("refused", { canRetry: true })]),
      true,
    ],
    // plattopic-b: the entry the library appends when its client closed mid-retries was taken for the last attempt.
    [
      "the library's retries ended by its client closing: retriable as the last attempt before it",
      new MultipleErrors("metadata failed 2 times.", [
        new NetworkError("Connection to 127.0.0.1:9092 failed.", { canRetry: true }),
        new UserError("Client closed while retrying metadata."),
      ]),
      true,
    ],
    // plattopic-b: the last entry of the library's other MultipleErrors (one per broker) was taken for an attempt given up on.
    [
      "brokers' answers to one request, one lost (not the library's retries): retriable, whichever broker is last",
      new MultipleErrors("Listing offsets failed.", [
        new NetworkError("Connection closed"),
        new ProtocolError("UNKNOWN_SERVER_ERROR"),
      ]),
      true,
    ],
    ["a request timeout: retriable", new TimeoutError("Request timed out."), true],
    ["NOT_COORDINATOR: retriable", new ProtocolError("NOT_COORDINATOR"), true],
    ["REBALANCE_IN_PROGRESS (a rejoin cures it): retriable", new ProtocolError("REBALANCE_IN_PROGRESS"), true],
    ["UNKNOWN_MEMBER_ID (a rejoin cures it): retriable", new ProtocolError("UNKNOWN_MEMBER_ID"), true],
    ["GROUP_AUTHORIZATION_FAILED: not retriable", new ProtocolError("GROUP_AUTHORIZATION_FAILED"), false],
    ["an invalid request (UserError): not retriable", new UserError("/options/groupId must be a string"), false],
  ])("%s", (_what, error, retriable) => {
    const wrapped = wrap(error, "Failed to consume");
    expect(wrapped).toBeInstanceOf(ConnectError);
    expect(isRetriable(wrapped)).toBe(retriable);
    expect(wrapped.message.startsWith("Failed to consume: ")).toBe(true);
    expect(wrapped.cause).toBe(error);
  });

  test.each([
    [
      "a wrong password",
      refusedLogin(36, "SASL_AUTHENTICATION_FAILED", "Authentication failed: Invalid username or password"),
      "org.apache.kafka.common.errors.SaslAuthenticationException: Failed to connect the producer: Authentication failed: Invalid username or password",
      "SASL_AUTHENTICATION_FAILED",
    ],
    [
      "a mechanism the broker has not enabled",
      refusedLogin(17, "UNSUPPORTED_SASL_MECHANISM", null),
      "org.apache.kafka.common.errors.UnsupportedSaslMechanismException: Failed to connect the producer: The broker does not support the requested SASL mechanism.",
      "UNSUPPORTED_SASL_MECHANISM",
    ],
    [
      "a topic an ACL denies",
      new ProtocolError("TOPIC_AUTHORIZATION_FAILED"),
      "org.apache.kafka.common.errors.TopicAuthorizationException: Failed to connect the producer: ",
      "TOPIC_AUTHORIZATION_FAILED",
    ],
  ])(
    "%s: not retriable although the library marks its NetworkError retriable; the trace names it",
    (_what, error, first, kafkaError) => {
      expect(retriable(error)).toBe(false);
      const wrapped = wrap(error, "Failed to connect the producer");
      expect(isRetriable(wrapped)).toBe(false);
      expect(traceOf(wrapped).split("\n")[0]).toStartWith(first);
      expect(kafkaErrorOf(wrapped)).toBe(kafkaError);
      expect(wrapped.cause).toBe(error);
    },
  );

  // explore F2: the status trace showed only "Received response with error while executing API Metadata(v12)".
  test("a broker's refusal no retry cures is named in the trace as Java's exception, the library's error as its cause", () => {
    // What the library throws for a Metadata answer refusing the topic (code 17), its retries spent.
    const response = new ResponseError(3, 12, { "/topics/0": [17, null] }, {});
    const error = new MultipleErrors("metadata failed 1 times.", [response]);
    const wrapped = wrap(error, "Failed to send records to Kafka");
    expect(isRetriable(wrapped)).toBe(false);
    expect(kafkaErrorOf(wrapped)).toBe("INVALID_TOPIC_EXCEPTION");
    expect(
      traceOf(wrapped)
        .split("\n")
        .filter((line) => !line.startsWith("\t")),
    ).toEqual([
      "org.apache.kafka.connect.errors.ConnectException: Failed to send records to Kafka: metadata failed 1 times.",
      "Caused by: org.apache.kafka.common.errors.InvalidTopicException: The request attempted to perform an operation on an invalid topic.",
      "Caused by: java.lang.RuntimeException: metadata failed 1 times.",
    ]);
  });

  // offsetsapi (explore20 F3): the library's summary of an admin operation named no reason ("Deleting consumer
  // group offsets failed."), and a group member's refusal a rejoin cures (UNKNOWN_MEMBER_ID) was not named.
  test.each([
    [
      "OffsetDelete refused while the group is subscribed",
      new MultipleErrors("Deleting consumer group offsets failed.", [
        new ResponseError(47, 0, { "/topics/0/partitions/0": [86, null] }, {}),
      ]),
      "Failed to delete the offsets of consumer group g: Deleting consumer group offsets failed. (GROUP_SUBSCRIBED_TO_TOPIC: Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it.)",
      "GROUP_SUBSCRIBED_TO_TOPIC",
      false,
    ],
    [
      "OffsetCommit of no member refused while the group has members",
      new MultipleErrors("Altering consumer group offsets failed.", [
        new ResponseError(8, 9, { "/topics/0/partitions/0": [25, null] }, {}),
      ]),
      "Failed to delete the offsets of consumer group g: Altering consumer group offsets failed. (UNKNOWN_MEMBER_ID: The coordinator is not aware of this member.)",
      "UNKNOWN_MEMBER_ID",
      true,
    ],
  ])("%s: the broker's answer is named in the message and marked", (_what, error, message, kafkaError, again) => {
    const wrapped = wrap(error, "Failed to delete the offsets of consumer group g");
    expect([wrapped.message, kafkaErrorOf(wrapped), isRetriable(wrapped)]).toEqual([message, kafkaError, again]);
  });

  test("a ConnectError passes through unchanged", () => {
    const error = new ConnectError("The consumer of group g was closed while starting");
    expect(wrap(error, "Failed to start")).toBe(error);
  });
});

describe("isUnknownTopic", () => {
  // review-partfix2b P3: the library's retries wrap the last attempt's error in a MultipleErrors
  // named for the operation ("joinGroup failed 2 times.") once an earlier attempt failed retriably.
  test("recognises the library's unknown topic alone, inside its retries' MultipleErrors, and as a cause", () => {
    const unknown = new UserError("Unknown topic deleted.");
    const earlier = new NetworkError("Connection closed", { canRetry: true });
    expect(isUnknownTopic(unknown)).toBe(true);
    expect(isUnknownTopic(new MultipleErrors("joinGroup failed 2 times.", [earlier, unknown]))).toBe(true);
    expect(isUnknownTopic(new Error("Rejoin failed", { cause: unknown }))).toBe(true);
  });

  test("is false for other errors, also worded alike but not the library's", () => {
    expect(isUnknownTopic(new UserError("Unknown partition 3."))).toBe(false);
    expect(isUnknownTopic(new Error("Unknown topic deleted."))).toBe(false);
    expect(isUnknownTopic("Unknown topic deleted.")).toBe(false);
  });
});

// The errors the library's joinGroup fails with (as its retries wrap them): the consumer's join waits
// out the first kinds (coordinator-wait-policy.ts), not the others.
describe("coordinatorNotReady", () => {
  /** A group request's answer refused with `code`, after the library's retries: "joinGroup failed 4 times.". */
  const refusedTimes = (api: number, code: number) =>
    new MultipleErrors(
      "joinGroup failed 4 times.",
      Array.from({ length: 4 }, () => new ResponseError(api, 9, { "/": [code, null] }, {})),
    );
  /** A JoinGroup (v9) answered with `code`. */
  const joinGroupAnswer = (code: number) => new ResponseError(11, 9, { "/": [code, null] }, {});
  /** What the library's retries throw when a JoinGroup answered NOT_COORDINATOR was answered `code` next. */
  const notCoordinatorThen = (code: number) =>
    new MultipleErrors("joinGroup failed 2 times.", [joinGroupAnswer(16), joinGroupAnswer(code)]);
  test.each<[string, string | undefined, Error]>([
    ["JoinGroup answered COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_LOAD_IN_PROGRESS", refusedTimes(11, 14)],
    ["SyncGroup answered COORDINATOR_NOT_AVAILABLE", "COORDINATOR_NOT_AVAILABLE", refusedTimes(14, 15)],
    ["JoinGroup answered NOT_COORDINATOR", "NOT_COORDINATOR", refusedTimes(11, 16)],
    [
      "FindCoordinator answered COORDINATOR_NOT_AVAILABLE, within the group request's retries",
      "COORDINATOR_NOT_AVAILABLE",
      new MultipleErrors("joinGroup failed 4 times.", [
        new MultipleErrors("findGroupCoordinator failed 4 times.", [
          new ResponseError(10, 6, { "/coordinators/0": [15, null] }, {}),
        ]),
      ]),
    ],
    // review-platjoin P2-2: the retries' earlier NOT_COORDINATOR was taken for the reason.
    [
      "JoinGroup answered NOT_COORDINATOR, then INCONSISTENT_GROUP_PROTOCOL: given up on the latter",
      undefined,
      notCoordinatorThen(23),
    ],
    [
      "JoinGroup answered NOT_COORDINATOR, then FENCED_INSTANCE_ID: given up on the latter",
      undefined,
      notCoordinatorThen(82),
    ],
    [
      "JoinGroup answered NOT_COORDINATOR, then COORDINATOR_LOAD_IN_PROGRESS",
      "COORDINATOR_LOAD_IN_PROGRESS",
      new MultipleErrors("joinGroup failed 2 times.", [joinGroupAnswer(16), joinGroupAnswer(14)]),
    ],
    ["JoinGroup refused: GROUP_AUTHORIZATION_FAILED", undefined, refusedTimes(11, 30)],
    ["JoinGroup refused: INCONSISTENT_GROUP_PROTOCOL", undefined, refusedTimes(11, 23)],
    ["an unreachable coordinator", undefined, new NetworkError("Connection to 127.0.0.1:9092 failed.")],
  ])("%s: %p (undefined: not waited out)", (_, expected, error) => {
    expect(coordinatorNotReady(error)).toBe(expected);
  });

  // plattopic item 2: retriable() found the earlier NOT_COORDINATOR (canRetry) and took the join for retriable.
  test.each<[string, Error, boolean]>([
    ["NOT_COORDINATOR, then INCONSISTENT_GROUP_PROTOCOL", notCoordinatorThen(23), false],
    ["NOT_COORDINATOR, then COORDINATOR_LOAD_IN_PROGRESS", notCoordinatorThen(14), true],
    ["NOT_COORDINATOR at every attempt", refusedTimes(11, 16), true],
  ])("retriable by the attempt the library gave up on: %s: %p", (_, error, expected) => {
    expect([retriable(error), isRetriable(wrap(error, "Failed to start the consumer of group g"))]).toEqual([
      expected,
      expected,
    ]);
  });

  test("a join given up on it names it in the wrapped error's message (the library's names only the request)", () => {
    const wrapped = wrap(refusedTimes(11, 14), "Failed to start the consumer of group g");
    expect([wrapped.message, isRetriable(wrapped)]).toEqual([
      "Failed to start the consumer of group g: joinGroup failed 4 times. (COORDINATOR_LOAD_IN_PROGRESS: The coordinator is loading and hence can't process requests.)",
      true,
    ]);
  });

  // plattopic item 3: the library appends each attempt's message to a join given up on ("… Received response with error
  // while executing API JoinGroup(v9)" once per attempt), and the wrapped message repeated them all.
  test("a join given up after several attempts names each distinct message of its attempts once", () => {
    const retries = notCoordinatorThen(23);
    // As the library's #retryJoinGroup words a join that failed for good: its retries' message, then each attempt's.
    const given = new MultipleErrors(`${retries.message} ${retries.errors.map((e) => e.message).join(" ")}`, [
      ...retries.errors,
    ]);
    expect(wrap(given, "Failed to start the consumer of group g").message).toBe(
      "Failed to start the consumer of group g: joinGroup failed 2 times. Received response with error while executing API JoinGroup(v9) (INCONSISTENT_GROUP_PROTOCOL: The group member's supported protocols are incompatible with those of existing members or first group member tried to join with empty protocol type or empty protocol list.)",
    );
  });

  test("a join given up on a refusal after a coordinator's names that refusal in its message, not the coordinator's", () => {
    expect(wrap(notCoordinatorThen(23), "Failed to start the consumer of group g").message).toBe(
      "Failed to start the consumer of group g: joinGroup failed 2 times. (INCONSISTENT_GROUP_PROTOCOL: The group member's supported protocols are incompatible with those of existing members or first group member tried to join with empty protocol type or empty protocol list.)",
    );
  });
});

describe("a TLS certificate failure (the broker's certificate not trusted)", () => {
  test("is Java's SslAuthenticationException, never retried, wherever the library nests the socket's error", () => {
    const socket = Object.assign(new Error("self signed certificate in certificate chain"), {
      code: "SELF_SIGNED_CERT_IN_CHAIN",
    });
    const network = new NetworkError("Connection to 127.0.0.1:9094 failed.", { canRetry: true, cause: socket });
    const error = new MultipleErrors("metadata failed 4 times.", [
      new MultipleErrors("Cannot connect to any broker.", [network]),
    ]);
    expect(retriable(error)).toBe(false);
    const wrapped = wrap(error, "Failed to connect the producer");
    expect(isRetriable(wrapped)).toBe(false);
    expect(traceOf(wrapped).split("\n")[0]).toBe(
      "org.apache.kafka.common.errors.SslAuthenticationException: Failed to connect the producer: SSL handshake failed (SELF_SIGNED_CERT_IN_CHAIN: self signed certificate in certificate chain)",
    );
  });

  test("a broker answering the handshake in no TLS is one too, naming a listener that may not be TLS", () => {
    const socket = Object.assign(new Error("error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER"), {
      code: "ERR_SSL_WRONG_VERSION_NUMBER",
    });
    const network = new NetworkError("Connection to 127.0.0.1:9092 failed.", { canRetry: true, cause: socket });
    const error = new MultipleErrors("metadata failed 4 times.", [network]);
    expect(retriable(error)).toBe(false);
    expect(kafkaNotReached(error)).toBe(false);
    const wrapped = wrap(error, "Failed to connect the producer");
    expect(isRetriable(wrapped)).toBe(false);
    expect(traceOf(wrapped).split("\n")[0]).toBe(
      "org.apache.kafka.common.errors.SslAuthenticationException: Failed to connect the producer: SSL handshake failed (ERR_SSL_WRONG_VERSION_NUMBER: error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER); the broker did not answer in TLS: its listener may not be TLS (security.protocol=SSL against a PLAINTEXT listener)",
    );
  });

  test("a refused connection with a code that is no certificate's stays retriable", () => {
    const socket = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const error = new NetworkError("Connection to 127.0.0.1:9094 failed.", { canRetry: true, cause: socket });
    expect(isRetriable(wrap(error, "Failed to connect the producer"))).toBe(true);
  });
});

describe("a SASL exchange that only lost its connection (a broker restarting mid-login)", () => {
  test.each([
    [
      "a SaslHandshake failed by its lost connection",
      "Cannot find a suitable SASL mechanism.",
      new NetworkError("Connection closed"),
    ],
    ["a SCRAM request timed out", "SASL authentication failed.", new TimeoutError("Request timed out.")],
  ])("%s stays retriable, as Java's clients reconnect; a client-side refusal does not", (_what, message, cut) => {
    const attempt = (cause?: Error) =>
      new NetworkError("Connection to 127.0.0.1:9093 failed.", {
        cause: new AuthenticationError(message, cause ? { cause } : {}),
      });
    const refusedNow = new NetworkError("Connection to 127.0.0.1:9093 failed.", { cause: new Error("ECONNREFUSED") });
    const exhausted = new MultipleErrors("metadata failed 2 times.", [attempt(cut), refusedNow]);
    expect(retriable(exhausted)).toBe(true);
    expect(isRetriable(wrap(exhausted, "Failed to connect the admin client"))).toBe(true);
    expect(isRetriable(wrap(attempt(new Error("Invalid server signature.")), "Failed to connect"))).toBe(false);
  });
});

describe("an unreachable bootstrap (explore7 K2)", () => {
  test("the message names the network error and its socket's reason, as kafkajs's does", () => {
    const socket = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9092"), { code: "ECONNREFUSED" });
    const network = new NetworkError("Connection to 127.0.0.1:9092 failed.", { canRetry: true, cause: socket });
    const error = new MultipleErrors("metadata failed 4 times.", [
      new MultipleErrors("Cannot connect to any broker.", [network]),
    ]);
    const wrapped = wrap(error, "Failed to connect the producer");
    expect(isRetriable(wrapped)).toBe(true);
    expect(wrapped.message).toBe(
      "Failed to connect the producer: metadata failed 4 times. (Connection to 127.0.0.1:9092 failed: connect ECONNREFUSED 127.0.0.1:9092)",
    );
  });

  // p3mix review: the first attempt's network error was named while the Degraded trace says the last attempt failed.
  test("retries that met two network errors name the last attempt's, not the first's", () => {
    const socket = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9092"), { code: "ECONNREFUSED" });
    const error = new MultipleErrors("metadata failed 2 times.", [
      new NetworkError("Connection closed", { canRetry: true }),
      new NetworkError("Connection to 127.0.0.1:9092 failed.", { canRetry: true, cause: socket }),
    ]);
    const named = "metadata failed 2 times. (Connection to 127.0.0.1:9092 failed: connect ECONNREFUSED 127.0.0.1:9092)";
    expect([failureMessage(error, "Failed to send"), wrap(error, "Failed to send").message]).toEqual([
      `Failed to send: ${named}`,
      `Failed to send: ${named}`,
    ]);
  });

  test("a connection Kafka cut names its broker, as a refused one does", () => {
    const socket = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const cut = (broker?: unknown) => new NetworkError("Connection closed", { canRetry: true, broker, cause: socket });
    const error = (broker?: unknown) => new MultipleErrors("metadata failed 4 times.", [cut(broker), cut(broker)]);
    expect(wrap(error({ host: "kafka-1", port: 9092 }), "Failed to connect the producer").message).toBe(
      "Failed to connect the producer: metadata failed 4 times. (Connection to kafka-1:9092 closed: read ECONNRESET)",
    );
    expect(wrap(error(), "Failed to connect the producer").message).toBe(
      "Failed to connect the producer: metadata failed 4 times. (Connection closed: read ECONNRESET)",
    );
  });

  // p3h: only "Connection closed" named its broker; the library's other connection-level errors carry it now too.
  test.each([
    [
      "a connection closed while the request waited for it",
      new NetworkError("Connection closed while waiting for ready.", { broker: { host: "kafka-1", port: 9092 } }),
      "Connection to kafka-1:9092 closed while waiting for ready",
    ],
    [
      "a request that timed out",
      new TimeoutError("Request timed out", { canRetry: true, broker: { host: "kafka-1", port: "9092" } }),
      "Request to kafka-1:9092 timed out",
    ],
    [
      "a connection closed in its SASL login, which names it already",
      new NetworkError("Connection to kafka-1:9092 closed during the SASL handshake or authentication.", {
        broker: { host: "kafka-1", port: 9092 },
      }),
      "Connection to kafka-1:9092 closed during the SASL handshake or authentication",
    ],
    ["a request that timed out, its broker not known", new TimeoutError("Request timed out"), "Request timed out"],
    [
      "the connection pool closed with its client",
      new NetworkError("Connection pool is closed.", { canRetry: false, broker: { host: "kafka-1", port: 9092 } }),
      "Connection pool is closed",
    ],
  ])("%s: named with its broker when the error carries it, once", (_what, attempt, named) => {
    const error = new MultipleErrors("metadata failed 2 times.", [attempt, attempt]);
    expect(failureMessage(error, "Failed")).toBe(`Failed: metadata failed 2 times. (${named})`);
  });

  // explore32 F4: "Error sending fetch request to node 3: fetch failed 4 times. (Connection to <node 1's address>
  // failed …)": the fetch's last try failed in the metadata request it makes first (every broker stopped), whose
  // first refused connection was node 1's; the fetch never dialled node 3.
  test("a fetch given up on in its metadata request names that request, not only a connection", () => {
    const refused = (port: number) =>
      new NetworkError(`Connection to 127.0.0.1:${port} failed.`, {
        canRetry: true,
        cause: new Error(`connect ECONNREFUSED 127.0.0.1:${port}`),
      });
    const metadata = new MultipleErrors("metadata failed 4 times.", [
      new MultipleErrors("Cannot connect to any broker.", [refused(1), refused(3)]),
    ]);
    const fetch = new MultipleErrors("fetch failed 4 times.", [refused(3), metadata]);
    expect(failureMessage(fetch, "Error sending fetch request to node 3")).toBe(
      "Error sending fetch request to node 3: fetch failed 4 times. (its metadata request failed 4 times: Connection to 127.0.0.1:1 failed: connect ECONNREFUSED 127.0.0.1:1)",
    );
    // Its own connection refused on the last try: that one is named, as before.
    expect(failureMessage(new MultipleErrors("fetch failed 2 times.", [metadata, refused(3)]), "Fetch")).toBe(
      "Fetch: fetch failed 2 times. (Connection to 127.0.0.1:3 failed: connect ECONNREFUSED 127.0.0.1:3)",
    );
  });

  // p3h review: "fetch failed 2 times. (its metadata request failed 4 times: Connection to node3:9092 closed)" named
  // the fetch's own cut connection as its metadata request's, which failed without any network error.
  test("a fetch cut on its first try and given up on in a metadata request without a network error names its own cut", () => {
    const cut = new NetworkError("Connection closed", { canRetry: true, broker: { host: "node3", port: 9092 } });
    const metadata = new MultipleErrors("metadata failed 4 times.", [new ProtocolError("LEADER_NOT_AVAILABLE")]);
    const fetch = new MultipleErrors("fetch failed 2 times.", [cut, metadata]);
    expect(failureMessage(fetch, "Error sending fetch request to node 3")).toBe(
      "Error sending fetch request to node 3: fetch failed 2 times. (Connection to node3:9092 closed)",
    );
  });

  // p3batch review: a SASL login's connection failed by its probe's TLS answer named the connection twice.
  test("a connection failed by a request's network error that names the connection names it once", () => {
    const answered = new NetworkError("Connection to 127.0.0.1:9093 failed: the broker answered in TLS", {
      canRetry: true,
    });
    const connection = new NetworkError("Connection to 127.0.0.1:9093 failed.", { canRetry: true, cause: answered });
    const error = new MultipleErrors("Cannot connect to any broker.", [connection]);
    expect(wrap(error, "Failed to connect").message).toBe(
      "Failed to connect: Cannot connect to any broker. (Connection to 127.0.0.1:9093 failed: the broker answered in TLS)",
    );
  });

  test("a producer pointed at a closed loopback port fails naming ECONNREFUSED and the address", async () => {
    const port = await closedPort();
    const kafka = new PlatformaticPort(new LogManager({ sink: () => {} }));
    const failure = await kafka
      .producer({ "bootstrap.servers": `127.0.0.1:${port}`, "retry.backoff.ms": "10", retries: "1" })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(failure).toBeInstanceOf(ConnectError);
    expect(isRetriable(failure)).toBe(true);
    expect(failure!.message).toBe(
      `Failed to connect the producer: metadata failed 4 times. (Connection to 127.0.0.1:${port} failed: connect ECONNREFUSED 127.0.0.1:${port})`,
    );
  });
});

// The calls on a group's offsets (PlatformaticAdmin.withCoordinator) are made again for these only, as Java's admin
// client retries a coordinator not reached or not ready.
describe("coordinatorUnavailable", () => {
  /** A group offsets request (`api`) answered `code` at every one of the library's 4 tries. */
  const answeredTimes = (api: number, path: string, code: number) =>
    new MultipleErrors(
      "alterConsumerGroupOffsets failed 4 times.",
      Array.from({ length: 4 }, () => new ResponseError(api, 8, { [path]: [code, null] }, {})),
    );
  test.each<[string, boolean, Error]>([
    [
      "the library's tries given up on a refused connection",
      true,
      new MultipleErrors("listConsumerGroupOffsets failed 4 times.", [new NetworkError("refused", { canRetry: true })]),
    ],
    ["a request that timed out", true, new TimeoutError("Request timed out after 30000 ms.")],
    ["OffsetFetch answered COORDINATOR_LOAD_IN_PROGRESS", true, answeredTimes(9, "/groups/0", 14)],
    [
      "OffsetCommit answered UNKNOWN_MEMBER_ID (the group has members)",
      false,
      answeredTimes(8, "/topics/0/partitions/0", 25),
    ],
    ["DeleteGroups answered NON_EMPTY_GROUP", false, answeredTimes(42, "/results/0", 68)],
    ["OffsetFetch answered GROUP_AUTHORIZATION_FAILED", false, answeredTimes(9, "/groups/0", 30)],
    ["a refused SASL login", false, refusedLogin(36, "SASL_AUTHENTICATION_FAILED", "Authentication failed")],
  ])("%s: retried %p", (_, expected, error) => {
    expect(coordinatorUnavailable(error)).toBe(expected);
  });
});
