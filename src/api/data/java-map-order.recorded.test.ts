/**
 * Schemaless maps printed (`toString`: FileStreamSink, StringConverter, logs) and written by
 * JsonConverter in the order Apache Kafka Connect 4.3.1 gives them: the cases of
 * test/fixtures/java-maps (generate.sh ran Apache's own JsonConverter and transformations) read,
 * transformed and written again by the gateway's. Covers objects across the 12- and 24-key resizes,
 * nested maps, and each transformation's way of building its map: `new HashMap<>(value)` then puts
 * (InsertField, Cast, MaskField, TimestampConverter, HeaderFrom), `new HashMap<>(n)` (ReplaceField,
 * ValueToKey), `new HashMap<>()` (HoistField) and a LinkedHashMap (Flatten).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { JsonConverter } from "../../converters/json-converter.ts";
import { transformationPlugins } from "../../transforms/index.ts";
import { sinkRecord } from "../../transforms/util/test-support.ts";
import type { ConnectRecord } from "../record.ts";
import type { Transformation } from "../transformation.ts";
import { Headers } from "./headers.ts";
import { javaToString } from "./java-text.ts";

interface MapOrderCase {
  readonly name: string;
  readonly input: string;
  readonly chain: { type: string; config: Record<string, string> }[];
  readonly text: string;
  readonly json: string;
  readonly keyText?: string;
  readonly keyJson?: string;
}

const fixtures: { connect: string; cases: MapOrderCase[] } = JSON.parse(
  readFileSync(new URL("../../../test/fixtures/java-maps/fixtures.json", import.meta.url), "utf8"),
);
const plugins = new Map(transformationPlugins.flatMap((d) => [d.className, ...(d.aliases ?? [])].map((n) => [n, d])));

const converter = new JsonConverter();
converter.configure({ "schemas.enable": "false" }, false);
const utf8 = new TextEncoder();
const written = (value: unknown) =>
  new TextDecoder().decode(converter.fromConnectData("t", Headers.EMPTY, null, value) ?? new Uint8Array());

describe(`schemaless maps as Apache Kafka Connect ${fixtures.connect} prints and writes them`, () => {
  test.each(fixtures.cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const read = converter.toConnectData("t", Headers.EMPTY, utf8.encode(c.input));
    let record: ConnectRecord = sinkRecord({ topic: "t", kafkaOffset: 7, timestamp: 1700000000000, value: read.value });
    for (const step of c.chain) {
      const xform = plugins.get(step.type)!.create() as Transformation;
      xform.configure(step.config);
      record = xform.apply(record)!;
    }
    const key: Record<string, string> =
      record.key === null ? {} : { keyText: javaToString(record.key), keyJson: written(record.key) };
    const actual: Record<string, string> = { text: javaToString(record.value), json: written(record.value), ...key };
    expect(actual).toEqual({
      text: c.text,
      json: c.json,
      ...(c.keyText === undefined ? {} : { keyText: c.keyText, keyJson: c.keyJson }),
    });
  });
});
