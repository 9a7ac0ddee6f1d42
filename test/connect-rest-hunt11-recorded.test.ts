/**
 * What the eleventh REST hunt asked a real Apache Kafka Connect 4.3.1 worker (test/fixtures/connect-rest:
 * hunt11-steps.ts sends them, `record.sh --hunt11` recorded Connect's answers into
 * hunt11-recordings.json): a sink changed to a source while STOPPED and back to a sink while PAUSED,
 * its task restarted while paused, then resumed; tasks.max raised and lowered while STOPPED; the
 * offsets API on connectors created PAUSED or STOPPED that never ran; a sink created PAUSED restarted
 * and edited before it ever ran; a restart with onlyFailed of a paused connector whose tasks are FAILED
 * and PAUSED; a source's active topics across
 * restarts and resets; PUT …/config of a new connector whose `name` differs from the path; logger
 * levels of other log4j spellings read back; and names with an emoji and with accents. Compared as
 * connect-rest-recorded.test.ts compares.
 */
import { HUNT11_STEPS } from "./fixtures/connect-rest/hunt11-steps.ts";
import { describeRecordedHunt } from "./support/recorded-replay.ts";

describeRecordedHunt({
  steps: HUNT11_STEPS,
  recordings: "hunt11-recordings.json",
  // The sink steps read oracle-active-a, which existed on the broker Connect was recorded against.
  topics: ["oracle-active-a"],
  title: "the eleventh REST hunt's requests, recorded from Apache Kafka Connect 4.3.1",
  worker: { "offset.flush.interval.ms": "500" },
});
