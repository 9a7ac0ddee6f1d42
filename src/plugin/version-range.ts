/**
 * Maven version ranges as KIP-891 uses them (`GET /connector-plugins/{p}/config?version=R`,
 * `*.plugin.version`): `[1.0,2.0)`, `(,1.0]`, `[1.5,)`, `[1.0]`, comma-joined alternatives; a bare
 * version means exactly that version (Connect turns `4.3.1` into `[4.3.1,4.3.1]`). `toString` is
 * Maven's `VersionRange.toString`, which Connect quotes in its messages. Versions compare by their
 * numeric and alphanumeric parts, as Maven's ComparableVersion does for release versions.
 */
import { BadRequestError } from "../errors.ts";

interface Restriction {
  readonly lower: string | null;
  readonly lowerInclusive: boolean;
  readonly upper: string | null;
  readonly upperInclusive: boolean;
}

export interface VersionRange {
  contains(version: string): boolean;
  toString(): string;
}

function parts(version: string): (number | string)[] {
  return version
    .toLowerCase()
    .split(/[.-]/)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareVersions(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i] ?? 0;
    const q = y[i] ?? 0;
    if (p === q) continue;
    if (typeof p === "number" && typeof q === "number") return p - q;
    if (typeof p === "number") return 1;
    if (typeof q === "number") return -1;
    return p < q ? -1 : 1;
  }
  return 0;
}

function invalid(spec: string, _reason: string): BadRequestError {
  return new BadRequestError(`Invalid version specification: ${spec}`);
}

function restriction(text: string, spec: string): Restriction {
  const lowerInclusive = text.startsWith("[");
  const upperInclusive = text.endsWith("]");
  const inner = text.slice(1, -1);
  const comma = inner.indexOf(",");
  if (comma < 0) {
    if (!lowerInclusive || !upperInclusive || inner.trim() === "") throw invalid(spec, "single version must be [x]");
    return { lower: inner.trim(), lowerInclusive: true, upper: inner.trim(), upperInclusive: true };
  }
  const lower = inner.slice(0, comma).trim() || null;
  const upper = inner.slice(comma + 1).trim() || null;
  if (upper !== null && lower !== null && compareVersions(upper, lower) < 0) throw invalid(spec, "upper < lower");
  return { lower, lowerInclusive, upper, upperInclusive };
}

function bracket(r: Restriction): string {
  const open = r.lowerInclusive ? "[" : "(";
  const close = r.upperInclusive ? "]" : ")";
  return `${open}${r.lower ?? ""},${r.upper ?? ""}${close}`;
}

/** Parses a version spec; throws a 400 for a malformed range. */
export function parseVersionRange(spec: string): VersionRange {
  const text = spec.trim();
  let restrictions: Restriction[];
  if (!text.startsWith("[") && !text.startsWith("(")) {
    restrictions = [{ lower: text, lowerInclusive: true, upper: text, upperInclusive: true }];
  } else {
    restrictions = [];
    const re = /[[(][^\])]*[\])]/g;
    let at = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const between = text.slice(at, m.index).trim();
      if (between !== "" && between !== ",") throw invalid(spec, "unbounded range");
      restrictions.push(restriction(m[0], spec));
      at = m.index + m[0].length;
    }
    if (restrictions.length === 0 || text.slice(at).trim() !== "") throw invalid(spec, "unbounded range");
  }
  return {
    contains: (version) =>
      restrictions.some(
        (r) =>
          (r.lower === null ||
            (r.lowerInclusive ? compareVersions(version, r.lower) >= 0 : compareVersions(version, r.lower) > 0)) &&
          (r.upper === null ||
            (r.upperInclusive ? compareVersions(version, r.upper) <= 0 : compareVersions(version, r.upper) < 0)),
      ),
    toString: () => restrictions.map(bracket).join(","),
  };
}
