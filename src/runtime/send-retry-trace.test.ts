import { describe, expect, test } from "bun:test";
import { RetriableError } from "../errors.ts";
import { withMissingTopics } from "../kafka/missing-topic.ts";
import { sendRetryTrace } from "./send-retry-trace.ts";

const INGEST = {
  records: "the ingest records",
  meanwhile: "Requests are not acknowledged until Kafka takes the records.",
};

describe("sendRetryTrace", () => {
  test.each([
    ["no send being retried", undefined, null],
    [
      "Kafka unreachable",
      new RetriableError("Connection error: connect ECONNREFUSED 127.0.0.1:9092"),
      "Degraded: Kafka does not take the ingest records (the last attempt failed: Connection error: connect ECONNREFUSED 127.0.0.1:9092); the send is being retried. Requests are not acknowledged until Kafka takes the records.",
    ],
    [
      "a topic Kafka does not know",
      withMissingTopics(new RetriableError("This server does not host this topic-partition"), ["devices"]),
      "Degraded: Kafka does not take the ingest records (Kafka answers that topic devices does not exist (the brokers do not create it: auto.create.topics.enable=false?)); the send is being retried. Requests are not acknowledged until Kafka takes the records.",
    ],
  ])("%s", (_case, failure, trace) => {
    expect(sendRetryTrace(failure, INGEST)).toBe(trace);
  });

  test("a source task's wording by default", () => {
    expect(sendRetryTrace(new RetriableError("broker unreachable"))).toBe(
      "Degraded: Kafka does not take the task's records (the last attempt failed: broker unreachable); the send is being retried. No more records are polled from the task until Kafka takes them.",
    );
  });
});
