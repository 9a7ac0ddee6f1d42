/**
 * The REST API's edges answered as a real Apache Kafka Connect 4.3.1 worker answered them
 * (test/fixtures/connect-rest: edge-steps.ts sends them, `record.sh --edge` recorded Connect's
 * answers into edge-recordings.json): odd connector names, query parameters, methods a route does
 * not allow, Content-Type and Accept variants, bodies Jackson refuses (trailing tokens, comments,
 * non-standard numbers, broken surrogate pairs), task ids Jersey converts, and the state endpoints
 * asked in each state and twice. Compared as connect-rest-recorded.test.ts compares.
 */
import { EDGE_STEPS } from "./fixtures/connect-rest/edge-steps.ts";
import { describeRecordedHunt } from "./support/recorded-replay.ts";

describeRecordedHunt({
  title: "edge cases recorded from Apache Kafka Connect 4.3.1",
  steps: EDGE_STEPS,
  recordings: "edge-recordings.json",
  worker: { "offset.flush.interval.ms": "500" },
  timeoutMs: 120_000,
});
