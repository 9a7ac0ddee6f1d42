/**
 * A sampled statistic as Kafka's metrics keep the ones Connect shows as averages, maxima and
 * percentages (Avg, Max, Frequencies over `metrics.sample.window.ms`=30000 and
 * `metrics.num.samples`=2): values fall into the current 30 s sample; a new sample replaces the
 * oldest once the current one is 30 s old; a sample older than 2 × 30 s is forgotten. So
 * `avg`/`max`/`mean` describe the last 30–60 s: a slow offset commit or a failed one an hour ago no
 * longer shows. With no value in that time they are 0 (Kafka's would be NaN).
 */
interface Sample {
  start: number;
  count: number;
  sum: number;
  max: number;
}

export class WindowedStat {
  private readonly samples: Sample[] = [];
  private current = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly windowMs = 30_000,
    private readonly numSamples = 2,
  ) {}

  record(value: number): void {
    const now = this.now();
    let sample = this.samples[this.current];
    if (!sample) {
      sample = { start: now, count: 0, sum: 0, max: 0 };
      this.samples.push(sample);
    } else if (now - sample.start >= this.windowMs) {
      this.current = (this.current + 1) % this.numSamples;
      sample = this.samples[this.current];
      if (sample) reset(sample, now);
      else {
        sample = { start: now, count: 0, sum: 0, max: 0 };
        this.samples.push(sample);
      }
    }
    sample.count++;
    sample.sum += value;
    if (sample.count === 1 || value > sample.max) sample.max = value;
  }

  /** The samples still in the window (older ones are reset, as Kafka's purgeObsoleteSamples). */
  private live(): Sample[] {
    const now = this.now();
    for (const s of this.samples) if (now - s.start >= this.numSamples * this.windowMs) reset(s, now);
    return this.samples.filter((s) => s.count > 0);
  }

  /** Values recorded in the window. */
  count(): number {
    let count = 0;
    for (const s of this.live()) count += s.count;
    return count;
  }

  avg(): number {
    let count = 0;
    let sum = 0;
    for (const s of this.live()) {
      count += s.count;
      sum += s.sum;
    }
    return count === 0 ? 0 : sum / count;
  }

  max(): number {
    const live = this.live();
    return live.length === 0 ? 0 : Math.max(...live.map((s) => s.max));
  }
}

function reset(s: Sample, now: number): void {
  s.start = now;
  s.count = 0;
  s.sum = 0;
  s.max = 0;
}
