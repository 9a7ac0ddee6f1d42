/**
 * Whether the worker has reached its Kafka cluster. Edge hosts often boot before their uplink, so
 * an unreachable broker never stops startup: the gateway logs it once (WARN, with the reason),
 * keeps probing with backoff (1 s doubling to 30 s) and logs when it connects. `GET /` reports
 * the cluster id once known, `/health` says when Kafka has not been reached. Created by app.ts.
 *
 * A broker that answers but refuses the worker's credentials (or denies it the cluster), or shows a
 * certificate the worker's trust store does not trust (Java's SslAuthenticationException), is no
 * uplink coming later: Connect fails to start then ("Failed to connect to and describe Kafka
 * cluster"). Until the cluster was first reached, such a refusal stops probing and goes to
 * `onRefused` (main.ts stops the gateway with it); once it was reached, it is an outage like any.
 */
import { messageOf } from "../errors.ts";
import { isAccessError, KafkaAccessError } from "../kafka/access-errors.ts";
import { kafkaErrorOf } from "../kafka/send-rejection.ts";
import type { Logger } from "../util/logger.ts";

export interface KafkaReachabilityOptions {
  /** Asks the cluster for its id (the admin client's describeCluster). */
  readonly lookup: () => Promise<string>;
  readonly bootstrap: string;
  readonly log: Logger;
  /** Longest wait for one lookup. */
  readonly lookupTimeoutMs?: number;
  readonly setTimer?: (run: () => void, ms: number) => { cancel(): void };
  /** A lookup refused for the worker's credentials before the cluster was ever reached. */
  readonly onRefused?: (error: unknown) => void;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export class KafkaReachability {
  private clusterIdValue: string | null = null;
  /** null until the first lookup ends. */
  private reachable: boolean | null = null;
  private probing: Promise<void> | null = null;
  private timer: { cancel(): void } | null = null;
  private retryMs = FIRST_RETRY_MS;
  private stopped = false;

  constructor(private readonly o: KafkaReachabilityOptions) {}

  start(): void {
    void this.probe();
  }

  /** The cluster id; waits for a lookup in flight when nothing is known yet. */
  async clusterId(): Promise<string | null> {
    if (this.clusterIdValue === null && this.reachable === null && this.probing) await this.probing;
    return this.clusterIdValue;
  }

  /** false once a lookup failed and none succeeded since; null before the first lookup ended. */
  get isReachable(): boolean | null {
    return this.reachable;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private probe(): Promise<void> {
    this.probing ??= this.lookupOnce().finally(() => {
      this.probing = null;
    });
    return this.probing;
  }

  private async lookupOnce(): Promise<void> {
    const timeoutMs = this.o.lookupTimeoutMs ?? 5000;
    let cancel: (() => void) | undefined;
    const timeout = new Promise<never>((_, reject) => {
      const t = this.schedule(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      cancel = () => t.cancel();
    });
    try {
      const id = await Promise.race([this.o.lookup(), timeout]);
      if (this.reachable !== true) this.o.log.info(`Connected to Kafka cluster ${id} at ${this.o.bootstrap}`);
      this.clusterIdValue = id;
      this.reachable = true;
    } catch (error) {
      if (this.stopped) return;
      if (this.clusterIdValue === null && this.o.onRefused && refused(error)) {
        this.stopped = true;
        this.o.onRefused(error);
        return;
      }
      if (this.reachable !== false) {
        this.o.log.warn(
          `Kafka at ${this.o.bootstrap} is not reachable (${messageOf(error)}); the gateway keeps running, connectors wait, and it connects when the broker appears`,
        );
      } else {
        this.o.log.debug(`Kafka at ${this.o.bootstrap} is still not reachable: ${messageOf(error)}`);
      }
      this.reachable = false;
      this.timer = this.schedule(() => void this.probe(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    } finally {
      cancel?.();
    }
  }

  private schedule(run: () => void, ms: number): { cancel(): void } {
    if (this.o.setTimer) return this.o.setTimer(run, ms);
    const t = setTimeout(run, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  }
}

/** The broker refused the worker's credentials, or its certificate failed the worker's trust store (TLS). */
function refused(error: unknown): boolean {
  return error instanceof KafkaAccessError || isAccessError(kafkaErrorOf(error));
}
