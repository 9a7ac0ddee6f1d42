/**
 * The review-routedtopic P2 shape (review-jsonorder): a nested map a transformation passes through
 * (ExtractField$Value `a`) keeps the order sent, although another record of the same v2 body, or a
 * sibling of the map, holds a number to keep (`1.50`) or an integer-like name (`"10"`) and so sends
 * the body down the exact reading. Kafka mode and `ingest.ack.mode=spool` alike. A native body under
 * the same transformation keeps JsonConverter's HashMap order (`{"id":8,"n":"y8"}`), as before.
 * Before the fix, y2, y4, y5 and y6 came out in HashMap order too.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { curlPost } from "./support/curl.ts";
import { createIngestConnector, INGEST_WORKER } from "./support/gateway.ts";
import { createTopic, readTopic, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";
const EXTRACT_A = {
  "value.converter": JSON_CONVERTER,
  "value.converter.schemas.enable": "false",
  "key.converter": JSON_CONVERTER,
  "key.converter.schemas.enable": "false",
  transforms: "x",
  "transforms.x.type": "org.apache.kafka.connect.transforms.ExtractField$Value",
  "transforms.x.field": "a",
};
const SETUPS = { kafka: EXTRACT_A, spool: { ...EXTRACT_A, "ingest.ack.mode": "spool" } } as const;

describe('review-routedtopic P2: a 1.50 or "10" elsewhere in the body does not reorder a REST Proxy value', () => {
  const suite = suiteGateway(INGEST_WORKER);
  const topics: Record<string, string> = {};
  beforeAll(async () => {
    for (const s of Object.keys(SETUPS)) {
      topics[s] = uniqueTopic(`json-order-extract-${s}`);
      await createTopic(topics[s]!, 1);
      await createIngestConnector(suite.gw, `json-order-extract-${s}`, {
        "ingest.path": `/ingest/json-order-extract-${s}`,
        "kafka.topic": topics[s]!,
        ...SETUPS[s as keyof typeof SETUPS],
      });
    }
  }, 120_000);

  test.each(Object.keys(SETUPS))(
    "%s",
    async (s) => {
      const topic = topics[s]!;
      const v2 = (b: string) => curlPost(`${suite.ingest}/topics/${topic}`, b, "application/vnd.kafka.json.v2+json");
      const v3 = (b: string) =>
        curlPost(`${suite.ingest}/v3/clusters/c1/topics/${topic}/records`, b, "application/json");
      const statuses = [
        (await v2('{"records":[{"value":{"a":{"n":"y1","id":1}}}]}')).status,
        (await v2('{"records":[{"value":{"a":{"n":"y2","id":2}}},{"value":{"a":{"n":"y3","d":1.50}}}]}')).status,
        (await v2('{"records":[{"value":{"a":{"n":"y4","id":4},"d":1.50}}]}')).status,
        (await v3('{"value":{"type":"JSON","data":{"a":{"n":"y5","id":5},"d":1.50}}}')).status,
        (await v2('{"records":[{"value":{"a":{"n":"y6","id":6}}},{"value":{"a":{"n":"y7","10":1}}}]}')).status,
        (
          await curlPost(
            `${suite.ingest}/ingest/json-order-extract-${s}`,
            '{"a":{"n":"y8","id":8}}',
            "application/json",
          )
        ).status,
        (
          await curlPost(
            `${suite.ingest}/ingest/json-order-extract-${s}`,
            '{"a":{"n":"y9","id":9},"d":1.50}',
            "application/json",
          )
        ).status,
      ];
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200]);
      const got = (await readTopic(topic, 9)).map((r) => r.value!.toString("utf8"));
      expect(got).toEqual([
        '{"n":"y1","id":1}',
        '{"n":"y2","id":2}',
        '{"n":"y3","d":1.5}',
        '{"n":"y4","id":4}',
        '{"n":"y5","id":5}',
        '{"n":"y6","id":6}',
        '{"n":"y7","10":1}',
        '{"id":8,"n":"y8"}',
        '{"id":9,"n":"y9"}',
      ]);
    },
    60_000,
  );
});
