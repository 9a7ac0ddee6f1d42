/**
 * `http.headers` as the HTTP Source document writes it: `Name: value, Name2: value2`. A comma
 * starts a new header only when a header name (an HTTP token, digits first included) and a colon
 * follow it, the colon not starting `//`, and not when both the item it ends and the one it starts
 * are `x:N`, a digit right after the colon (a host:port, a time), unless it starts a credential
 * header (Authorization, X-Api-Key…: a raw key led by a digit is no list item): so values such as
 * `Accept: application/json, text/plain`, `X-Links: https://a/x, https://b/y`,
 * `X-Hosts: a:8080, b:8080` and `X-Window: 10:00, 12:00` keep their commas, while `A:1, B:2`
 * (castorm's own form) and `A: x, 1X: y` are two headers each. A time list goes on only with
 * another time (`X-Window: 10:00, X-Limit:100` is two headers), and in castorm's compact form
 * (`X-Window:10:00,X-Limit:100`: no space after the header's colon nor after the comma) a comma
 * before a `Name:` always starts a header, as castorm's connector splits there (ConfigUtils
 * .breakDownHeaders: every unescaped comma, then each item at its first colon). `\,` is a comma
 * that never starts a header (castorm's escape), sent as `,`.
 * Names are HTTP tokens (RFC 9110 §5.1); values hold no control character and nothing beyond
 * U+00FF, which no request could carry.
 */
import { headerSecrets } from "./echoed-secrets.ts";

/** An unescaped comma, with the white space after it (kept, for a comma that stays in a value). */
const COMMA = /(?<!\\)(,\s*)/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** `Name:` (white space allowed before the colon) not starting `//` (a URL's scheme). */
const NAMED = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*:(?!\/\/)/;
/** An item `x:N`, a digit right after its colon: a host:port, a time (or castorm's `Name:2`). */
const JOINED = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:\d/;
/** An item `N:N`, a time: only another time continues its list. */
const TIME = /^\d+:\d/;
/**
 * A credential header's name, as the list rule below reads it: frozen (the rule of
 * http/secret-headers.ts before it grew), as which headers a config sends must not move when what
 * the logs hide does (`X-Upstreams: a:8080, compass:9090` is one header).
 */
const CREDENTIAL_NAME = /cookie|token|secret|key|auth|passw|credential|session/i;
/** `Name:value`, nothing between the colon and the value: castorm's compact form. */
const COMPACT = /^[^:]*:\S/;
/** Visible ASCII, space, tab and Latin-1 (sent as its bytes): what fetch can put in a header. */
const FIELD_VALUE = /^[\t\x20-\x7e\xa0-\xff]*$/;

export type HeaderList = [string, string][];

/** Whether `name` is an HTTP header name: an RFC 9110 token (fetch's Headers refuses any other). */
export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

/** The headers in order; throws with a readable message on a segment without `Name:`. */
export function parseHeaders(text: string): HeaderList {
  if (text.trim() === "") return [];
  return headerSegments(text).map((segment, i) => {
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
 * The headers castorm's compact form made of what the other forms keep as one value (`X-Hosts:a:8080,b:8080`:
 * headers X-Hosts and b, where `X-Hosts: a:8080, b:8080` is one): the names of each such run, for the
 * connector's WARN at start (never a value). `\,` keeps the comma in the value.
 */
export function compactSplitNames(text: string): string[][] {
  const splits: number[] = [];
  const segments = headerSegments(text, splits);
  const name = (i: number) => segments[i]!.slice(0, segments[i]!.indexOf(":")).trim();
  const runs: number[][] = [];
  for (const at of splits) {
    const run = runs.at(-1);
    if (run?.at(-1) === at - 1) run.push(at);
    else runs.push([at - 1, at]);
  }
  return runs.map((run) => run.map(name));
}

/**
 * `text` cut at the commas that start a header (see above); `compactSplits` receives the index of
 * each segment only castorm's compact form started (another form keeps it in the value before).
 */
function headerSegments(text: string, compactSplits?: number[]): string[] {
  const parts = text.split(COMMA);
  const segments = [parts[0]!];
  // The value's item before the comma: the value itself after its header's colon.
  let item = parts[0]!.slice(parts[0]!.indexOf(":") + 1).trim();
  /** `item` as the spaced form would have it (no comma started a header only by the compact rule). */
  let spacedItem = item;
  let compact = COMPACT.test(parts[0]!.trimStart());
  for (let i = 1; i < parts.length; i += 2) {
    const comma = parts[i]!;
    const next = parts[i + 1]!;
    // In castorm's compact form (`A:1,B:2`, no space after the colon or the comma) every comma
    // before a `Name:` starts a header, as castorm's connector splits at every unescaped comma.
    const joined = listGoesOn(item, next) && !(compact && comma === ",");
    const continues = !NAMED.test(next) || joined;
    if (continues) segments[segments.length - 1] += comma + next;
    else segments.push(next);
    const spacedList = listGoesOn(spacedItem, next);
    if (!continues && spacedList) compactSplits?.push(segments.length - 1);
    if (!continues) compact = COMPACT.test(next);
    const value = next.slice(next.indexOf(":") + 1).trim();
    item = continues ? next.trim() : value;
    spacedItem = continues || spacedList ? next.trim() : value;
  }
  return segments;
}

/**
 * Whether `next` continues a list of `x:N` items after `item` (a host:port, a time: only another
 * time after a time). A credential's name always starts a header: a raw key led by a digit is no
 * list item.
 */
function listGoesOn(item: string, next: string): boolean {
  return (
    JOINED.test(next) &&
    JOINED.test(item) &&
    (!TIME.test(item) || TIME.test(next)) &&
    !CREDENTIAL_NAME.test(next.slice(0, next.indexOf(":")))
  );
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
