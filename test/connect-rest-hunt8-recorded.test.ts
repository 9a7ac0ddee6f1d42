/**
 * What the eighth REST hunt asked a real Apache Kafka Connect 4.3.1 worker (test/fixtures/connect-rest:
 * hunt8-steps.ts sends them, `record.sh --hunt8` recorded Connect's answers into
 * hunt8-recordings.json): connectors created by POST with names that need encoding, create bodies
 * whose config is missing or not an object, config names of other types and cases, task ids out of
 * range or not numbers, restart flags and expand values of other spellings, methods on the
 * collections, other plugin kinds, validate keys of odd types, Content-Type and Accept on the create
 * route, offsets of a paused and a stopped source connector, and logger scopes and levels of other
 * cases. Compared as connect-rest-recorded.test.ts compares.
 */
import { HUNT8_STEPS } from "./fixtures/connect-rest/hunt8-steps.ts";
import { describeRecordedHunt } from "./support/recorded-replay.ts";

describeRecordedHunt({
  title: "the eighth REST hunt's requests, recorded from Apache Kafka Connect 4.3.1",
  steps: HUNT8_STEPS,
  recordings: "hunt8-recordings.json",
  worker: { "offset.flush.interval.ms": "500" },
  // The sink steps read oracle-active-a, which existed on the broker Connect was recorded against.
  topics: ["oracle-active-a"],
});
