/**
 * PluginMetrics: metrics a connector task defines for itself (Connect's KIP-877 `pluginMetrics()`),
 * kept per task and rendered on `/metrics` beside the runtime's own families with the task's
 * `connector` and `task` labels. A task asks for a counter, gauge or histogram by name once (at
 * start) and updates it on its hot path: updates are plain field writes.
 */
import type { MetricFamily, Sample } from "./prometheus.ts";

type Labels = Readonly<Record<string, string>>;

const labelKey = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    const entry = this.values.get(k);
    if (entry) entry.value += by;
    else this.values.set(k, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }

  samples(): Sample[] {
    return [...this.values.values()].map(({ labels, value }) => ({ labels, value }));
  }
}

export class Gauge {
  private current = 0;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  set(value: number): void {
    this.current = value;
  }

  get(): number {
    return this.current;
  }
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds, ascending; `+Inf` is implied. */
    readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]!++;
  }

  get observations(): number {
    return this.count;
  }

  samples(): Sample[] {
    return [
      ...this.buckets.map((le, i) => ({ suffix: "_bucket", labels: { le: String(le) }, value: this.counts[i]! })),
      { suffix: "_bucket", labels: { le: "+Inf" }, value: this.count },
      { suffix: "_sum", labels: {}, value: this.sum },
      { suffix: "_count", labels: {}, value: this.count },
    ];
  }
}

type Metric = Counter | Gauge | Histogram;

/** The metrics of one task. Asking twice for the same name returns the same metric. */
export class PluginMetrics {
  private readonly metrics = new Map<string, Metric>();

  counter(name: string, help: string): Counter {
    return this.register(name, () => new Counter(name, help), Counter);
  }

  gauge(name: string, help: string): Gauge {
    return this.register(name, () => new Gauge(name, help), Gauge);
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.register(name, () => new Histogram(name, help, buckets), Histogram);
  }

  private register<M extends Metric>(name: string, make: () => M, kind: abstract new (...args: never[]) => M): M {
    const existing = this.metrics.get(name);
    if (existing) {
      if (!(existing instanceof kind)) throw new TypeError(`Metric ${name} is already defined with another type`);
      return existing;
    }
    const created = make();
    this.metrics.set(name, created);
    return created;
  }

  /** The families, each sample carrying `base` labels (connector, task) first. */
  families(base: Labels): MetricFamily[] {
    return [...this.metrics.values()].map((m) => {
      if (m instanceof Gauge) {
        return { name: m.name, help: m.help, type: "gauge", samples: [{ labels: base, value: m.get() }] };
      }
      const type = m instanceof Counter ? "counter" : "histogram";
      return {
        name: m.name,
        help: m.help,
        type,
        samples: m.samples().map((s) => ({ ...s, labels: { ...base, ...s.labels } })),
      };
    });
  }
}

/** Families of several tasks merged by name (one HELP/TYPE each), in first-seen order. */
export function mergeFamilies(families: readonly MetricFamily[]): MetricFamily[] {
  const byName = new Map<string, MetricFamily>();
  for (const f of families) {
    const seen = byName.get(f.name);
    byName.set(f.name, seen ? { ...seen, samples: [...seen.samples, ...f.samples] } : f);
  }
  return [...byName.values()];
}
