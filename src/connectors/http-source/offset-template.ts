/**
 * `${offset}` in http.url, http.headers and http.request.body: replaced by the offset's text, each
 * place encoding it as it must be. In the URL it is URL-encoded. In a header value, characters a
 * header cannot carry (control characters, CR/LF, anything beyond visible ASCII) are
 * percent-encoded, so a cursor from the API can neither add a header nor make the request
 * unsendable (which would fail the task at every poll, the offset stored). In the body it is the
 * text as it is. The text is inserted literally: `$&` or `$$` in an offset are not patterns.
 */
import { headerValueOf } from "../../http/header-value.ts";
import type { OffsetValue } from "./offsets.ts";

export type TemplatePlace = "url" | "header" | "body";

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
  const text = encoded(offset === null ? "" : String(offset), place);
  // A function: a replacement string would read `$&`, `$$`, … in the offset as patterns.
  return template.replaceAll(PLACEHOLDER, () => text);
}
