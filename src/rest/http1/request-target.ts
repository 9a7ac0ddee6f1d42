/**
 * The request target checked as Apache Kafka Connect's server (Jetty 12, default URI compliance)
 * checks it before any route sees it, so the gateway refuses the same targets with the same
 * reasons. Called by `http1-connection.ts` once the head is parsed; a target that passes is routed
 * literally (`routingPath` in `server.ts`: no decoding, no dot-segment resolution).
 *
 * Jetty's rules, as observed on Connect 4.3.1: characters outside RFC 3986's pchar in the path are
 * an "Illegal Path Character" (a backslash is also "Suspicious"); an encoded `/`, `%` or `.`/`..`
 * segment, a parameter on a dot segment and an empty segment inside the path are "Ambiguous"; an
 * encoded control character or backslash is "Suspicious"; a broken %-escape, an encoded NUL, or
 * `..` climbing above the root is a plain "Bad Request"; decoded bytes that are not UTF-8 are "Bad
 * UTF-8 encoding". Plain `.` and `..` segments are no error: they stay literal, so
 * `/connectors/..` names a connector `..` as in Connect. The query is not checked. User info in an
 * absolute form's authority (`http://user:pass@host/…`, even an empty `@`) is "Deprecated User Info"
 * (Jetty 12.0.12 and later), listed after the path's violations.
 *
 * A target in neither form may still start with a scheme (`targetScheme`): Jetty's HttpURI reads
 * the text before a `:` as one when no `/`, `;`, `?`, `%` or `#` comes first and the target starts
 * with none of `.`, `%`, `;`, `?`, `#`, `*`, `/`; a scheme that breaks RFC 3986's rule, like
 * anything after a leading `*`, is a bad message.
 *
 * Also what Jetty's stand-in for a request it refused before making it shows of the target
 * (`standInTarget`), and the path and query its request log writes (`pathQuery`).
 */

/** An absolute-form target's scheme and authority (`http://host:8083`), the authority captured. */
export const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/;

export type TargetCheck =
  | { readonly ok: true; readonly path: string; readonly query: string }
  | { readonly ok: false; readonly reason: string; readonly uri: "badURI" | "badMessage" };

const PCHAR = new Uint8Array(128);
for (const c of "-._~!$&'()*+,;=:@/%") PCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) PCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) PCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) PCHAR[c] = 1;

const bad = (reason: string, uri: "badURI" | "badMessage" = "badURI"): TargetCheck => ({ ok: false, reason, uri });

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Jetty's violation messages in the order it lists them when a target has several. */
const VIOLATIONS = [
  "Ambiguous URI path segment",
  "Ambiguous URI empty segment",
  "Ambiguous URI path separator",
  "Ambiguous URI path parameter",
  "Ambiguous URI path encoding",
  "Bad UTF-8 encoding",
  "Suspicious Path Character",
  "Illegal Path Character",
  "Deprecated User Info",
] as const;
type Violation = (typeof VIOLATIONS)[number];

/** The decoded bytes of one segment (violations noted), or null for a broken escape or an encoded NUL. */
function decodeSegment(segment: string, found: Set<Violation>): Uint8Array | null {
  const out: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c !== 0x25) {
      out.push(c);
      continue;
    }
    const h = i + 2 < segment.length ? hex(segment.charCodeAt(i + 1)) : -1;
    const l = h >= 0 ? hex(segment.charCodeAt(i + 2)) : -1;
    if (l < 0) return null;
    const b = h * 16 + l;
    if (b === 0) return null;
    if (b === 0x2f) found.add("Ambiguous URI path separator");
    else if (b === 0x25) found.add("Ambiguous URI path encoding");
    else if (b < 0x20 || b === 0x7f || b === 0x5c) found.add("Suspicious Path Character");
    out.push(b);
    i += 2;
  }
  return Uint8Array.from(out);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Checks a path (origin form: starts with `/`) and its query; `userInfo`: the absolute form it came
 * in had user info in its authority. A broken escape, an encoded NUL or `..` (plain or encoded)
 * above the root is refused first; otherwise every violation is named.
 */
export function checkOriginTarget(target: string, userInfo = false): TargetCheck {
  const end = target.search(/[?#]/);
  const path = end < 0 ? target : target.slice(0, end);
  const query = end >= 0 && target[end] === "?" ? target.slice(end + 1).split("#")[0]! : "";
  const found = new Set<Violation>();
  if (userInfo) found.add("Deprecated User Info");
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x5c) found.add("Suspicious Path Character").add("Illegal Path Character");
    else if (c >= 0x80 || PCHAR[c] === 0) found.add("Illegal Path Character");
  }
  const segments = path.split("/").slice(1);
  let depth = 0;
  for (let i = 0; i < segments.length; i++) {
    const raw = segments[i]!;
    const semicolon = raw.indexOf(";");
    const name = semicolon < 0 ? raw : raw.slice(0, semicolon);
    const last = i === segments.length - 1;
    if (name === "" && semicolon < 0 && !last) found.add("Ambiguous URI empty segment");
    const decoded = decodeSegment(name, found);
    if (decoded === null) return bad("Bad Request", "badMessage");
    let text = "";
    try {
      text = utf8.decode(decoded);
    } catch {
      found.add("Bad UTF-8 encoding");
    }
    const dot = text === "." || text === "..";
    if (dot && name !== text) found.add("Ambiguous URI path segment");
    if (dot && semicolon >= 0) found.add("Ambiguous URI path parameter");
    if (text === "..") depth--;
    else if (text !== "." && !(text === "" && last)) depth++;
    if (depth < 0) return bad("Bad Request", "badMessage");
  }
  if (found.size > 0) return bad(VIOLATIONS.filter((v) => found.has(v)).join(", "));
  return { ok: true, path, query };
}

/**
 * Checks a target in origin or absolute form as Jetty checks it before it makes the request: an
 * absolute form's path (`/` when it has none) with its authority's user info; `null` for any other
 * form (`*`, an authority, a relative path), which the router answers itself.
 */
export function checkTarget(target: string): TargetCheck | null {
  const absolute = ABSOLUTE_FORM.exec(target);
  if (absolute) return checkOriginTarget(target.slice(absolute[0].length) || "/", absolute[1]!.includes("@"));
  return target.startsWith("/") ? checkOriginTarget(target) : null;
}

/** RFC 3986's scheme: a letter, then letters, digits, `+`, `-` and `.`. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/**
 * The scheme Jetty's HttpURI reads at the start of a target that is not origin form (not CONNECT's):
 * `undefined` when it reads none, so the target is a relative path (`connectors`, `.a`, `a/b:c`,
 * `a?b`); `null` when Jetty refuses it as a bad message: the text before the `:` is no scheme
 * (`127.0.0.1:1`, `1a:b`, `a_b:c`, `:a`), or `*` has more after it (HttpURI's ASTERISK state)
 * (Connect 4.3.1, connection-close.json: `target-*`).
 */
export function targetScheme(target: string): string | null | undefined {
  if (target.startsWith("*") && target !== "*") return null;
  if (target === "" || ".%;?#*/".includes(target[0]!)) return undefined;
  const end = target.search(/[:/;?%#]/);
  if (end < 0 || target[end] !== ":") return undefined;
  const scheme = target.slice(0, end);
  return SCHEME.test(scheme) ? scheme : null;
}

/**
 * The target's path and query (Jetty's getPathQuery): an absolute form's scheme and authority, user
 * info included, left out, and the fragment too (Connect 4.3.1 logs `GET /nope#f` as `/nope`).
 */
export function pathQuery(target: string): string {
  const hash = target.indexOf("#");
  const unfragmented = hash < 0 ? target : target.slice(0, hash);
  const absolute = ABSOLUTE_FORM.exec(unfragmented);
  if (!absolute) {
    const scheme = targetScheme(unfragmented);
    return typeof scheme === "string" ? unfragmented.slice(scheme.length + 1) : unfragmented;
  }
  const rest = unfragmented.slice(absolute[0].length);
  return rest.startsWith("/") ? rest : `/${rest}`;
}

/**
 * The target of Jetty's stand-in for a request it never made (error page and request log):
 * `/badURI` for one with URI violations (user info included, so credentials never show), else as sent.
 */
export function standInTarget(target: string): string {
  const checked = checkTarget(target);
  return checked !== null && !checked.ok ? "/badURI" : target;
}
