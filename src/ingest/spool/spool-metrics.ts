/**
 * Spool gauges for /metrics, per connector in ingest.ack.mode=spool: records and bytes waiting,
 * age of the oldest record, records drained to Kafka and records quarantined (counters: Kafka
 * refused them for good, spool-writer.ts) and the drain rate over the last
 * minute (from the drained count sampled every second while a writer is attached, so a query reads
 * the minute that just ended whenever it comes: sampled only when queried, two queries 79 s apart
 * gave the rate since the earlier one), and the duration of the last group commit; for the whole worker the bytes its spool
 * holds (`ingest_spool_total_bytes`) and their cap if set (`ingest_spool_total_max_bytes`), and the
 * bytes of recent records kept in memory for the drainers (`ingest_spool_memory_bytes`, within
 * ingest.spool.memory.max.bytes). The task attaches its SpoolWriter when it
 * starts and detaches it when it stops; app.ts adds `families()` to /metrics and `degradedTrace`
 * to the task's status: a spool whose oldest record waits longer than DEGRADED_AFTER_MS means
 * Kafka is not taking the records (unreachable, or slower than the devices; the trace names a topic
 * Kafka answers does not exist, from the task's send being retried). A connector's series
 * outlive its writers (a restarted task counts on) but not the connector: once its config is gone
 * (deleted), its last writer's detach drops them.
 */
import { missingTopicsOf, missingTopicText } from "../../kafka/missing-topic.ts";
import type { MetricFamily } from "../../metrics/prometheus.ts";
import type { SpoolStore } from "../../store/spool-store.ts";
import { type SetTimer, unrefTimer } from "../../util/timer.ts";

interface Drainer {
  readonly drained: number;
  readonly quarantined: number;
}

interface Attached {
  writer: Drainer;
  readonly store: SpoolStore;
  /** (time ms, drained) samples a second apart, oldest first: the last one at least a minute old, and those after it. */
  readonly samples: [number, number][];
  /** Whether `writer` drains (attached and not detached): only then the count moves and is sampled. */
  live: boolean;
  /** Drained (quarantined) by writers of this connector that have stopped. */
  base: number;
  quarantinedBase: number;
}

const WINDOW_MS = 60_000;
const SAMPLE_EVERY_MS = 1_000;
export const DEGRADED_AFTER_MS = 10_000;

export class SpoolMetrics {
  private readonly attached = new Map<string, Attached>();
  /** The spool the last writer attached with (the worker's one; a new one after its worker died). */
  private store: SpoolStore | undefined;
  /**
   * Whether a sampling is armed (while some writer drains). Never cancelled: it ends by itself a second after the
   * last writer detached, and its timer does not hold the process open.
   */
  private sampling = false;

  constructor(
    private readonly now: () => number = Date.now,
    /** Whether the connector still exists (has a config); a deleted one's series go with its last writer. */
    private readonly exists: (connector: string) => boolean = () => true,
    /** Arms the sampling of the drained counts (tests pass clockTimer(manualClock)). */
    private readonly setTimer: SetTimer = unrefTimer,
  ) {}

  attach(connector: string, writer: Drainer, store: SpoolStore): void {
    const previous = this.attached.get(connector);
    const base = previous ? previous.base + previous.writer.drained : 0;
    const quarantinedBase = previous ? previous.quarantinedBase + previous.writer.quarantined : 0;
    // Again at a re-attach: the count did not move while no writer drained (drainRate leaves that time out).
    const samples = previous?.samples ?? [];
    samples.push([this.now(), base]);
    this.attached.set(connector, { writer, store, samples, base, quarantinedBase, live: true });
    this.store = store;
    if (!this.sampling) this.armSampling();
  }

  /** Samples every draining connector's count, and again in a second while one drains. */
  private sample(): void {
    const now = this.now();
    let live = false;
    for (const a of this.attached.values()) {
      if (!a.live) continue;
      live = true;
      a.samples.push([now, a.base + a.writer.drained]);
      while (a.samples.length > 1 && now - a.samples[1]![0] >= WINDOW_MS) a.samples.shift();
    }
    this.sampling = false;
    if (live) this.armSampling();
  }

  private armSampling(): void {
    this.sampling = true;
    this.setTimer(() => this.sample(), SAMPLE_EVERY_MS);
  }

  detach(connector: string, writer: Drainer): void {
    const a = this.attached.get(connector);
    if (a?.writer !== writer) return;
    if (!this.exists(connector)) {
      this.attached.delete(connector);
      return;
    }
    a.base += writer.drained;
    a.quarantinedBase += writer.quarantined;
    a.writer = { drained: 0, quarantined: 0 };
    // What it drained since the last sample counts by the time it stopped, not spread over the pause after.
    if (a.live) a.samples.push([this.now(), a.base]);
    a.live = false;
  }

  /**
   * Records per second drained over the last minute: since the latest sample at least a minute old (to the
   * sampling second), or since the writer first attached when it is younger. When the count did not move from
   * that sample to the next (a writer detached, re-attached later), the time before the minute is left out: it
   * drained nothing in it. A query samples nothing.
   */
  drainRate(connector: string): number {
    const a = this.attached.get(connector);
    if (!a) return 0;
    const now = this.now();
    let from = 0;
    while (from + 1 < a.samples.length && now - a.samples[from + 1]![0] >= WINDOW_MS) from++;
    const [sampled, d0] = a.samples[from]!;
    const still = a.samples[from + 1]?.[1] === d0;
    const t0 = still ? Math.max(sampled, now - WINDOW_MS) : sampled;
    return now > t0 ? ((a.base + a.writer.drained - d0) * 1000) / (now - t0) : 0;
  }

  /** Spool state of one connector, for status traces and tests. */
  snapshot(connector: string) {
    const a = this.attached.get(connector);
    if (!a) return undefined;
    const stats = a.store.stats(connector);
    return {
      records: stats.records,
      bytes: stats.bytes,
      oldestAgeSeconds: stats.oldestAt === null ? 0 : Math.max(0, (this.now() - stats.oldestAt) / 1000),
      drained: a.base + a.writer.drained,
      quarantined: a.quarantinedBase + a.writer.quarantined,
      drainRate: this.drainRate(connector),
      lastCommitMs: a.store.lastCommitMs,
    };
  }

  /**
   * The status trace of a degraded spool, or null while it keeps up; `sendFailure` is why Kafka does
   * not take the task's send being retried, if one is: a topic Kafka does not know is named.
   */
  degradedTrace(connector: string, sendFailure?: unknown): string | null {
    const s = this.snapshot(connector);
    if (!s || s.records === 0 || s.oldestAgeSeconds * 1000 < DEGRADED_AFTER_MS) return null;
    const missing = missingTopicsOf(sendFailure);
    const cause = missing ? missingTopicText(missing) : "Kafka unreachable or slower than the devices";
    return (
      `Degraded: the ingest spool is backing up (${cause}): ` +
      `${s.records} records, ${s.bytes} bytes, oldest ${Math.round(s.oldestAgeSeconds)} s, ` +
      `drain rate ${s.drainRate.toFixed(1)} records/s over the last minute. Requests are still acknowledged from the spool.`
    );
  }

  families(): MetricFamily[] {
    const rows = [...this.attached.keys()].map((connector) => ({ connector, s: this.snapshot(connector)! }));
    const gauge = (
      name: string,
      help: string,
      pick: (s: NonNullable<ReturnType<SpoolMetrics["snapshot"]>>) => number,
      type: "gauge" | "counter" = "gauge",
    ): MetricFamily => ({
      name,
      help,
      type,
      samples: rows.map(({ connector, s }) => ({ labels: { connector }, value: pick(s) })),
    });
    const worker = (name: string, help: string, value: number): MetricFamily => ({
      name,
      help,
      type: "gauge",
      samples: [{ labels: {}, value }],
    });
    const store = this.store;
    if (rows.length === 0 || !store) return [];
    return [
      gauge("ingest_spool_records", "Records in the spool, not yet acknowledged by Kafka.", (s) => s.records),
      gauge("ingest_spool_bytes", "Bytes of records in the spool.", (s) => s.bytes),
      worker(
        "ingest_spool_total_bytes",
        "Bytes of records in the spool of every connector of this worker (deleted connectors' included, appends under way too).",
        store.totalBytes,
      ),
      ...(store.totalMaxBytes === null
        ? []
        : [worker("ingest_spool_total_max_bytes", "The worker's ingest.spool.total.max.bytes.", store.totalMaxBytes)]),
      worker(
        "ingest_spool_memory_bytes",
        "Bytes of recent spool records kept in memory for the drainers of every connector (ingest.spool.memory.max.bytes caps them; the rest is read back from the spool file).",
        store.tailMemory.usedBytes,
      ),
      gauge(
        "ingest_spool_oldest_age_seconds",
        "Age of the oldest record in the spool (0 when empty).",
        (s) => s.oldestAgeSeconds,
      ),
      gauge(
        "ingest_spool_drained_total",
        "Records sent from the spool and acknowledged by Kafka.",
        (s) => s.drained,
        "counter",
      ),
      gauge(
        "ingest_spool_quarantined_total",
        "Records Kafka refused for good (INVALID_TIMESTAMP, MESSAGE_TOO_LARGE, …), moved from the spool to its quarantine table.",
        (s) => s.quarantined,
        "counter",
      ),
      gauge("ingest_spool_drain_rate", "Records per second drained to Kafka over the last minute.", (s) => s.drainRate),
      gauge(
        "ingest_spool_last_commit_ms",
        "Duration of the last group commit (insert and fsync), ms.",
        (s) => s.lastCommitMs,
      ),
    ];
  }
}
