/**
 * What the connecthunt asked a real Apache Kafka Connect 4.3.1 worker (test/fixtures/connect-rest:
 * hunt-steps.ts sends them, `record.sh --hunt` recorded Connect's answers into hunt-recordings.json):
 * the offsets API of source and sink connectors in each state, tasks.max edits and restart plans of
 * a running, failed and stopped sink, a connector that fails to start being stopped, active topics
 * reset while running and recorded again, logger scopes, and validation of errors.*, converter,
 * transforms and predicates keys. Compared as connect-rest-recorded.test.ts compares.
 */
import { HUNT_STEPS } from "./fixtures/connect-rest/hunt-steps.ts";
import { describeRecordedHunt } from "./support/recorded-replay.ts";

describeRecordedHunt({
  title: "the connecthunt's requests, recorded from Apache Kafka Connect 4.3.1",
  steps: HUNT_STEPS,
  recordings: "hunt-recordings.json",
  worker: { "offset.flush.interval.ms": "500" },
  // The sink offsets steps alter a partition of oracle-active-a, which existed on the broker Connect
  // was recorded against: on a fresh broker nothing may have made it yet (the steps' sink reads it
  // first, and a consumer does not create topics here), and the alter would fail for want of it.
  topics: ["oracle-active-a"],
});
