import { describe, expect, test } from "bun:test";
import { ConnectTimestamp } from "../api/data/logical.ts";
import { SchemaBuilder, Schemas, schemaEquals } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { ConfigError, DataError } from "../errors.ts";
import { InsertField, insertFieldValue, parseInsertionSpec } from "./insert-field.ts";
import { KEY_SIDE, VALUE_SIDE } from "./util/record-side.ts";
import { expectError, sinkRecord, srcRecord } from "./util/test-support.ts";

const ALL_FIELDS = {
  "topic.field": "topic_field!",
  "partition.field": "partition_field",
  "timestamp.field": "timestamp_field?",
  "static.field": "instance_id",
  "static.value": "my-instance-id",
};

function insert(configs: Record<string, string> = ALL_FIELDS, side = VALUE_SIDE): InsertField {
  const xform = new InsertField(side);
  xform.configure(configs);
  return xform;
}

describe("InsertField", () => {
  test.each([
    ["topic_field!", { name: "topic_field", optional: false }],
    ["topic_field?", { name: "topic_field", optional: true }],
    ["topic_field", { name: "topic_field", optional: true }],
  ])("reads the field spec %p", (spec, expected) => {
    expect(parseInsertionSpec(spec)).toEqual(expected);
  });

  test("copies the schema and inserts the configured fields", () => {
    const schema = SchemaBuilder.struct()
      .name("name")
      .version(1)
      .doc("doc")
      .field("magic", Schemas.OPTIONAL_INT64)
      .build();
    const xform = insert();
    const out = xform.apply(
      srcRecord({ valueSchema: schema, value: new Struct(schema).put("magic", 42), timestamp: 789 }),
    );
    const updated = out.valueSchema!;
    expect([updated.name, updated.version, updated.doc]).toEqual(["name", 1, "doc"]);
    const expectedFields = [
      ["magic", Schemas.OPTIONAL_INT64, 42],
      ["topic_field", Schemas.STRING, "test"],
      ["partition_field", Schemas.OPTIONAL_INT32, 0],
      ["timestamp_field", ConnectTimestamp.builder().optional().build(), new Date(789)],
      ["instance_id", Schemas.OPTIONAL_STRING, "my-instance-id"],
    ] as const;
    for (const [name, fieldSchema, value] of expectedFields) {
      expect(schemaEquals(updated.field(name)?.schema, fieldSchema)).toBe(true);
      expect((out.value as Struct).get(name)).toEqual(value);
    }
    const again = xform.apply(srcRecord({ kafkaPartition: 1, valueSchema: schema, value: new Struct(schema) }));
    expect(again.valueSchema).toBe(updated);
  });

  test("inserts the configured fields into a schemaless map", () => {
    const out = insert().apply(srcRecord({ value: { magic: 42 }, timestamp: 123 }));
    expect(out.value).toEqual({
      magic: 42,
      topic_field: "test",
      partition_field: 0,
      timestamp_field: 123,
      instance_id: "my-instance-id",
    });
  });

  // Review runhunt2: a Kafka timestamp is any long; a JavaScript Date holds ±8.64e15 ms.
  test("a record timestamp beyond the dates supported here fails a record with a schema with a DataError", () => {
    const schema = SchemaBuilder.struct().field("magic", Schemas.INT64).build();
    expectError(
      () =>
        insert().apply(srcRecord({ valueSchema: schema, value: new Struct(schema).put("magic", 1), timestamp: -9e15 })),
      DataError,
      "Record timestamp -9000000000000000 is out of the range of dates supported here (dates beyond ±8.64e15 ms from the epoch are not supported)",
    );
  });

  test("skips the partition and timestamp when the record has none", () => {
    const out = insert().apply(srcRecord({ kafkaPartition: null, value: {} }));
    expect(out.value).toEqual({ topic_field: "test", instance_id: "my-instance-id" });
  });

  test.each([
    ["without a schema", srcRecord({ value: null })],
    ["with a schema", srcRecord({ valueSchema: SchemaBuilder.struct().optional().build(), value: null })],
  ])("leaves a tombstone %s unchanged", (_what, record) => {
    expect(insert().apply(record)).toBe(record);
  });

  test("inserts into the key of a tombstone with the $Key variant", () => {
    const out = insert(ALL_FIELDS, KEY_SIDE).apply(srcRecord({ key: { magic: 42 }, value: null }));
    expect(out.key).toEqual({ magic: 42, topic_field: "test", partition_field: 0, instance_id: "my-instance-id" });
    expect(out.value).toBeNull();
  });

  test("leaves a record with a null key unchanged", () => {
    const record = srcRecord({ key: null, value: { a: 1 } });
    expect(insert(ALL_FIELDS, KEY_SIDE).apply(record)).toBe(record);
  });

  test("inserts the offset of a sink record", () => {
    const xform = insert({ "offset.field": "offset!" });
    const schema = SchemaBuilder.struct().field("a", Schemas.INT32).build();
    const out = xform.apply(
      sinkRecord({ kafkaOffset: 77, valueSchema: schema, value: new Struct(schema).put("a", 1) }),
    );
    expect((out.value as Struct).get("offset")).toBe(77);
    expect(out.valueSchema?.field("offset")?.schema).toBe(Schemas.INT64);
    expect(insert({ "offset.field": "offset" }).apply(sinkRecord({ kafkaOffset: 5, value: {} })).value).toEqual({
      offset: 5,
    });
  });

  test("keeps the sink record's own fields", () => {
    const record = sinkRecord({ kafkaOffset: 9, originalTopic: "orig", value: {} });
    expect(insert().apply(record)).toEqual({
      ...record,
      value: { topic_field: "test", partition_field: 0, instance_id: "my-instance-id" },
    });
  });

  test("rejects an offset on a source record", () => {
    expectError(
      () => insert({ "offset.field": "offset" }).apply(srcRecord({ value: {} })),
      DataError,
      "Only SinkRecord supported for [field insertion], found: org.apache.kafka.connect.source.SourceRecord",
    );
  });

  test.each<[unknown, string]>([
    [42, "Only Map objects supported in absence of schema for [field insertion], found: java.lang.Long"],
  ])("rejects the schemaless value %p", (value, message) => {
    expectError(() => insert().apply(srcRecord({ value })), DataError, message);
  });

  test("requires a struct with a schema", () => {
    expectError(
      () => insert({ "topic.field": "topic_field" }).apply(srcRecord({ valueSchema: Schemas.INT32, value: 42 })),
      DataError,
      "Only Struct objects supported for [field insertion], found: java.lang.Integer",
    );
  });

  test.each([
    ["true", "default"],
    ["false", null],
  ])("with replace.null.with.default=%p copies %p for a null field with a default", (flag, expected) => {
    const schema = SchemaBuilder.struct()
      .field("a", SchemaBuilder.string().optional().defaultValue("default").build())
      .build();
    const out = insert({ "topic.field": "t", "replace.null.with.default": flag }).apply(
      srcRecord({ valueSchema: schema, value: new Struct(schema) }),
    );
    expect((out.value as Struct).getWithoutDefault("a")).toBe(expected);
  });

  test.each([
    [{}, "No field insertion configured"],
    [
      { "static.field": "x" },
      "Invalid value null for configuration static.value: No value specified for static field: x",
    ],
  ])("rejects the config %p", (configs, message) => {
    expectError(() => new InsertField(VALUE_SIDE).configure(configs), ConfigError, message);
  });

  test("declares every key as optional with no default but replace.null.with.default", () => {
    expect(insertFieldValue.config.keys.map((k) => [k.name, k.meta.type, k.meta.default])).toEqual([
      ["topic.field", "STRING", null],
      ["partition.field", "STRING", null],
      ["offset.field", "STRING", null],
      ["timestamp.field", "STRING", null],
      ["static.field", "STRING", null],
      ["static.value", "STRING", null],
      ["replace.null.with.default", "BOOLEAN", "true"],
    ]);
  });
});
