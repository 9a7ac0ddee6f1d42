/**
 * What operator run explore9 found answered differently from a real Apache Kafka Connect 4.3.1
 * worker (test/fixtures/connect-rest: explore9-steps.ts sends them, `record.sh --explore9` recorded
 * Connect's answers into explore9-recordings.json): the internal task-config and fence endpoints,
 * which distributed Connect refuses without a valid signature (F6); the DLQ topic message listing
 * `topics` without its empty and repeated entries (F4); bodies starting with a control character,
 * or zero bytes (F5). Compared as connect-rest-recorded.test.ts compares.
 */
import { EXPLORE9_STEPS } from "./fixtures/connect-rest/explore9-steps.ts";
import { describeRecordedHunt } from "./support/recorded-replay.ts";

describeRecordedHunt({
  title: "explore9's requests, recorded from Apache Kafka Connect 4.3.1",
  steps: EXPLORE9_STEPS,
  recordings: "explore9-recordings.json",
});
