/**
 * What the Connect runtime writes to Kafka, gateway vs a real Apache Kafka Connect 4.3.1 worker
 * (test/fixtures/runtime: scenario.ts and sink-scenario.ts hold the connector configs, run.ts runs
 * them and reads what came out, record.sh recorded Apache's outputs into fixtures.json). Covered: FileStreamSource
 * records (JsonConverter with and without schemas, StringConverter, an SMT chain with
 * HoistField/InsertField/ValueToKey/InsertHeader, odd inputs through Cast, TimestampConverter
 * (dates before 1582), HeaderFrom, ExtractField and Flatten, predicates with negate, header
 * literals and struct headers through SimpleHeaderConverter) with their keys, values, headers in
 * order and partitions, and the source offsets after a stop;
 * FileStreamSink with errors.tolerance=all and a dead letter queue with context headers (value,
 * key and header converter failures and Cast failures, alone and in a chain with TimestampConverter): the DLQ
 * records and the sink file; errors.tolerance=none: the FAILED task's trace without its frames;
 * schemaless JSON doubles (`3.0`, `1e20`, `-0.0`) printed and cast as Java's Doubles, not Longs;
 * maps printed in Java's HashMap order (schemaless objects of 2 to 25 keys, nested ones, `map`
 * schemas keyed by strings, ints, longs, booleans and doubles, and the maps InsertField,
 * ReplaceField, Cast, TimestampConverter, HeaderFrom, Flatten and MaskField rebuild; recorded on
 * Java 25, whose `new HashMap<>(map)` is sized as on Java 19+, not as on Java 17); the hunt-* cases:
 * SMT chains gated by TopicNameMatches, HasHeaderKey and RecordIsTombstone (negated too) with
 * RegexRouter, InsertHeader/HeaderFrom headers through JsonConverter (with and without schemas) and
 * StringConverter header converters, schemaless and schema'd sinks whose records fail the converter
 * (bad JSON, a wrong or missing envelope, a missing required field) or an SMT (Cast of a non-number,
 * ExtractField on a non-struct, TimestampConverter on an unparseable string) with
 * errors.log.include.messages, tombstones through a chain, Flatten + TimestampConverter, RegexRouter
 * and TimestampRouter names InsertField writes, key SMTs with SetSchemaMetadata, and MaskField
 * replacements that cannot become numbers; ExtractField with `field.syntax.version=V2` paths (backticks,
 * missing steps, lists and strings in the way, structs without the field), ReplaceField with include,
 * exclude and renames together, ValueToKey with missing fields, InsertField's topic/partition/static
 * fields on source records, repeated and moved headers with DropHeaders, Filter on headers, Decimals
 * (base64, numeric, negative scales, empty bytes, text that is not base64), defaults with and without
 * `replace.null.with.default`, Cast and MaskField across a struct's types, and TimestampConverter's
 * `unix.precision` both ways (truncation, saturation) with a quoted-literal format; Cast of
 * Timestamp, Date and Decimal fields, TimestampConverter on struct fields to every type, Flatten of
 * arrays, maps and null structs; Date and Time fields through JsonConverter and header converters;
 * InsertField of offset, partition, topic and static fields into structs of sink records; header
 * literals Values.parseString reads oddly, through SimpleHeaderConverter and JsonConverter;
 * JsonConverter narrowing numbers into schema'd fields of other widths (Jackson's wrap and defaults);
 * the hunt3-* cases (hunt3-scenario.ts): the number, boolean and byte-array converters (nulls, wrong
 * sizes, Java's float and double texts), key, value and header converter failures in one record (the
 * first stage reported), StringConverter's `converter.encoding`, JsonConverter headers and envelopes
 * (maps keyed by int8, int32 and lists), Cast and Flatten refusing complex types, RegexRouter group
 * references, SetSchemaMetadata, predicate-gated chains, Java's regex dialect (class unions and
 * intersections, atomic groups, inline flags), names colliding in Flatten and ReplaceField, MaskField
 * replacements, maps keyed by maps and decimals, and source records written by number converters, with
 * headers copied after each Cast, and doubles and floats JsonConverter writes (NaN, infinities);
 * the hunt4-* cases (hunt4-scenario.ts): TimestampConverter between its types with `unix.precision`
 * and SimpleDateFormat's rarer letters, InsertField into optional structs, HeaderFrom and ValueToKey
 * with missing fields, DropHeaders, V2 paths in ExtractField and ReplaceField, MaskField of decimals,
 * dates and lists, InsertHeader literals, Flatten delimiters, and `\p{javaLowerCase}`, `(?x)` and a
 * leading `{n}` in RegexRouter and TopicNameMatches; the hunt5-* cases (hunt5-scenario.ts): JsonConverter
 * envelopes of every type (Jackson's int, boolean and text views of mismatched payloads, defaults both
 * ways, nested arrays of structs, maps keyed by booleans, doubles and int16s and malformed tuples,
 * Date/Time/Timestamp at years 1 and 9999, numeric decimals, refused envelopes), schemaless numbers past a
 * long or a double, number converters on odd bits and sizes, malformed UTF-8 through StringConverter,
 * Cast across schemaless type pairs and of bytes, Decimal, Date and Timestamp to strings,
 * SetSchemaMetadata with only a version, negated Filter predicates on tombstones, TimestampRouter
 * (`${topic}`, `${timestamp}` and literal formats), RegexRouter (`$0`, `\$`, named and unknown groups),
 * JsonConverter header failures, and InsertHeader literals at Values.parseString's edges written by
 * JsonConverter and SimpleHeaderConverter, with the FAILED trace of a map literal without a key schema.
 * INTENDED lists what differs on purpose, and why.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type RuntimeRecording, runRuntimeScenarios } from "./fixtures/runtime/run.ts";
import { sourceCases, sourceText } from "./fixtures/runtime/scenario.ts";
import { REPO } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const recorded: RuntimeRecording = JSON.parse(readFileSync(join(REPO, "test/fixtures/runtime/fixtures.json"), "utf8"));

type Side = "apache" | "gateway";

/**
 * Differences kept on purpose (README, "Errors and the dead letter queue" and "Plugins"): each maps
 * a recording, Apache's or the gateway's, to what the comparison sees.
 */
export const INTENDED: readonly { what: string; apply(r: RuntimeRecording, side: Side): RuntimeRecording }[] = [
  {
    // Apache's (not exactly-once) WorkerSourceTask commits a dropped record's offset only with a later
    // written record of its partition, so the dropped tail is read again after a restart; its
    // exactly-once task and the gateway commit it (the ingest spool releases records by it). Apache's
    // position (just after the last written line) becomes the end of the file.
    what: "offsets of dropped source records are committed",
    apply: (r, side) => (side === "apache" ? { ...r, sources: mapValues(r.sources, droppedTail) } : r),
  },
  {
    // Apache counts UTF-16 units on read but skips bytes on restart; the gateway's positions are the
    // bytes Apache's restart skips. Apache's recorded position becomes the byte count of its prefix.
    what: "FileStreamSource positions are bytes, not UTF-16 units",
    apply: (r, side) => (side === "apache" ? { ...r, sources: mapValues(r.sources, bytePositions) } : r),
  },
  {
    // The JSON parser is not Jackson: the cause chain and its classes are Apache's, the parser's own
    // sentence and Jackson's source-location line are not compared.
    what: "JSON parse errors carry the gateway parser's wording",
    apply: (r) => ({ ...r, failures: mapValues(r.failures, (f) => ({ ...f, trace: parserWording(f.trace) })) }),
  },
];

function mapValues<T>(o: Record<string, T>, f: (v: T, name: string) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v, k)]));
}

type Source = RuntimeRecording["sources"][string];

function bytePositions(s: Source, name: string): Source {
  const text = sourceText(sourceCases().find((c) => c.name === name)!);
  const toBytes = (units: number) => Buffer.byteLength(text.slice(0, units));
  const offsets = s.offsets as { offsets: { partition: unknown; offset: { position: number } }[] };
  return {
    ...s,
    offsets: { offsets: offsets.offsets.map((o) => ({ ...o, offset: { position: toBytes(o.offset.position) } })) },
  };
}

function droppedTail(s: Source, name: string): Source {
  const c = sourceCases().find((k) => k.name === name)!;
  if (c.sentinel === undefined) return s;
  const text = sourceText(c);
  const afterSentinel = text.indexOf(`\n${c.sentinel}\n`) + c.sentinel.length + 2;
  const offsets = s.offsets as { offsets: { partition: unknown; offset: { position: number } }[] };
  const moved = offsets.offsets.map((o) =>
    o.offset.position === afterSentinel ? { ...o, offset: { position: text.length } } : o,
  );
  return { ...s, offsets: { offsets: moved } };
}

const JACKSON_MESSAGE = /(com\.fasterxml\.jackson\.core\.(?:JsonParseException|io\.JsonEOFException): ).*$/;

function parserWording(trace: string[]): string[] {
  return trace
    .filter((l) => !l.startsWith(" at [Source: "))
    .map((l) => l.replace(JACKSON_MESSAGE, "$1<parser message>"));
}

const suite = suiteGateway({ "offset.flush.interval.ms": "500" });
let actual: RuntimeRecording;

beforeAll(async () => {
  const run = await runRuntimeScenarios(suite.gw.url, suite.dir.path, `g${Date.now().toString(36)}`);
  actual = INTENDED.reduce((r, d) => d.apply(r, "gateway"), run);
}, 180_000);

const expected = INTENDED.reduce((r, d) => d.apply(r, "apache"), recorded);

describe("records the runtime writes, as Apache Kafka Connect 4.3.1 wrote them", () => {
  test.each(Object.keys(recorded.sources))("FileStreamSource %s: records, headers, partitions", (name) => {
    expect(actual.sources[name]!.records).toEqual(expected.sources[name]!.records);
  });
  test.each(Object.keys(recorded.sources))("FileStreamSource %s: source offsets after stop", (name) => {
    expect(actual.sources[name]!.offsets).toEqual(expected.sources[name]!.offsets);
  });
  test.each(Object.keys(recorded.sinks))("FileStreamSink %s with a DLQ: the sink file", (name) => {
    expect(actual.sinks[name]!.file).toEqual(expected.sinks[name]!.file);
  });
  test.each(Object.keys(recorded.sinks))("FileStreamSink %s with a DLQ: DLQ records and headers", (name) => {
    expect(actual.sinks[name]!.dlq).toEqual(expected.sinks[name]!.dlq);
  });
  test.each(Object.keys(recorded.failures))("%s with errors.tolerance=none: FAILED trace", (name) => {
    expect(actual.failures[name]).toEqual(expected.failures[name]!);
  });
});

test("the README names each intended difference", () => {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  expect(INTENDED.map((d) => d.what).filter((what) => !readme.includes(`**${what}**`))).toEqual([]);
});
