/**
 * What the tenth REST hunt asked a real Apache Kafka Connect 4.3.1 worker (test/fixtures/connect-rest:
 * hunt10-steps.ts sends them, `record.sh --hunt10` recorded Connect's answers into
 * hunt10-recordings.json): sinks whose consumer Java's KafkaConsumer refuses at the task's start (an
 * unknown auto.offset.reset, a blank group.id, a topic name Kafka refuses); a stopped source's offsets with nested maps, a null offset and a null
 * position; a delete right after a restart; a paused sink and a paused source changed to their plugin's other name and
 * another file, their tasks restarted while paused (the old task configs stay until resumed) and
 * resumed; validate of both FileStream plugins with values of every other JSON type for each key; query
 * strings with odd values and task ids out of range or oddly written; a name with a space and plus
 * signs read through other spellings; and Content-Type variants on PATCH and PUT routes. Compared as
 * connect-rest-recorded.test.ts compares.
 */
import { describe } from "bun:test";
import { HUNT10_STEPS } from "./fixtures/connect-rest/hunt10-steps.ts";
import { describeRecordedHunt } from "./support/recorded-replay.ts";

const hunt10 = {
  steps: HUNT10_STEPS,
  recordings: "hunt10-recordings.json",
  // The sink steps read oracle-active-a, which existed on the broker Connect was recorded against.
  topics: ["oracle-active-a"],
};

describeRecordedHunt({
  ...hunt10,
  title: "the tenth REST hunt's requests, recorded from Apache Kafka Connect 4.3.1",
  worker: { "offset.flush.interval.ms": "500" },
});

// Review of diffhunt10: the sink-start refusals (an unknown auto.offset.reset, a blank group.id, a topic
// name Kafka refuses) fail the task with Connect's traces with either client.
describe("kafka.client=kafkajs", () => {
  describeRecordedHunt({
    ...hunt10,
    title: "the tenth REST hunt's refused sink consumers, with kafka.client=kafkajs",
    worker: { "kafka.client": "kafkajs" },
    only: /^h10-consumer-/,
  });
});
