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
 * `/connectors/..` names a connector `..` as in Connect. The query is not checked.
 */

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

/** The decoded bytes of one segment, or the reason it is refused. */
function decodeSegment(segment: string): Uint8Array | TargetCheck {
  const out: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c !== 0x25) {
      out.push(c);
      continue;
    }
    const h = i + 2 < segment.length ? hex(segment.charCodeAt(i + 1)) : -1;
    const l = h >= 0 ? hex(segment.charCodeAt(i + 2)) : -1;
    if (l < 0) return bad("Bad Request", "badMessage");
    const b = h * 16 + l;
    if (b === 0) return bad("Bad Request", "badMessage");
    if (b === 0x2f) return bad("Ambiguous URI path separator");
    if (b === 0x25) return bad("Ambiguous URI path encoding");
    if (b < 0x20 || b === 0x7f || b === 0x5c) return bad("Suspicious Path Character");
    out.push(b);
    i += 2;
  }
  return Uint8Array.from(out);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function isCheck(value: unknown): value is TargetCheck {
  return typeof value === "object" && value !== null && "ok" in value;
}

/** Checks a path (origin form: starts with `/`) and its query. */
export function checkOriginTarget(target: string): TargetCheck {
  const end = target.search(/[?#]/);
  const path = end < 0 ? target : target.slice(0, end);
  const query = end >= 0 && target[end] === "?" ? target.slice(end + 1).split("#")[0]! : "";
  let backslash = false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x5c) backslash = true;
    else if (c >= 0x80 || PCHAR[c] === 0) return bad("Illegal Path Character");
  }
  if (backslash) return bad("Suspicious Path Character, Illegal Path Character");
  const segments = path.split("/").slice(1);
  let depth = 0;
  for (let i = 0; i < segments.length; i++) {
    const raw = segments[i]!;
    const semicolon = raw.indexOf(";");
    const name = semicolon < 0 ? raw : raw.slice(0, semicolon);
    if (name === "" && semicolon < 0 && i < segments.length - 1) return bad("Ambiguous URI empty segment");
    const decoded = decodeSegment(name);
    if (isCheck(decoded)) return decoded;
    let text: string;
    try {
      text = utf8.decode(decoded);
    } catch {
      return bad("Bad UTF-8 encoding");
    }
    const dot = text === "." || text === "..";
    if (dot && name !== text) return bad("Ambiguous URI path segment");
    if (dot && semicolon >= 0) return bad("Ambiguous URI path parameter");
    if (text === "..") {
      depth--;
      if (depth < 0) return bad("Bad Request", "badMessage");
    } else if (text !== "." && !(text === "" && i === segments.length - 1)) {
      depth++;
    }
  }
  return { ok: true, path, query };
}
