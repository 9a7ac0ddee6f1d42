/**
 * Device-sent JSON objects keep one order whatever their member names or number spelling (explore12
 * F2, F3): REST Proxy v2/v3 JSON data and `ingest.key.field` objects are written as Confluent REST
 * Proxy writes them, Jackson-bound (LinkedHashMaps: the order sent), with integer-like member names
 * ("10") where they were sent and an object spelled `1.50` in the same order as one spelled `1.5`,
 * without a transformation, under one (`InsertField$Value`) and in a `schemas.enable=true`
 * envelope. The expected keys, values and partitions (7 partitions, the default partitioner) are
 * Connect 4.3.1's own: the same data bound by Jackson's ObjectMapper into `Object`, run through
 * Apache's InsertField and JsonConverter, partitioned by murmur2 of the key bytes. The value of a
 * native body stays JsonConverter's reading (HashMap order under a transformation), as before.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { curlPost } from "./support/curl.ts";
import { createIngestConnector, INGEST_WORKER } from "./support/gateway.ts";
import { createTopic, readTopic, type TopicRecord, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";
const converters = (envelope: boolean) => ({
  "key.converter": JSON_CONVERTER,
  "key.converter.schemas.enable": String(envelope),
  "value.converter": JSON_CONVERTER,
  "value.converter.schemas.enable": String(envelope),
});
const VIA = {
  transforms: "via",
  "transforms.via.type": "org.apache.kafka.connect.transforms.InsertField$Value",
  "transforms.via.static.field": "via",
  "transforms.via.static.value": "gw",
};
const SPOOL = { "ingest.ack.mode": "spool" };
const SETUPS = {
  plain: converters(false),
  transformed: { ...converters(false), ...VIA },
  envelope: converters(true),
  // Spooled records reach the converters as they would have in kafka mode.
  "spooled transformed": { ...converters(false), ...VIA, ...SPOOL },
  "spooled envelope": { ...converters(true), ...SPOOL },
} as const;
type Setup = keyof typeof SETUPS;
const PARTITIONS = 7;

const slug = (setup: string) => setup.replace(" ", "-");
const text = (b: Buffer | null) => (b === null ? null : b.toString("utf8"));
const envelope = (json: string) => `{"schema":null,"payload":${json}}`;

/** Each record's key, value and partition, by the `tag` in its value. */
function byTag(records: readonly TopicRecord[]): Record<string, [string | null, string | null, number]> {
  const out: Record<string, [string | null, string | null, number]> = {};
  for (const r of records) out[/"tag":"(\w+)"/.exec(text(r.value)!)![1]!] = [text(r.key), text(r.value), r.partition];
  return out;
}

describe("REST Proxy JSON data and ingest.key.field objects are written as sent (explore12 F2, F3)", () => {
  const suite = suiteGateway(INGEST_WORKER);
  const proxyTopics = {} as Record<Setup, string>;
  const keyFieldTopics = {} as Record<Setup, string>;

  beforeAll(async () => {
    for (const setup of Object.keys(SETUPS) as Setup[]) {
      proxyTopics[setup] = uniqueTopic(`order-proxy-${slug(setup)}`);
      keyFieldTopics[setup] = uniqueTopic(`order-keyfield-${slug(setup)}`);
      await createTopic(proxyTopics[setup], PARTITIONS);
      await createTopic(keyFieldTopics[setup], PARTITIONS);
      await createIngestConnector(suite.gw, `proxy-${slug(setup)}`, {
        "ingest.path": `/ingest/proxy-${slug(setup)}`,
        "kafka.topic": proxyTopics[setup],
        ...SETUPS[setup],
      });
      await createIngestConnector(suite.gw, `keyfield-${slug(setup)}`, {
        "ingest.path": `/ingest/keyfield-${slug(setup)}`,
        "kafka.topic": keyFieldTopics[setup],
        "ingest.key.source": "field",
        "ingest.key.field": "$.loc",
        ...SETUPS[setup],
      });
    }
  }, 120_000);

  /** Sends R1…R6 through v2, v3 and v3 batch; answers each request's status. */
  async function sendProxyRecords(topic: string): Promise<number[]> {
    const v2 = (records: string) =>
      curlPost(`${suite.ingest}/topics/${topic}`, `{"records":[${records}]}`, "application/vnd.kafka.json.v2+json");
    const base = `${suite.ingest}/v3/clusters/c1/topics/${topic}`;
    const v3 = (key: string, value: string) =>
      curlPost(
        `${base}/records`,
        `{"key":{"type":"JSON","data":${key}},"value":{"type":"JSON","data":${value}}}`,
        "application/json",
      );
    const answers = [
      // R1: a number spelled `21.0` takes the exact reading; R2 holds only plain numbers.
      await v2(
        '{"key":{"b":1,"a":2,"10":3},"value":{"tag":"R1","readings":{"2":20.5,"1":21.0,"10":3}}},' +
          '{"key":{"b":1,"10":3},"value":{"b":1,"2":2,"tag":"R2"}}',
      ),
      await v3('{"b":1,"a":2,"10":3}', '{"b":1,"2":2,"tag":"R3"}'),
      // R4 and R5: the same data, `1.50` and `1.5`.
      await v3('{"b":1.50,"a":2}', '{"b":1.50,"a":2,"name":"x","id":3,"tag":"R4"}'),
      await v2('{"key":{"b":1.5,"a":2},"value":{"b":1.5,"a":2,"name":"x","id":3,"tag":"R5"}}'),
      await curlPost(
        `${base}/records:batch`,
        '{"entries":[{"id":"6","key":{"type":"JSON","data":{"b":1,"a":2,"10":3}},"value":{"type":"JSON","data":{"b":1,"2":2,"tag":"R6"}}}]}',
        "application/json",
      ),
    ];
    return answers.map((a) => a.status);
  }

  test("REST Proxy v2/v3 keys and values, without a transformation: as sent, integer-like names in place", async () => {
    expect(await sendProxyRecords(proxyTopics.plain)).toEqual([200, 200, 200, 200, 207]);
    const got = byTag(await readTopic(proxyTopics.plain, 6));
    expect(got).toEqual({
      R1: ['{"b":1,"a":2,"10":3}', '{"tag":"R1","readings":{"2":20.5,"1":21.0,"10":3}}', 2],
      R2: ['{"b":1,"10":3}', '{"b":1,"2":2,"tag":"R2"}', 3],
      R3: ['{"b":1,"a":2,"10":3}', '{"b":1,"2":2,"tag":"R3"}', 2],
      // JSON nothing parses keeps its number spelling (README: REST Proxy data as sent).
      R4: ['{"b":1.50,"a":2}', '{"b":1.50,"a":2,"name":"x","id":3,"tag":"R4"}', 2],
      R5: ['{"b":1.5,"a":2}', '{"b":1.5,"a":2,"name":"x","id":3,"tag":"R5"}', 0],
      R6: ['{"b":1,"a":2,"10":3}', '{"b":1,"2":2,"tag":"R6"}', 2],
    });
  }, 60_000);

  test.each<Setup>(["transformed", "spooled transformed"])(
    "under InsertField$Value (%s): each map copied from the order sent; `1.50` and `1.5` keys are one key",
    async (setup) => {
      expect(await sendProxyRecords(proxyTopics[setup])).toEqual([200, 200, 200, 200, 207]);
      expect(byTag(await readTopic(proxyTopics[setup], 6))).toEqual({
        R1: ['{"b":1,"a":2,"10":3}', '{"tag":"R1","readings":{"2":20.5,"1":21.0,"10":3},"via":"gw"}', 2],
        R2: ['{"b":1,"10":3}', '{"b":1,"2":2,"tag":"R2","via":"gw"}', 3],
        R3: ['{"b":1,"a":2,"10":3}', '{"b":1,"2":2,"tag":"R3","via":"gw"}', 2],
        R4: ['{"b":1.5,"a":2}', '{"name":"x","a":2,"b":1.5,"id":3,"tag":"R4","via":"gw"}', 0],
        R5: ['{"b":1.5,"a":2}', '{"name":"x","a":2,"b":1.5,"id":3,"tag":"R5","via":"gw"}', 0],
        R6: ['{"b":1,"a":2,"10":3}', '{"b":1,"2":2,"tag":"R6","via":"gw"}', 2],
      });
    },
    60_000,
  );

  test.each<Setup>(["envelope", "spooled envelope"])(
    "in a schemas.enable=true envelope (%s): the order sent, whatever the number spelling",
    async (setup) => {
      expect(await sendProxyRecords(proxyTopics[setup])).toEqual([200, 200, 200, 200, 207]);
      expect(byTag(await readTopic(proxyTopics[setup], 6))).toEqual({
        R1: [envelope('{"b":1,"a":2,"10":3}'), envelope('{"tag":"R1","readings":{"2":20.5,"1":21.0,"10":3}}'), 2],
        R2: [envelope('{"b":1,"10":3}'), envelope('{"b":1,"2":2,"tag":"R2"}'), 1],
        R3: [envelope('{"b":1,"a":2,"10":3}'), envelope('{"b":1,"2":2,"tag":"R3"}'), 2],
        R4: [envelope('{"b":1.5,"a":2}'), envelope('{"b":1.5,"a":2,"name":"x","id":3,"tag":"R4"}'), 2],
        R5: [envelope('{"b":1.5,"a":2}'), envelope('{"b":1.5,"a":2,"name":"x","id":3,"tag":"R5"}'), 2],
        R6: [envelope('{"b":1,"a":2,"10":3}'), envelope('{"b":1,"2":2,"tag":"R6"}'), 2],
      });
    },
    60_000,
  );

  const KEY_FIELD_BODIES = [
    '{"loc":{"b":1,"a":2,"10":3},"tag":"K1"}',
    '{"loc":{"b":1.50,"a":2,"name":"x","id":3},"tag":"K2"}',
    '{"loc":{"b":1.5,"a":2,"name":"x","id":3},"tag":"K3"}',
    '{"loc":{"b":1,"a":2,"name":"x","id":3},"tag":"K4"}',
    '{"loc":[{"b":1,"10":2}],"tag":"K5"}',
  ];

  async function sendKeyFieldBodies(setup: Setup): Promise<ReturnType<typeof byTag>> {
    for (const body of KEY_FIELD_BODIES)
      expect((await curlPost(`${suite.ingest}/ingest/keyfield-${slug(setup)}`, body, "application/json")).status).toBe(
        200,
      );
    return byTag(await readTopic(keyFieldTopics[setup], KEY_FIELD_BODIES.length));
  }

  test("ingest.key.field objects, without a transformation: the key as sent; the value the body's bytes", async () => {
    const got = await sendKeyFieldBodies("plain");
    expect(got).toEqual({
      K1: ['{"b":1,"a":2,"10":3}', KEY_FIELD_BODIES[0]!, 2],
      K2: ['{"b":1.50,"a":2,"name":"x","id":3}', KEY_FIELD_BODIES[1]!, 2],
      K3: ['{"b":1.5,"a":2,"name":"x","id":3}', KEY_FIELD_BODIES[2]!, 2],
      K4: ['{"b":1,"a":2,"name":"x","id":3}', KEY_FIELD_BODIES[3]!, 5],
      K5: ['[{"b":1,"10":2}]', KEY_FIELD_BODIES[4]!, 6],
    });
  }, 60_000);

  test.each<Setup>(["transformed", "spooled transformed"])(
    "ingest.key.field objects under a value transformation (%s): `1.50` and `1.5` give one key and partition",
    async (setup) => {
      expect(await sendKeyFieldBodies(setup)).toEqual({
        K1: ['{"b":1,"a":2,"10":3}', '{"loc":{"a":2,"b":1,"10":3},"tag":"K1","via":"gw"}', 2],
        K2: ['{"b":1.5,"a":2,"name":"x","id":3}', '{"loc":{"a":2,"b":1.5,"name":"x","id":3},"tag":"K2","via":"gw"}', 2],
        K3: ['{"b":1.5,"a":2,"name":"x","id":3}', '{"loc":{"a":2,"b":1.5,"name":"x","id":3},"tag":"K3","via":"gw"}', 2],
        K4: ['{"b":1,"a":2,"name":"x","id":3}', '{"loc":{"a":2,"b":1,"name":"x","id":3},"tag":"K4","via":"gw"}', 5],
        K5: ['[{"b":1,"10":2}]', '{"loc":[{"b":1,"10":2}],"tag":"K5","via":"gw"}', 6],
      });
    },
    60_000,
  );

  test.each<Setup>(["envelope", "spooled envelope"])(
    "ingest.key.field objects in a schemas.enable=true key envelope (%s): one order whatever the spelling",
    async (setup) => {
      expect(await sendKeyFieldBodies(setup)).toEqual({
        K1: [envelope('{"b":1,"a":2,"10":3}'), envelope('{"loc":{"a":2,"b":1,"10":3},"tag":"K1"}'), 2],
        K2: [
          envelope('{"b":1.5,"a":2,"name":"x","id":3}'),
          envelope('{"loc":{"a":2,"b":1.5,"name":"x","id":3},"tag":"K2"}'),
          4,
        ],
        K3: [
          envelope('{"b":1.5,"a":2,"name":"x","id":3}'),
          envelope('{"loc":{"a":2,"b":1.5,"name":"x","id":3},"tag":"K3"}'),
          4,
        ],
        K4: [
          envelope('{"b":1,"a":2,"name":"x","id":3}'),
          envelope('{"loc":{"a":2,"b":1,"name":"x","id":3},"tag":"K4"}'),
          5,
        ],
        K5: [envelope('[{"b":1,"10":2}]'), envelope('{"loc":[{"b":1,"10":2}],"tag":"K5"}'), 2],
      });
    },
    60_000,
  );
});
