/**
 * A strict reader of the Prometheus text exposition format (0.0.4) for tests: every family has one
 * `# HELP` then one `# TYPE` before its samples and appears once; sample names are the family's
 * (plus `_bucket`/`_sum`/`_count` for a histogram); label names are valid, label values correctly
 * escaped, no series repeats; a histogram's buckets are cumulative, end with `le="+Inf"` equal to
 * its `_count`. `parsePrometheus` throws on the first violation and returns the samples.
 */

export interface ParsedSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface ParsedFamily {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function parseValue(text: string, line: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`Bad value in: ${line}`);
  return Number(text);
}

/** Labels of `{a="x",b="y"}` starting at `text[0] === "{"`; returns them and the rest after `}`. */
function parseLabels(text: string, line: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  while (text[i] !== "}") {
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new Error(`Bad labels in: ${line}`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`Bad label name ${JSON.stringify(name)} in: ${line}`);
    if (name in labels) throw new Error(`Label ${name} repeated in: ${line}`);
    if (text[eq + 1] !== '"') throw new Error(`Unquoted label value in: ${line}`);
    let value = "";
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`Unterminated label value in: ${line}`);
      if (c === '"') break;
      if (c === "\\") {
        const next = text[j + 1];
        if (next === "\\") value += "\\";
        else if (next === '"') value += '"';
        else if (next === "n") value += "\n";
        else throw new Error(`Bad escape \\${next} in: ${line}`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new Error(`Bad label separator in: ${line}`);
  }
  return { labels, rest: text.slice(i + 1) };
}

function sampleOf(line: string): ParsedSample {
  const brace = line.indexOf("{");
  const space = line.indexOf(" ");
  let name: string;
  let labels: Record<string, string> = {};
  let rest: string;
  if (brace >= 0 && (space < 0 || brace < space)) {
    name = line.slice(0, brace);
    ({ labels, rest } = parseLabels(line.slice(brace), line));
  } else {
    name = line.slice(0, space);
    rest = line.slice(space);
  }
  if (!METRIC_NAME.test(name)) throw new Error(`Bad metric name in: ${line}`);
  const fields = rest.trim().split(" ");
  if (!rest.startsWith(" ") || fields.length < 1 || fields.length > 2) throw new Error(`Bad sample line: ${line}`);
  return { name, labels, value: parseValue(fields[0]!, line) };
}

function checkHistogram(f: ParsedFamily): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}_bucket without le`);
      entry.buckets.push([parseValue(le, le), s.value]);
    } else if (s.name === `${f.name}_count`) entry.count = s.value;
    else if (s.name === `${f.name}_sum`) entry.sum = s.value;
    else throw new Error(`Sample ${s.name} in histogram ${f.name}`);
  }
  for (const [key, h] of series) {
    const where = `${f.name}${key}`;
    if (h.count === undefined || h.sum === undefined) throw new Error(`${where}: no _count or _sum`);
    const last = h.buckets.at(-1);
    if (!last || last[0] !== Number.POSITIVE_INFINITY) throw new Error(`${where}: last bucket is not le="+Inf"`);
    if (last[1] !== h.count) throw new Error(`${where}: +Inf bucket ${last[1]} != _count ${h.count}`);
    for (let i = 1; i < h.buckets.length; i++) {
      const [le0, n0] = h.buckets[i - 1]!;
      const [le1, n1] = h.buckets[i]!;
      if (!(le1 > le0)) throw new Error(`${where}: bucket bounds not ascending`);
      if (n1 < n0) throw new Error(`${where}: buckets not cumulative (le=${le0}: ${n0}, le=${le1}: ${n1})`);
    }
  }
}

export function parsePrometheus(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith("\n")) throw new Error("The exposition does not end with a newline");
  const families = new Map<string, ParsedFamily>();
  const seriesSeen = new Set<string>();
  let current: { name: string; help?: string; type?: string; samples: ParsedSample[] } | undefined;
  const close = () => {
    if (!current) return;
    if (current.help === undefined || current.type === undefined) throw new Error(`${current.name}: no HELP or TYPE`);
    const f = { name: current.name, help: current.help, type: current.type, samples: current.samples };
    if (f.type === "histogram") checkHistogram(f);
    families.set(f.name, f);
  };
  for (const line of text.slice(0, -1).split("\n")) {
    const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
    if (meta) {
      const [, kind, name, rest = ""] = meta;
      if (!METRIC_NAME.test(name!)) throw new Error(`Bad family name in: ${line}`);
      if (current?.name !== name) {
        close();
        if (families.has(name!)) throw new Error(`Family ${name} appears twice`);
        current = { name: name!, samples: [] };
      }
      if (!current) throw new Error("unreachable");
      if (current.samples.length > 0) throw new Error(`${line} after the samples of ${name}`);
      if (kind === "HELP") {
        if (current.help !== undefined) throw new Error(`Second HELP of ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) throw new Error(`Bad escape in: ${line}`);
        current.help = rest;
      } else {
        if (current.type !== undefined) throw new Error(`Second TYPE of ${name}`);
        if (!TYPES.has(rest)) throw new Error(`Bad type in: ${line}`);
        current.type = rest;
      }
      continue;
    }
    if (line.startsWith("#") || line === "") continue;
    const sample = sampleOf(line);
    if (!current) throw new Error(`Sample before any family: ${line}`);
    const suffixes = current.type === "histogram" ? ["_bucket", "_sum", "_count"] : [""];
    if (!suffixes.some((s) => sample.name === `${current!.name}${s}`))
      throw new Error(`Sample ${sample.name} inside family ${current.name}`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seriesSeen.has(key)) throw new Error(`Series repeated: ${line}`);
    seriesSeen.add(key);
    current.samples.push(sample);
  }
  close();
  return families;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
export function sampleValue(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  for (const f of families.values())
    for (const s of f.samples)
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
  return undefined;
}

/** Every sample whose label `label` is `value` (a deleted connector's leftovers). */
export function samplesLabelled(families: Map<string, ParsedFamily>, label: string, value: string): ParsedSample[] {
  return [...families.values()].flatMap((f) => f.samples.filter((s) => s.labels[label] === value));
}
