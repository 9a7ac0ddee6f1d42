/**
 * Apache Kafka's simple converters against ours: every case in test/fixtures/converters (Apache's
 * StringConverter, ByteArrayConverter, BooleanConverter and number converters, and the header
 * converters SimpleHeaderConverter, JsonConverter and StringConverter, run by
 * GenerateConverterFixtures.java) is run through our converter of the same class name, and the
 * bytes written, the data read back or the error (Java class, message and its cause's message)
 * must match.
 */
import { describe, expect, test } from "bun:test";
import type { Converter, HeaderConverter } from "../api/converter.ts";
import { javaClassOf } from "../errors.ts";
import { canonicalSchema, canonicalValue } from "../transforms/util/recorded-fixtures.ts";
import { buildSchema, buildValue, type SchemaDescription } from "./golden-fixtures.ts";
import { converterPlugins } from "./index.ts";

interface Recorded {
  converter: string;
  config: Record<string, string>;
  isKey: boolean;
  error?: { class: string; error: string | null; cause?: string | null };
}
interface EncodeCase extends Recorded {
  schema: SchemaDescription | null;
  value: unknown;
  bytes?: string | null;
}
interface DecodeCase extends Recorded {
  input: string | null;
  result?: { schema: SchemaDescription | null; value: unknown };
}

const fixtures: {
  encode: EncodeCase[];
  decode: DecodeCase[];
  configure: Recorded[];
  headerEncode: EncodeCase[];
  headerDecode: DecodeCase[];
} = await Bun.file(new URL("../../test/fixtures/converters/fixtures.json", import.meta.url)).json();

/**
 * Cases where we knowingly differ, each with why. The test checks that they still differ, so the
 * list cannot go stale: a case that starts to match must leave it.
 */
const KNOWN_DIVERGENCES: readonly { readonly cases: RegExp; readonly reason: string }[] = [
  {
    cases: /^(Short|Integer|Double)Converter \((key|value)\) writes null \{"int64":"5"\}$/,
    reason:
      "a schemaless whole number is a Long in Java; the Short, Integer and Double converters take it when it fits " +
      "(no precision is lost) where Java's cast refuses a Long",
  },
  {
    cases:
      /^(?!ShortConverter \(\w+\) writes null \{"int16"|IntegerConverter \(\w+\) writes null \{"int32"|StringConverter|header)\w+ .* writes null \{"int(8|16|32)":5\}$/,
    reason:
      "a schemaless Byte, Short or Integer (Java's Cast to int8, int16, int32 makes one) is a whole number here, " +
      "which JavaScript cannot tell from a Long: a converter refusing it names java.lang.Long, and the Long, " +
      "Short, Integer and Double converters take it when it fits where Java's cast refuses another class",
  },
  {
    cases: /^header JsonConverter( \{"schemas\.enable":"false"\})? reads ACAAAAAAAAE=$/,
    reason:
      "Jackson takes bytes 00 20 00 00 for UCS-4 in an unusual byte order and fails with a CharConversionException; " +
      "our parser fails them as any other bytes that are not JSON (a JsonParseException)",
  },
  {
    cases: /^header SimpleHeaderConverter reads bnVsbA==$/,
    reason:
      "Apache 4.3.1's SimpleHeaderConverter throws a NullPointerException on a header whose text is `null` " +
      "(Values.parseString gives it no SchemaAndValue), failing the record; we read it as a null header value",
  },
  {
    cases: /^StringConverter \(value \{"converter\.encoding":"UTF-32"\}\) configures$/,
    reason: "UTF-32 is not among the charsets StringConverter supports here (src/converters/charset.ts)",
  },
];

function create(c: Recorded): Converter {
  const descriptor = converterPlugins.find((p) => p.type === "converter" && p.className === c.converter);
  if (!descriptor) throw new Error(`no converter ${c.converter}`);
  const converter = descriptor.create() as Converter;
  converter.configure(c.config, c.isKey);
  return converter;
}

function createHeader(c: Recorded): HeaderConverter {
  const descriptor = converterPlugins.find((p) => p.type === "header_converter" && p.className === c.converter);
  if (!descriptor) throw new Error(`no header converter ${c.converter}`);
  const converter = descriptor.create() as HeaderConverter;
  converter.configure({ "converter.type": "header", ...c.config });
  return converter;
}

/**
 * A cause that is Jackson's parse failure keeps only its class: JsonConverter's causes read as
 * Apache's down to the exception classes, with our parser's wording (src/converters/json-text.ts).
 */
const causeOf = (message: string) => (message.startsWith("com.fasterxml.jackson.") ? message.split(":")[0]! : message);

function errorOf(e: unknown): { class: string; error: string; cause?: string } {
  const cause = e instanceof Error && e.cause instanceof Error ? { cause: causeOf(e.cause.message) } : {};
  return { class: javaClassOf(e), error: e instanceof Error ? e.message : String(e), ...cause };
}

const expectedError = (c: Recorded): unknown => {
  const { cause, ...rest } = c.error!;
  return cause === undefined || cause === null ? rest : { ...rest, cause: causeOf(cause) };
};

const shortName = (className: string) => className.slice(className.lastIndexOf(".") + 1);
const role = (c: Recorded) =>
  `${c.isKey ? "key" : "value"}${Object.keys(c.config).length ? ` ${JSON.stringify(c.config)}` : ""}`;

function encodeName(c: EncodeCase) {
  return `${shortName(c.converter)} (${role(c)}) writes ${JSON.stringify(c.schema?.type ?? null)} ${JSON.stringify(c.value)}`;
}

function decodeName(c: DecodeCase) {
  return `${shortName(c.converter)} (${role(c)}) reads ${c.input}`;
}

function runEncode(c: EncodeCase, header = false): unknown {
  try {
    const schema = buildSchema(c.schema);
    const value = buildValue(schema, c.value);
    const bytes = header
      ? createHeader(c).fromConnectHeader("t", "h", schema, value)
      : create(c).fromConnectData("t", undefined as never, schema, value);
    return { bytes: bytes === null ? null : bytes.toBase64() };
  } catch (e) {
    const { cause: _cause, ...error } = errorOf(e);
    return { error };
  }
}

/** A write's error without its cause: Apache's is the JVM's ClassCastException text, which we do not copy. */
function expectedEncode(c: EncodeCase): unknown {
  if (!c.error) return { bytes: c.bytes ?? null };
  const { cause: _cause, ...error } = c.error;
  return { error };
}

function runDecode(c: DecodeCase, header = false): unknown {
  try {
    const input = c.input === null ? null : Uint8Array.fromBase64(c.input);
    const { schema, value } = header
      ? createHeader(c).toConnectHeader("t", "h", input)
      : create(c).toConnectData("t", undefined as never, input);
    return { result: { schema: canonicalSchema(schema), value: canonicalValue(schema, value) } };
  } catch (e) {
    return { error: errorOf(e) };
  }
}

function expectedDecode(c: DecodeCase): unknown {
  if (c.error) return { error: expectedError(c) };
  const schema = buildSchema(c.result!.schema);
  return {
    result: { schema: canonicalSchema(schema), value: canonicalValue(schema, buildValue(schema, c.result!.value)) },
  };
}

const divergence = (name: string) => KNOWN_DIVERGENCES.find((d) => d.cases.test(name))?.reason;

describe("simple converters against Apache Kafka's", () => {
  const encodes = fixtures.encode.map((c) => [encodeName(c), c] as const);
  test.each(encodes.filter(([n]) => !divergence(n)))("%s", (_name, c) => {
    expect(runEncode(c)).toEqual(expectedEncode(c));
  });
  test.each(encodes.filter(([n]) => divergence(n)))("known divergence: %s", (_name, c) => {
    expect(runEncode(c)).not.toEqual(expectedEncode(c));
  });

  const decodes = fixtures.decode.map((c) => [decodeName(c), c] as const);
  test.each(decodes.filter(([n]) => !divergence(n)))("%s", (_name, c) => {
    expect(runDecode(c)).toEqual(expectedDecode(c));
  });
  test.each(decodes.filter(([n]) => divergence(n)))("known divergence: %s", (_name, c) => {
    expect(runDecode(c)).not.toEqual(expectedDecode(c));
  });

  const configures = fixtures.configure.map((c) => [`${shortName(c.converter)} (${role(c)}) configures`, c] as const);
  const configure = (c: Recorded): unknown => {
    try {
      create(c);
      return "configured";
    } catch (e) {
      return errorOf(e);
    }
  };
  test.each(configures.filter(([n]) => !divergence(n)))("%s", (_name, c) => {
    expect(configure(c)).toEqual(c.error ? expectedError(c) : "configured");
  });
  test.each(configures.filter(([n]) => divergence(n)))("known divergence: %s", (_name, c) => {
    expect(configure(c)).not.toEqual(c.error ? expectedError(c) : "configured");
  });

  const headerName = (c: Recorded) =>
    `header ${shortName(c.converter)}${Object.keys(c.config).length ? ` ${JSON.stringify(c.config)}` : ""}`;
  const headerEncodes = fixtures.headerEncode.map(
    (c) => [`${headerName(c)} writes ${JSON.stringify(c.schema?.type ?? null)} ${JSON.stringify(c.value)}`, c] as const,
  );
  test.each(headerEncodes.filter(([n]) => !divergence(n)))("%s", (_name, c) => {
    expect(runEncode(c, true)).toEqual(expectedEncode(c));
  });
  test.each(headerEncodes.filter(([n]) => divergence(n)))("known divergence: %s", (_name, c) => {
    expect(runEncode(c, true)).not.toEqual(expectedEncode(c));
  });
  const headerDecodes = fixtures.headerDecode.map((c) => [`${headerName(c)} reads ${c.input}`, c] as const);
  test.each(headerDecodes.filter(([n]) => !divergence(n)))("%s", (_name, c) => {
    expect(runDecode(c, true)).toEqual(expectedDecode(c));
  });
  test.each(headerDecodes.filter(([n]) => divergence(n)))("known divergence: %s", (_name, c) => {
    expect(runDecode(c, true)).not.toEqual(expectedDecode(c));
  });

  test("every known divergence names at least one case", () => {
    const names = [...encodes, ...decodes, ...configures, ...headerEncodes, ...headerDecodes].map(([n]) => n);
    expect(KNOWN_DIVERGENCES.filter((d) => !names.some((n) => d.cases.test(n)))).toEqual([]);
  });
});
