/**
 * A fetched batch that fails its checks (fetch-checks.ts: its CRC-32C, its decompressed size),
 * reported while the kafkajs consumer is still in its group.
 *
 * Thrown into kafkajs, the failure would crash its runner, and kafkajs' crash handling leaves the
 * group before it emits CRASH: the sink task, failing, could then commit nothing of what it put
 * (Connect's closeAllPartitions commits through the consumer that failed, as Java's consumer stays a
 * member after a poll throws). So the Fetch that raises it (fetch-checks.ts: the broker's next one
 * asking the failing partition, after the handler took the answer's partitions before it) is held:
 * the failure goes to the consumer's handlers (onCrash), the fetcher waits, nothing more of that
 * broker's partitions is fetched, and offset commits still go through the running member. At close the held Fetches throw,
 * kafkajs stops its runner and leaves the group as at any close. While held the member sends no
 * heartbeats: the task's flush and commit must end within `session.timeout.ms`, as at a revocation.
 */
import type { KafkaError } from "../../errors.ts";

export class InvalidBatchHold {
  /** Where the failure goes while the consumer runs; undefined once it went, or closed. */
  private report: ((error: KafkaError) => void) | undefined;
  private open = false;
  private readonly held: (() => void)[] = [];
  /** Rejoins of the member (each gives its partitions up): a failure found before one is dropped (fetch-checks.ts). */
  rejoins = 0;

  /** The member gave its partitions up to rejoin. */
  rejoined(): void {
    this.rejoins++;
  }

  /** A (re)started consumer: the first failure from now on goes to `report`. */
  arm(report: (error: KafkaError) => void): void {
    this.report = report;
    this.open = true;
  }

  /** Awaited by a Fetch answer's decode before it throws `error`: until close, once the consumer runs. */
  async failed(error: KafkaError): Promise<void> {
    if (!this.open) return;
    const released = new Promise<void>((resolve) => this.held.push(resolve));
    const report = this.report;
    this.report = undefined;
    report?.(error);
    await released;
  }

  /** At close: the held decodes go on and throw; later failures are thrown at once. */
  release(): void {
    this.open = false;
    this.report = undefined;
    for (const resolve of this.held.splice(0)) resolve();
  }
}
