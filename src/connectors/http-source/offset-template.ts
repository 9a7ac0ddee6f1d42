/**
 * `${offset}` in http.url, http.headers and http.request.body: replaced by the offset's text, each
 * place encoding it as it must be. In the URL it is URL-encoded. In a header value, characters a
 * header cannot carry (control characters, CR/LF, anything beyond visible ASCII) are
 * percent-encoded, so a cursor from the API can neither add a header nor make the request
 * unsendable (which would fail the task at every poll, the offset stored). In a JSON body (its
 * Content-Type in http.headers says JSON, or, without one, the body is a JSON object or array) it is
 * JSON-escaped inside a string (`"after": "${offset}"`) and a JSON value outside one (`"after":
 * ${offset}`: a cursor that is itself one JSON value (a number, an object, …) as it is, other text
 * quoted, no offset `null`), so a cursor holding `"` or
 * `\` neither breaks the request nor adds a field. In any other body it is the text as it is.
 * The text is inserted literally: `$&` or `$$` in an offset are not patterns.
 */
import { headerValueOf } from "../../http/header-value.ts";
import type { OffsetValue } from "./offsets.ts";

export type TemplatePlace = "url" | "header" | "body" | "json";

const PLACEHOLDER = "${offset}";

function encoded(text: string, place: TemplatePlace): string {
  // A lone surrogate (a JSON cursor may hold one) has no UTF-8 form: encodeURIComponent threw on
  // it, which failed every poll; it is sent as U+FFFD, as TextEncoder does in a body.
  if (place === "url") return encodeURIComponent(text.toWellFormed());
  if (place === "header") return headerValueOf(text);
  return text;
}

/** `template` with every `${offset}` replaced by `offset` (null: empty), encoded for `place`. */
export function withOffset(template: string, offset: OffsetValue, place: TemplatePlace): string {
  if (!template.includes(PLACEHOLDER)) return template;
  if (place === "json") return inJson(template, offset);
  const text = encoded(offset === null ? "" : String(offset), place);
  // A function: a replacement string would read `$&`, `$$`, … in the offset as patterns.
  return template.replaceAll(PLACEHOLDER, () => text);
}

/**
 * Where `${offset}` goes in http.request.body: "json" when the Content-Type of `headers` says JSON
 * (application/json, anything +json), or when there is none and the body with its placeholders
 * filled is a JSON object or array; else "body".
 */
export function bodyPlace(body: string, headers: readonly (readonly [string, string])[]): "json" | "body" {
  const type = headers.find(([name]) => name.trim().toLowerCase() === "content-type")?.[1];
  if (type !== undefined) return /^\s*[\w.+-]+\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(type) ? "json" : "body";
  // An object or an array: a body of a bare `${offset}` (or a quoted one) stays the text as it is.
  if (!/^\s*[[{]/.test(body)) return "body";
  try {
    JSON.parse(body.replaceAll(PLACEHOLDER, "0"));
    return "json";
  } catch {
    return "body";
  }
}

/** The JSON template with each placeholder JSON-escaped in a string, a JSON value outside one. */
function inJson(template: string, offset: OffsetValue): string {
  const text = offset === null ? "" : String(offset);
  const escaped = JSON.stringify(text).slice(1, -1);
  const value = offset === null ? "null" : isJsonValue(text) ? text : JSON.stringify(text);
  let out = "";
  let inString = false;
  let i = 0;
  while (i < template.length) {
    if (template.startsWith(PLACEHOLDER, i)) {
      out += inString ? escaped : value;
      i += PLACEHOLDER.length;
      continue;
    }
    const ch = template[i]!;
    if (ch === "\\" && inString) {
      out += template.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (ch === '"') inString = !inString;
    out += ch;
    i++;
  }
  return out;
}

/** Whether `text` is exactly one JSON value: inserted as it is, it is that value and nothing more. */
function isJsonValue(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
