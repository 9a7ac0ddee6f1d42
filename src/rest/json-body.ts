/**
 * Request bodies as Connect's Jackson provider reads them: strict JSON, typed entities, config
 * maps whose string/number/boolean values are coerced to strings (`"tasks.max": 2` → `"2"`), and
 * 500 (not 400) for malformed or mistyped bodies, as Connect answers. Responses are serialized
 * with bigint support, compact, in property insertion order.
 */
import { RestError } from "../errors.ts";

export class BodyError extends RestError {
  constructor(message: string) {
    super(500, message);
  }
}

/** Reads the body as JSON; an empty body is `null` (Connect then fails with 500 where one is required). */
export async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text, (_k, v: unknown, ctx?: { source?: string }) =>
      typeof v === "number" && !Number.isSafeInteger(v) && ctx?.source && /^-?\d+$/.test(ctx.source)
        ? BigInt(ctx.source)
        : v,
    );
  } catch (error) {
    throw new BodyError(`Malformed JSON in request body: ${(error as Error).message}`);
  }
}

function describeJson(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** A `Map<String,String>` body: values coerced to strings; null kept (a validation error later). */
export function toConfigMap(body: unknown, what = "request body"): Record<string, string | null> {
  if (body === null || body === undefined) throw new BodyError(`The ${what} is required`);
  if (typeof body !== "object" || Array.isArray(body)) {
    throw new BodyError(
      `Cannot deserialize value of type \`java.util.HashMap<java.lang.String,java.lang.String>\` from ${describeJson(body)}`,
    );
  }
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (v === null) out[k] = null;
    else if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") out[k] = String(v);
    else
      throw new BodyError(`Cannot deserialize value of type \`java.lang.String\` from ${describeJson(v)} (key "${k}")`);
  }
  return out;
}

/** Rejects properties a typed Connect entity does not have (Jackson's FAIL_ON_UNKNOWN_PROPERTIES). */
export function requireObject(body: unknown, entity: string, allowed: readonly string[]): Record<string, unknown> {
  if (body === null || body === undefined) throw new BodyError(`The ${entity} request body is required`);
  if (typeof body !== "object" || Array.isArray(body)) {
    throw new BodyError(`Cannot deserialize value of type \`${entity}\` from ${describeJson(body)}`);
  }
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) {
      throw new BodyError(
        `Unrecognized field "${k}" (class ${entity}), not marked as ignorable (${allowed.length} known properties: ${allowed.map((a) => `"${a}"`).join(", ")})`,
      );
    }
  }
  return body as Record<string, unknown>;
}

export function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? JSON.rawJSON(v.toString()) : v));
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

export function emptyResponse(status: number): Response {
  return new Response(null, { status });
}
