/**
 * What the ninth REST hunt asked a real Apache Kafka Connect 4.3.1 worker (test/fixtures/connect-rest:
 * hunt9-steps.ts sends them, `record.sh --hunt9` recorded Connect's answers into
 * hunt9-recordings.json): a sink whose tasks fail taken through pause, restart while paused, resume,
 * stop and restart; tasks.max edited up, down, to zero and padded; a sink's offsets altered with
 * partitions and offsets of other types in each state; validate with converter classes of other
 * kinds and errors.* values of other types; non-ASCII and long config values; a long connector name;
 * and a connector named with a lone surrogate replaced with each initial_state. Compared as
 * connect-rest-recorded.test.ts compares.
 */
import { HUNT9_STEPS } from "./fixtures/connect-rest/hunt9-steps.ts";
import { describeRecordedHunt } from "./support/recorded-replay.ts";

describeRecordedHunt({
  title: "the ninth REST hunt's requests, recorded from Apache Kafka Connect 4.3.1",
  steps: HUNT9_STEPS,
  recordings: "hunt9-recordings.json",
  worker: { "offset.flush.interval.ms": "500" },
  // The sink steps read oracle-active-a, which existed on the broker Connect was recorded against.
  topics: ["oracle-active-a"],
});
