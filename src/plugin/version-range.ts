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

/**
 * The runs `/[[(][^\])]*[\])]/g` matches (`[1.0,2.0)`, `(,4.0]`), found in one pass: that pattern
 * rescanned the rest of the spec from every unclosed `[` or `(` (quadratic: a plugin.version of 40k
 * `(` held the event loop for seconds on validate).
 */
export function bracketedRuns(text: string): { index: number; text: string }[] {
  const runs: { index: number; text: string }[] = [];
  for (let open = 0; open < text.length; ) {
    if (text[open] !== "[" && text[open] !== "(") {
      open++;
      continue;
    }
    let close = open + 1;
    while (close < text.length && text[close] !== "]" && text[close] !== ")") close++;
    if (close === text.length) break;
    runs.push({ index: open, text: text.slice(open, close + 1) });
    open = close + 1;
  }
  return runs;
}

/** Parses a version spec; throws a 400 for a malformed range. */
export function parseVersionRange(spec: string): VersionRange {
  const text = spec.trim();
  let restrictions: Restriction[];
  if (!text.startsWith("[") && !text.startsWith("(")) {
    restrictions = [{ lower: text, lowerInclusive: true, upper: text, upperInclusive: true }];
  } else {
    restrictions = [];
    let at = 0;
    for (const m of bracketedRuns(text)) {
      const between = text.slice(at, m.index).trim();
      if (between !== "" && between !== ",") throw invalid(spec, "unbounded range");
      restrictions.push(restriction(m.text, spec));
      at = m.index + m.text.length;
    }
    if (restrictions.length === 0 || text.slice(at).trim() !== "") throw invalid(spec, "unbounded range");
  }
  return rangeOf(restrictions);
}

/** A `plugin.version` value Maven's VersionRange refuses; the message is Maven's. */
export class VersionSpecError extends BadRequestError {}

interface MavenRange {
  readonly restrictions: Restriction[];
  /** A bare version (Maven's recommended version): no restriction of its own. */
  readonly bare: boolean;
}

function mavenRestriction(text: string): Restriction {
  const lowerInclusive = text.startsWith("[");
  const upperInclusive = text.endsWith("]");
  const inner = text.slice(1, -1).trim();
  const comma = inner.indexOf(",");
  if (comma < 0) {
    if (!lowerInclusive || !upperInclusive)
      throw new VersionSpecError(`Single version must be surrounded by []: ${text}`);
    return { lower: inner, lowerInclusive, upper: inner, upperInclusive };
  }
  const lower = inner.slice(0, comma).trim() || null;
  const upper = inner.slice(comma + 1).trim() || null;
  if (upper !== null && lower !== null && compareVersions(upper, lower) < 0) {
    throw new VersionSpecError(`Range defies version ordering: ${text}`);
  }
  return { lower, lowerInclusive, upper, upperInclusive };
}

/** Maven's VersionRange.createFromVersionSpec, with its messages. */
function mavenRange(spec: string): MavenRange {
  const restrictions: Restriction[] = [];
  let rest = spec;
  let upperBound: string | null = null;
  while (rest.startsWith("[") || rest.startsWith("(")) {
    const paren = rest.indexOf(")");
    const square = rest.indexOf("]");
    let end = square;
    if ((square < 0 || paren < square) && paren >= 0) end = paren;
    if (end < 0) throw new VersionSpecError(`Unbounded range: ${spec}`);
    const r = mavenRestriction(rest.slice(0, end + 1));
    if (upperBound !== null && (r.lower === null || compareVersions(r.lower, upperBound) < 0)) {
      throw new VersionSpecError(`Ranges overlap: ${spec}`);
    }
    restrictions.push(r);
    upperBound = r.upper;
    rest = rest.slice(end + 1).trim();
    if (rest.startsWith(",")) rest = rest.slice(1).trim();
  }
  if (rest.length > 0) {
    if (restrictions.length > 0) {
      throw new VersionSpecError(`Only fully-qualified sets allowed in multiple set scenario: ${spec}`);
    }
    return { restrictions: [], bare: true };
  }
  return { restrictions, bare: false };
}

function rangeOf(restrictions: readonly Restriction[]): VersionRange {
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

/**
 * Connect's PluginVersionUtils.connectorVersionRequirement: no requirement for null or exactly
 * `latest` (before trimming: ` latest ` is the version "latest"); a value without restrictions
 * (a bare version, or empty) becomes `[value]`. Throws VersionSpecError with Maven's message.
 */
export function pluginVersionRequirement(spec: string | null | undefined): VersionRange | null {
  if (spec === null || spec === undefined || spec === "latest") return null;
  const text = spec.trim();
  const range = mavenRange(text);
  if (!range.bare && range.restrictions.length > 0) return rangeOf(range.restrictions);
  return rangeOf(mavenRange(`[${text}]`).restrictions);
}

/**
 * Why a plugin's `plugin.version` value refuses it: Maven's message when the value does not parse
 * (`malformed`), Connect's "not found" when none of `versions` (the class's installed versions, one
 * per plugin kind it is installed as) is in the range; undefined when it is satisfied.
 */
export function pluginVersionProblem(
  className: string,
  versions: readonly string[],
  spec: string | null | undefined,
): { message: string; malformed: boolean } | undefined {
  let range: VersionRange | null;
  try {
    range = pluginVersionRequirement(spec);
  } catch (error) {
    if (error instanceof VersionSpecError) return { message: error.message, malformed: true };
    throw error;
  }
  if (range === null || versions.some((v) => range.contains(v))) return undefined;
  const message = `Plugin ${className} not found that matches the version range ${range}, available versions: [${versions.join(", ")}]`;
  return { message, malformed: false };
}
