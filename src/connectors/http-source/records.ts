/**
 * From a response body to record values: the body is parsed as JSON and
 * `http.response.records.path` selects the records (jsonpath-plus, script evaluation off: no
 * expression in a config can run code). Each selected element becomes one schemaless value, as
 * JSON.parse made it, so JsonConverter with schemas.enable=false writes the element's JSON.
 */
import { JSONPath } from "jsonpath-plus";
import type { OffsetValue } from "./offsets.ts";

/** The response could not be read as records (not JSON, not UTF-8). */
export class ResponseFormatError extends Error {
  override name = "ResponseFormatError";
}

const decoder = new TextDecoder("utf-8", { fatal: true });

export function parseJsonBody(body: Uint8Array): unknown {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    throw new ResponseFormatError("the response body is not UTF-8 text");
  }
  if (text.trim() === "") throw new ResponseFormatError("the response body is empty, not JSON");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ResponseFormatError(`the response body is not valid JSON (${(error as Error).message})`);
  }
}

/** Every value `path` selects in `json`, in document order. */
export function selectAll(json: unknown, path: string): unknown[] {
  return JSONPath({ path, json: json as object, eval: false, wrap: true }) as unknown[];
}

/** The first value `path` selects, or undefined. */
export function selectFirst(json: unknown, path: string): unknown {
  return selectAll(json, path)[0];
}

/** A record's offset field: a name, a dotted path or a JSONPath. Only strings and numbers count. */
export function fieldValue(record: unknown, field: string): OffsetValue {
  let value: unknown;
  if (field.startsWith("$")) value = selectFirst(record, field);
  else {
    value = record;
    for (const part of field.split(".")) {
      if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
      value = Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined;
    }
  }
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value)) ? value : null;
}
