/**
 * Apache Kafka's own SMTs and predicates against ours: every case in test/fixtures/transforms
 * (Apache's connect-transforms configured and applied by GenerateTransformFixtures.java) is run
 * through our transform or predicate of the same class name, and the output record, the predicate's
 * answer or the error (Java class and message, and whether configure or apply threw) must match.
 */
import { describe, expect, test } from "bun:test";
import type { Predicate, Transformation } from "../api/transformation.ts";
import { javaClassOf } from "../errors.ts";
import type { PluginDescriptor } from "../plugin/descriptor.ts";
import { predicatePlugins, transformationPlugins } from "./index.ts";
import {
  buildRecord,
  canonicalRecord,
  expectedRecord,
  loadTransformFixtures,
  type RecordedCase,
} from "./util/recorded-fixtures.ts";

const { records, cases } = await loadTransformFixtures();

/**
 * Cases where we knowingly differ, each with why. The test checks that they still differ, so the
 * list cannot go stale: a case that starts to match must leave it.
 */
const KNOWN_DIVERGENCES: readonly { readonly cases: RegExp; readonly reason: string }[] = [
  {
    cases:
      /^(Flatten|InsertField on a) schemaless primitive|^MaskField (int8=-129|int16=70000) on map|^TimestampConverter (schemaless int32|whole schemaless int) to|^ExtractField V2 (a\.b\.c on dotted map|nulls int32\.x (kept null )?on v2 map)|^TimestampConverter chained (i8|i16|whole schemaless (Byte|Short) .*) to|^Flatten chained whole schemaless (Byte|Short)/,
    reason:
      "a schemaless whole number keeps only whether it is a Long or a Double (an integral Double is a JavaDouble), as " +
      "JsonConverter yields them, where the fixture held an Integer, Byte or Short",
  },
  {
    cases:
      /^TimestampConverter (unix\.precision seconds unix to|whole int64 schema to Timestamp|odd (int64|schemaless long) -?1700000000999999 seconds to)/,
    reason: "a JavaScript Date spans ±8.64e15 ms, a java.util.Date any long: we fail with a DataError instead",
  },
  {
    cases: /^TimestampConverter odd format parse string '1700000000' with yyyy$/,
    reason:
      "the year 1700000000 overflows Java's long milliseconds silently; it is beyond a JavaScript Date, so we fail",
  },
  {
    cases: /^InsertField static\.field=s on|^TimestampRouter without timestamp/,
    reason:
      "Apache's message prints Java objects (InsertField$InsertionSpec@<hash>, a record's toString with byte[] identities)",
  },
  {
    cases: /^HeaderFrom (missing\/hm\/copy on struct|V2 nested) \(|^HeaderFrom V2 (?!a\.b on).* on dotted struct$/,
    reason:
      "Apache fails with a NullPointerException on a field the schema lacks; we name the field in a DataException",
  },
  {
    cases: /^MaskField logical dec (on logical (defaults|values)|kept null on logical values)$/,
    reason:
      "Apache masks a Decimal field with BigDecimal.ZERO (scale 0), which JsonConverter's BASE64 decimal.format then " +
      "refuses for a schema of another scale; we mask with 0 at the schema's scale (0.00), which converts",
  },
  {
    cases: /^ReplaceField (blacklist|whitelist)=string on (struct|map) /,
    reason: "we still honour the blacklist/whitelist aliases Kafka 4.0 removed (see replace-field.ts)",
  },
  {
    cases: /^SetSchemaMetadata (schema\.name=\S+|schema\.version=7) on (int32|decimal) schema/,
    reason:
      "Apache 4.3.1 (and 4.4.0) list the fields of every schema and so fail on a non-struct one (DataException " +
      "'Cannot list fields on non-struct type'); we set the name and version, as Kafka 3.x did",
  },
];

const divergence = (name: string) => KNOWN_DIVERGENCES.find((d) => d.cases.test(name))?.reason;
const plugins = new Map<string, PluginDescriptor>(
  [...transformationPlugins, ...predicatePlugins].map((p) => [p.className, p]),
);

type Outcome =
  | { record: unknown }
  | { dropped: true }
  | { test: boolean }
  | { stage: string; class: string; error: string | null };

// The generator builds schemaless inputs as LinkedHashMaps, to be deterministic; Connect's converters
// give HashMaps, which is what our messages name.
const normaliseMessage = (message: string | null) =>
  message?.replaceAll("java.util.LinkedHashMap", "java.util.HashMap") ?? null;

function errorOutcome(stage: string, e: unknown): Outcome {
  return { stage, class: javaClassOf(e), error: e instanceof Error ? e.message : String(e) };
}

function run(c: RecordedCase): Outcome {
  const descriptor = plugins.get(c.class);
  if (!descriptor) throw new Error(`no plugin ${c.class}`);
  const plugin = descriptor.create() as Transformation | Predicate;
  try {
    plugin.configure(c.config);
  } catch (e) {
    return errorOutcome("configure", e);
  }
  const input = buildRecord(records[c.record]!);
  try {
    if (c.kind === "predicate") return { test: (plugin as Predicate).test(input) };
    const out = (plugin as Transformation).apply(input);
    return out === null ? { dropped: true } : { record: canonicalRecord(out) };
  } catch (e) {
    return errorOutcome("apply", e);
  }
}

function expected(c: RecordedCase): Outcome {
  const r = c.result;
  if ("record" in r) return { record: expectedRecord(records[c.record]!, r.record) };
  if ("error" in r) return { ...r, error: normaliseMessage(r.error) };
  return r;
}

describe("transforms against Apache Kafka's connect-transforms", () => {
  test("the fixtures cover every transformation and predicate", () => {
    const covered = new Set(cases.map((c) => c.class));
    expect([...plugins.keys()].filter((name) => !covered.has(name))).toEqual([]);
  });

  test.each(cases.filter((c) => !divergence(c.name)).map((c) => [c.name, c] as const))("%s", (_name, c) => {
    expect(run(c)).toEqual(expected(c));
  });

  const known = cases.filter((c) => divergence(c.name)).map((c) => [`${c.name}: ${divergence(c.name)}`, c] as const);
  test.each(known)("known divergence: %s", (_name, c) => {
    expect(run(c)).not.toEqual(expected(c));
  });

  test("every known divergence names at least one case", () => {
    expect(KNOWN_DIVERGENCES.filter((d) => !cases.some((c) => d.cases.test(c.name)))).toEqual([]);
  });
});
