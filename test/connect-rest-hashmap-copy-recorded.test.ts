/**
 * The REST answers whose order hangs on Java's sizing of a `new HashMap<>(map)` copy, as a real
 * Apache Kafka Connect 4.3.1 worker on Java 25 answered them (test/fixtures/connect-rest:
 * hashmap-copy-steps.ts sends them, `record.sh --hashmap-copy` recorded Connect's answers into
 * hashmap-copy-recordings.json): PATCH …/config's answer, a source connector's offsets and the
 * client overrides a validation lists, each ordered otherwise by a worker on Java 17; and a
 * validation's null-valued keys for a connector that cannot be loaded, ordered as its validated
 * names on any JVM. Compared as connect-rest-recorded.test.ts compares.
 */
import { HASHMAP_COPY_STEPS } from "./fixtures/connect-rest/hashmap-copy-steps.ts";
import { describeRecordedHunt } from "./support/recorded-replay.ts";

describeRecordedHunt({
  title: "answers ordered by a HashMap copy, recorded from Apache Kafka Connect 4.3.1 on Java 25",
  steps: HASHMAP_COPY_STEPS,
  recordings: "hashmap-copy-recordings.json",
  timeoutMs: 120_000,
});
