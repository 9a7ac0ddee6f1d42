import { describe, expect, test } from "bun:test";
import { JsonText } from "../api/data/json-text.ts";
import { sourceRecord } from "../api/record.ts";
import { JsonConverter } from "../converters/json-converter.ts";
import { StringConverter } from "../converters/string-converter.ts";
import { builtInRegistry } from "../plugins.ts";
import { type RecordConverters, toProducerRecord, toProducerRecordDirect } from "./record-conversion.ts";
import { stringConverters, taskBasics } from "./task-test-support.ts";
import { TransformationChain } from "./transformation-chain.ts";

const text = new TextDecoder();
const BODY = '{ "device":"d1", "ts":1700000000123456789,\n "v":[1.50, 2] }';

function jsonConverters(schemasEnable: boolean): RecordConverters {
  const value = new JsonConverter();
  value.configure({ "schemas.enable": String(schemasEnable) }, false);
  return { ...stringConverters, value, valueClass: "org.apache.kafka.connect.json.JsonConverter" };
}

const insertSource = TransformationChain.fromConfig(builtInRegistry(), {
  transforms: "src",
  "transforms.src.type": "org.apache.kafka.connect.transforms.InsertField$Value",
  "transforms.src.static.field": "via",
  "transforms.src.static.value": "gw",
  "transforms.src.predicate": "named",
  predicates: "named",
  "predicates.named.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
  "predicates.named.pattern": "dev.*",
});

describe("a JsonText value through the chain and the converters", () => {
  test("with no transforms, JsonConverter (schemas.enable=false) writes the received bytes unchanged", async () => {
    const record = sourceRecord({ topic: "devices", value: new JsonText(BODY) });
    const chain = TransformationChain.EMPTY;
    const direct = chain.applyDirect(record)!;
    expect(direct).toBe(record);
    expect(text.decode(toProducerRecordDirect(direct, jsonConverters(false)).value!)).toBe(BODY);
    const slow = await chain.apply(record, taskBasics().operator, { source: record });
    const produced = await toProducerRecord(slow!, jsonConverters(false), taskBasics().operator, record);
    expect(text.decode(produced!.value!)).toBe(BODY);
  });

  test("with schemas.enable=true the value is parsed into Connect's envelope", () => {
    const record = sourceRecord({ topic: "devices", value: new JsonText(BODY) });
    // The payload is the HashMap JsonConverter reads, written in its hash order (as Java's HashMap iterates it).
    expect(text.decode(toProducerRecordDirect(record, jsonConverters(true)).value!)).toBe(
      '{"schema":null,"payload":{"v":[1.5,2],"device":"d1","ts":1700000000123456789}}',
    );
  });

  test("a transform and its predicate see the parsed value; long integers stay exact", async () => {
    const record = sourceRecord({ topic: "devices", value: new JsonText(BODY) });
    const transformed = insertSource.applyDirect(record)!;
    expect(transformed.value).toEqual({ device: "d1", ts: 1700000000123456789n, v: [1.5, 2], via: "gw" });
    // InsertField's `new HashMap<>(value)`, written in its hash order.
    expect(text.decode(toProducerRecordDirect(transformed, jsonConverters(false)).value!)).toBe(
      '{"device":"d1","v":[1.5,2],"ts":1700000000123456789,"via":"gw"}',
    );
    const slow = await insertSource.apply(record, taskBasics().operator, { source: record });
    expect(slow!.value).toEqual(transformed.value);
  });

  test("a predicate that does not match leaves the parsed value as it was", () => {
    const record = sourceRecord({ topic: "other", value: new JsonText(BODY) });
    const out = insertSource.applyDirect(record)!;
    expect(out.value).toEqual({ device: "d1", ts: 1700000000123456789n, v: [1.5, 2] });
  });

  test("StringConverter writes the text; a converter that does not take JsonText gets the parsed value", () => {
    const record = sourceRecord({ topic: "devices", key: new JsonText('"d1"'), value: new JsonText(BODY) });
    const seen: unknown[] = [];
    const value = new StringConverter();
    value.configure({}, false);
    const recording: RecordConverters = {
      ...stringConverters,
      value,
      key: {
        configure: () => {},
        fromConnectData: (_t, _h, _s, v) => {
          seen.push(v);
          return null;
        },
        toConnectData: () => ({ schema: null, value: null }),
      },
    };
    const produced = toProducerRecordDirect(record, recording);
    expect(seen).toEqual(["d1"]);
    expect(text.decode(produced.value!)).toBe(BODY);
  });
});

describe("a JsonText too deep to read (P1.2)", () => {
  const deep = () =>
    sourceRecord({ topic: "devices", value: new JsonText(`${"[".repeat(100_000)}${"]".repeat(100_000)}`) });

  test("fails the first step inside the error operator: errors.tolerance=all skips the record", async () => {
    const record = deep();
    expect(() => insertSource.applyDirect(record)).toThrow("more than 1000 levels deep");
    const { operator } = taskBasics("all");
    expect(await insertSource.apply(record, operator, { source: record })).toBeUndefined();
  });

  test("under errors.tolerance=none it is the operator's DataError (the task fails with a clear message)", async () => {
    const record = deep();
    const { operator } = taskBasics("none");
    const failure = await insertSource.apply(record, operator, { source: record }).catch((e: Error) => e);
    expect(failure).toMatchObject({
      message: "Tolerance exceeded in error handler",
      cause: { name: "DataError", message: "The JSON value nests arrays and objects more than 1000 levels deep" },
    });
  });
});
