/**
 * Plain JSONPath member paths: `$` followed by nothing but member names (`.name`, `['name']`,
 * `["name"]`, a backslash escaping the next character inside quotes) and array indexes (`[0]`).
 * Readers that run for every record compile such a path to direct property access instead of
 * evaluating it with jsonpath-plus: the ingest key (`ingest.key.field`, src/ingest/json-path.ts)
 * and the HTTP source's every-element fast path (connectors/http-source/records.ts), which takes a
 * narrower set still. Anything else (wildcards, filters, slices, unions, recursive descent,
 * spaces) is not a plain member path.
 */

/** A member name, or an array index. */
export type MemberPathSegment = string | number;

const SEGMENT = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\])/;

/**
 * The segments of `path` in order (`$` alone has none), or undefined when `path` is not a plain
 * member path as described above. Quoted names are returned unescaped.
 */
export function memberPathSegments(path: string): MemberPathSegment[] | undefined {
  if (!path.startsWith("$")) return undefined;
  const out: MemberPathSegment[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (!m) return undefined;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push((m[3] ?? m[4])!.replace(/\\(.)/g, "$1"));
    rest = rest.slice(m[0].length);
  }
  return out;
}
