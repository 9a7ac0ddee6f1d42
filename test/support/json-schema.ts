/**
 * The subset of JSON Schema (2020-12) that /openapi.json uses (type, properties, required, items,
 * enum, anyOf, minimum/maximum, minLength/maxLength, pattern, minItems/maxItems), for the ingest fuzz test
 * (test/ingest-fuzz.test.ts): `schemaErrors` checks a value against a schema, `sampleOf` builds a
 * value that satisfies one from a seeded PRNG (a string with a pattern: one of the schema's examples). Any other keyword is an error, so a spec that grows
 * beyond this subset fails the test instead of passing unchecked.
 */

export type JsonSchema = Record<string, unknown>;

const KNOWN = new Set([
  "type",
  "properties",
  "required",
  "items",
  "enum",
  "anyOf",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
  "examples",
  "minItems",
  "maxItems",
  "description",
  "contentMediaType",
]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(type: string, value: unknown): boolean {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

/** Every way `value` breaks `schema`, as `path: reason` (empty when it satisfies it). */
export function schemaErrors(schema: JsonSchema, value: unknown, path = "$"): string[] {
  for (const key of Object.keys(schema)) if (!KNOWN.has(key)) return [`${path}: unsupported keyword ${key}`];
  if (schema.anyOf) {
    const branches = (schema.anyOf as JsonSchema[]).map((s) => schemaErrors(s, value, path));
    if (!branches.some((e) => e.length === 0)) return [`${path}: no anyOf branch matches (${branches.flat()[0]})`];
  }
  const errors: string[] = [];
  const types = schema.type === undefined ? [] : [schema.type].flat().map(String);
  if (types.length > 0 && !types.some((t) => typeMatches(t, value)))
    return [`${path}: ${typeOf(value)} is not ${types.join("|")}`];
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) errors.push(`${path}: not in enum`);
  if (typeof value === "number" && typeof schema.minimum === "number" && value < schema.minimum)
    errors.push(`${path}: below ${schema.minimum}`);
  if (typeof value === "number" && typeof schema.maximum === "number" && value > schema.maximum)
    errors.push(`${path}: above ${schema.maximum}`);
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && value.length < schema.minLength) errors.push(`${path}: too short`);
    if (typeof schema.maxLength === "number" && value.length > schema.maxLength) errors.push(`${path}: too long`);
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value))
      errors.push(`${path}: does not match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) errors.push(`${path}: too few items`);
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) errors.push(`${path}: too many items`);
    if (schema.items)
      for (const [i, item] of value.entries())
        errors.push(...schemaErrors(schema.items as JsonSchema, item, `${path}[${i}]`));
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? [])
      if (!(key in object)) errors.push(`${path}: missing ${key}`);
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const [key, sub] of Object.entries(properties))
      if (key in object) errors.push(...schemaErrors(sub, object[key], `${path}.${key}`));
  }
  return errors;
}

export const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
export const int = (rng: () => number, below: number): number => Math.floor(rng() * below);

export function randomString(rng: () => number, max = 12): string {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ é√😀"\\';
  return Array.from({ length: int(rng, max) + 1 }, () => pick(rng, [...chars])).join("");
}

/** Any JSON value up to `depth` levels deep. */
export function randomJson(rng: () => number, depth = 3): unknown {
  const kind = int(rng, depth > 0 ? 7 : 5);
  if (kind === 0) return null;
  if (kind === 1) return rng() < 0.5;
  if (kind === 2) return int(rng, 2_000_000) - 1_000_000;
  if (kind === 3) return Math.round(rng() * 1e6) / 100;
  if (kind === 4) return randomString(rng);
  if (kind === 5) return Array.from({ length: int(rng, 4) }, () => randomJson(rng, depth - 1));
  return Object.fromEntries(
    Array.from({ length: int(rng, 4) }, () => [randomString(rng, 6), randomJson(rng, depth - 1)]),
  );
}

/** A value that satisfies `schema`: required properties always, optional ones half of the time. */
export function sampleOf(schema: JsonSchema, rng: () => number): unknown {
  if (schema.anyOf) return sampleOf(pick(rng, schema.anyOf as JsonSchema[]), rng);
  if (schema.enum) return pick(rng, schema.enum as unknown[]);
  const type = [schema.type ?? "any"].flat()[0];
  const min = typeof schema.minimum === "number" ? schema.minimum : -1000;
  switch (type) {
    case "null":
      return null;
    case "boolean":
      return rng() < 0.5;
    case "integer":
      return min + int(rng, 3);
    case "number":
      return min + int(rng, 1000);
    case "string": {
      if (schema.pattern !== undefined) return pick(rng, schema.examples as string[]);
      const s = randomString(rng, Math.min(Number(schema.maxLength ?? 12), 12));
      return s.length >= Number(schema.minLength ?? 0) ? s : "x";
    }
    case "array": {
      const lo = Number(schema.minItems ?? 0);
      const n = lo + int(rng, Math.min(Number(schema.maxItems ?? lo + 3), lo + 3) - lo + 1);
      return Array.from({ length: n }, () =>
        schema.items ? sampleOf(schema.items as JsonSchema, rng) : randomJson(rng),
      );
    }
    case "object": {
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>))
        if (required.has(key) || rng() < 0.5) out[key] = sampleOf(sub, rng);
      return out;
    }
    default:
      return randomJson(rng);
  }
}
