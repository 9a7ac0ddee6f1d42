/**
 * What the seventh REST hunt asked a real Apache Kafka Connect 4.3.1 worker (test/fixtures/connect-rest:
 * hunt7-steps.ts sends them, `record.sh --hunt7` recorded Connect's answers into
 * hunt7-recordings.json): bodies with a byte order mark, comments, trailing commas, NaN and escaped
 * keys, config values of every JSON type, control characters in names, Content-Encoding, charset and
 * Accept quality parameters, repeated query parameters, encoded and matrix route segments, offsets of
 * extreme values and logger bodies. Compared as connect-rest-recorded.test.ts compares.
 */
import { HUNT7_STEPS } from "./fixtures/connect-rest/hunt7-steps.ts";
import { describeRecordedHunt } from "./support/recorded-replay.ts";

describeRecordedHunt({
  title: "the seventh REST hunt's requests, recorded from Apache Kafka Connect 4.3.1",
  steps: HUNT7_STEPS,
  recordings: "hunt7-recordings.json",
  worker: { "offset.flush.interval.ms": "500" },
  // The sink steps read oracle-active-a, which existed on the broker Connect was recorded against.
  topics: ["oracle-active-a"],
});
