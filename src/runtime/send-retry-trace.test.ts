import { describe, expect, test } from "bun:test";
import { RetriableError } from "../errors.ts";
import { withMissingTopics } from "../kafka/missing-topic.ts";
import { withUnansweredRequest } from "../kafka/unanswered-request.ts";
import { sendRetryTrace } from "./send-retry-trace.ts";

const RETRIED = "the send is being retried. Requests are not acknowledged until Kafka takes the records.";
const INGEST = {
  records: "the ingest records",
  byTask: RETRIED,
  byProducer: RETRIED,
  unanswered: "requests are not acknowledged until Kafka takes the records.",
  held: "Requests are not acknowledged until Kafka takes the records.",
};
const byTask = (failure: unknown) => ({ failure, byProducer: false });

describe("sendRetryTrace", () => {
  test.each([
    ["no send being retried", undefined, null],
    [
      "Kafka unreachable",
      byTask(new RetriableError("Connection error: connect ECONNREFUSED 127.0.0.1:9092")),
      "Degraded: Kafka does not take the ingest records (the last attempt failed: Connection error: connect ECONNREFUSED 127.0.0.1:9092); the send is being retried. Requests are not acknowledged until Kafka takes the records.",
    ],
    [
      "a topic Kafka does not know",
      byTask(withMissingTopics(new RetriableError("This server does not host this topic-partition"), ["devices"])),
      "Degraded: Kafka does not take the ingest records (Kafka answers that topic devices does not exist (the brokers do not create it: auto.create.topics.enable=false?)); the send is being retried. Requests are not acknowledged until Kafka takes the records.",
    ],
  ])("%s", (_case, failure, trace) => {
    expect(sendRetryTrace(failure, INGEST)).toBe(trace);
  });

  test("a source task's wording by default: not polled while the task retries its send", () => {
    expect(sendRetryTrace(byTask(new RetriableError("broker unreachable")))).toBe(
      "Degraded: Kafka does not take the task's records (the last attempt failed: broker unreachable); the send is being retried. No more records are polled from the task until Kafka takes them.",
    );
  });

  // The task is still polled while its producer retries on its own (until max.in.flight requests wait).
  test("a source task's wording while the producer retries the send on its own", () => {
    expect(sendRetryTrace({ failure: new RetriableError("NOT_LEADER_OR_FOLLOWER"), byProducer: true })).toBe(
      "Degraded: Kafka does not take the task's records (the last attempt failed: NOT_LEADER_OR_FOLLOWER); the producer retries it until delivery.timeout.ms.",
    );
  });

  test.each([
    [undefined, "the send waits until they are ready."],
    [INGEST, "the send waits until they are ready. Requests are not acknowledged until Kafka takes the records."],
  ])(
    "a send held before its producer ends with how it waits, not the producer's retries (wording %#)",
    (wording, ending) => {
      const held = { failure: new RetriableError("its topics are still being checked or created"), byProducer: true };
      expect(sendRetryTrace({ ...held, waits: "the send waits until they are ready" }, wording)).toEndWith(
        `(the last attempt failed: its topics are still being checked or created); ${ending}`,
      );
    },
  );

  // explore31 F2: a hung leader read RUNNING with no trace until request.timeout.ms failed the request.
  describe("when a broker has not answered a produce request yet", () => {
    const unanswered = (address: string | undefined) => ({
      failure: withUnansweredRequest(new RetriableError("Kafka broker 3 has not answered"), {
        node: 3,
        address,
        waitedMs: 5_999,
        requestTimeoutMs: 30_000,
      }),
      byProducer: true,
    });

    test.each([
      [
        "a source task's",
        undefined,
        "Degraded: Kafka broker 3 (127.0.0.1:9092) has not answered a produce request of the task's records for 5 s (request.timeout.ms 30000); the producer retries it once request.timeout.ms has passed, until delivery.timeout.ms.",
      ],
      [
        "an ingest task's",
        INGEST,
        "Degraded: Kafka broker 3 (127.0.0.1:9092) has not answered a produce request of the ingest records for 5 s (request.timeout.ms 30000); requests are not acknowledged until Kafka takes the records.",
      ],
    ])("%s trace names the broker and how long", (_case, wording, trace) => {
      expect(sendRetryTrace(unanswered("127.0.0.1:9092"), wording)).toBe(trace);
    });

    test("a broker the metadata no longer has is named by its node id", () => {
      expect(sendRetryTrace(unanswered(undefined))).toStartWith(
        "Degraded: Kafka broker 3 has not answered a produce request of the task's records for 5 s",
      );
    });
  });
});
