/**
 * Request and response bodies: request bodies are read by the server (size and time limits) and
 * bound by `jackson/bind.ts` as Connect's Jackson provider binds them (500 with Jackson's message
 * for malformed or mistyped bodies); responses are serialized as Jackson writes them (json-writer.ts:
 * bigints exact, surrogates escaped), compact, in property insertion order.
 */
import type { Context } from "hono";
import type { RestError } from "../errors.ts";
import { BodyError, bindStringMap } from "./jackson/bind.ts";
import { bindBody } from "./jackson/bind-body.ts";
import { jacksonStringify } from "./jackson/json-writer.ts";

export { BodyError };

/** The request body's bytes, read once by the server under the size and time limits. */
export function bodyOf(c: Context): Uint8Array {
  return (c.get("body" as never) as Uint8Array | undefined) ?? new Uint8Array();
}

/**
 * A `Map<String,String>` body (connector configs, validation): JSON text of numbers and booleans
 * kept (`1.10` stays "1.10"); `null` for an empty body or JSON null, which callers turn into the
 * NullPointerException message Connect answers for that endpoint.
 */
export function readConfigMap(c: Context): Record<string, string | null> | null {
  return bindBody(bodyOf(c), bindStringMap, "java.util.Map");
}

/** Connect's 500 for a null entity: the NullPointerException text its resource method hits. */
export function nullEntity(message: string): RestError {
  return new BodyError(message);
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(jacksonStringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

export function emptyResponse(status: number): Response {
  return new Response(null, { status });
}
