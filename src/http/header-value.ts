/**
 * A text made fit to be a request header value, for values that come from data (a record's header
 * or key in the HTTP sink, an API's cursor in the HTTP source's `${offset}`): visible ASCII, space
 * and tab pass; anything else (CR/LF, other control characters, non-ASCII) is percent-encoded as
 * UTF-8, a whole code point at a time, so such a value can neither add a header nor make the
 * request unsendable. A lone surrogate, which has no UTF-8 form, is sent as U+FFFD.
 */
export function headerValueOf(text: string): string {
  if (/^[\t\x20-\x7e]*$/.test(text)) return text;
  return text.toWellFormed().replace(/[^\t\x20-\x7e]/gu, (c) => encodeURIComponent(c));
}

/** RFC 9110's token: what a header name must be (fetch refuses any other, failing the whole request). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}
