/**
 * NodeAvailability: when each broker last had batches ready (not only waiting out a retry's backoff) and when it
 * last took some (a request sent over a connection that is up: Java's client.ready), as Java's
 * RecordAccumulator.NodeLatencyStats (readyTimeMs, drainTimeMs). The RecordAccumulator holds it: the producer
 * pipeline notes both at each turn (ProducePipeline.pumpOnce, through RecordAccumulator.noteReady); the sticky
 * partitioner asks `unavailable` (RecordAccumulator.leaderUnavailable) when it picks a partition for keyless records:
 * with partitioner.availability.timeout.ms > 0 (KIP-794), a broker that had batches ready but took none for longer has
 * its partitions with queued batches left out, as Java's partitionReady (a connection that does not come up, a broker
 * that does not answer). 0 (the default) turns it off and notes nothing.
 */
export class NodeAvailability {
  private readonly readyAt = new Map<number, number>();
  private readonly drainedAt = new Map<number, number>();

  constructor(private readonly timeoutMs: number) {}

  /**
   * `node` had batches ready at `now`; `drained`: it took requests then. A time before one noted already moves
   * neither back (a pump turn that awaited metadata sends at its start's time after batches went meanwhile).
   */
  noted(node: number, now: number, drained: boolean): void {
    if (this.timeoutMs <= 0) return;
    const drainedAt = this.drainedAt.get(node);
    // A broker first seen counts as drained now, as Java's NodeLatencyStats starts.
    if (drainedAt === undefined || (drained && now > drainedAt)) this.drainedAt.set(node, now);
    if (now > (this.readyAt.get(node) ?? Number.NEGATIVE_INFINITY)) this.readyAt.set(node, now);
  }

  /** `node` had batches but took none for more than the timeout (never with timeout 0). */
  unavailable(node: number): boolean {
    if (this.timeoutMs <= 0) return false;
    const ready = this.readyAt.get(node);
    const drained = this.drainedAt.get(node);
    return ready !== undefined && drained !== undefined && ready - drained > this.timeoutMs;
  }
}
