/**
 * `http.headers` as the HTTP Source document writes it: `Name: value, Name2: value2`. A comma
 * starts a new header only when a header name (a letter first) and a colon follow it, the colon
 * not starting `//`, so values such as `Accept: application/json, text/plain`,
 * `X-Links: https://a/x, https://b/y` and `X-Window: 10:00, 12:00` keep their commas; `\,` is a
 * comma that never starts a header (castorm's kafka-connect-http escapes commas so), sent as `,`.
 * Names are HTTP tokens (RFC 9110 §5.1); values hold no control character and nothing beyond
 * U+00FF, which no request could carry.
 */
import { headerSecrets } from "./echoed-secrets.ts";

const NEXT_HEADER = /(?<!\\),\s*(?=[A-Za-z][!#$%&'*+.^_`|~0-9A-Za-z-]*\s*:(?!\/\/))/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII, space, tab and Latin-1 (sent as its bytes): what fetch can put in a header. */
const FIELD_VALUE = /^[\t\x20-\x7e\xa0-\xff]*$/;

export type HeaderList = [string, string][];

/** The headers in order; throws with a readable message on a segment without `Name:`. */
export function parseHeaders(text: string): HeaderList {
  if (text.trim() === "") return [];
  return text.split(NEXT_HEADER).map((segment, i) => {
    const colon = segment.indexOf(":");
    const name = colon < 0 ? "" : segment.slice(0, colon).trim();
    // The segment itself is not shown: it may hold a credential.
    if (!TOKEN.test(name)) throw new Error(`Header ${i + 1} is not of the form "Name: value"`);
    const value = segment
      .slice(colon + 1)
      .trim()
      .replaceAll("\\,", ",");
    // `${offset}` is encoded when sent (offset-template.ts); the rest is sent as written.
    if (!FIELD_VALUE.test(value.replaceAll("${offset}", "")))
      throw new Error(
        `Header ${i + 1} (${name}) has a character a request header cannot carry: a control character or one beyond U+00FF`,
      );
    return [name, value];
  });
}

/**
 * Hides the values of sensitive headers from the logs (the whole value and the credential after its
 * scheme) until `until` aborts (the task's stop), so rotated credentials do not pile up.
 */
export function holdHeaderSecrets(
  headers: HeaderList,
  logs: { holdSecrets(secrets: Iterable<string>): () => void },
  until: AbortSignal,
): void {
  if (until.aborted) return;
  const release = logs.holdSecrets(headerSecrets(headers));
  until.addEventListener("abort", release, { once: true });
}
