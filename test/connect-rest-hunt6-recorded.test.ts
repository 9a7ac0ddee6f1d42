/**
 * What the sixth REST hunt asked a real Apache Kafka Connect 4.3.1 worker (test/fixtures/connect-rest:
 * hunt6-steps.ts sends them, `record.sh --hunt6` recorded Connect's answers into
 * hunt6-recordings.json): PUT-created connectors whose names need percent-encoding, `?expand`
 * combinations, config bodies that are not objects and values that are not strings, offsets bodies
 * of every shape in each connector state, the order source offsets are listed in, logger levels
 * and bodies, validation without or with an unknown class, bodies on routes that take none,
 * Content-Type and Accept variations. Compared as connect-rest-recorded.test.ts compares.
 */
import { HUNT6_STEPS } from "./fixtures/connect-rest/hunt6-steps.ts";
import { describeRecordedHunt } from "./support/recorded-replay.ts";

describeRecordedHunt({
  title: "the sixth REST hunt's requests, recorded from Apache Kafka Connect 4.3.1",
  steps: HUNT6_STEPS,
  recordings: "hunt6-recordings.json",
  worker: { "offset.flush.interval.ms": "500" },
  // The sink steps read oracle-active-a, which existed on the broker Connect was recorded against.
  topics: ["oracle-active-a"],
});
