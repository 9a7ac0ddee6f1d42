/**
 * Whether the worker has reached its Kafka cluster. Edge hosts often boot before their uplink, so
 * an unreachable broker never stops startup: the gateway logs it once (WARN, with the reason),
 * keeps probing with backoff (1 s doubling to 30 s) and logs when it connects. `GET /` reports
 * the cluster id once known, `/health` says when Kafka has not been reached. Created by app.ts.
 *
 * A broker that answers but refuses the worker's credentials (or denies it the cluster), or with
 * which the TLS handshake fails (Java's SslAuthenticationException: a certificate not trusted, …), is no
 * uplink coming later: Connect fails to start then ("Failed to connect to and describe Kafka
 * cluster"). Until the cluster was first reached, such a refusal stops probing and goes to
 * `onRefused` (main.ts stops the gateway with it); once it was reached, it is an outage like any.
 *
 * With several bootstrap servers one answering broker is enough: each is also asked on its own, in parallel with the
 * lookup and as long, so a broker that accepts connections and never answers (a frozen JVM) listed first neither
 * delays "Connected" nor reports the cluster unreachable (the lookup's client waits request.timeout.ms on it); once the
 * cluster is reached, each broker that did not answer is named in a WARN of its own (explore33 F2), and brokers that
 * answered with different cluster ids (bootstrap.servers listing brokers of different clusters) in one more; the cluster
 * id is the lookup's when it answered. A probe of one broker ends (its client closed) when it gives up or at stop().
 */
import { messageOf } from "../errors.ts";
import { isAccessError, KafkaAccessError } from "../kafka/access-errors.ts";
import { kafkaErrorOf } from "../kafka/send-rejection.ts";
import type { Logger } from "../util/logger.ts";

export interface KafkaReachabilityOptions {
  /** Asks the cluster for its id (the admin client's describeCluster). */
  readonly lookup: () => Promise<string>;
  /** Asks one bootstrap server alone for the cluster id, on a client of its own (with several bootstrap servers). */
  readonly lookupAt?: (broker: string, signal: AbortSignal) => Promise<string>;
  /** bootstrap.servers */
  readonly bootstrap: readonly string[];
  readonly log: Logger;
  /** Longest wait for one lookup. */
  readonly lookupTimeoutMs?: number;
  readonly setTimer?: (run: () => void, ms: number) => { cancel(): void };
  /** A lookup refused (the worker's credentials or access, or a TLS handshake) before the cluster was ever reached. */
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
  /** The probes of one broker in flight, aborted at stop(). */
  private readonly brokerProbes = new Set<AbortController>();

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
    for (const probe of this.brokerProbes) probe.abort(new Error("the gateway stops"));
  }

  private probe(): Promise<void> {
    this.probing ??= this.lookupOnce().finally(() => {
      this.probing = null;
    });
    return this.probing;
  }

  private async lookupOnce(): Promise<void> {
    const bootstrap = this.o.bootstrap.join(",");
    const lookup = this.timed(this.o.lookup());
    lookup.catch(() => {}); // awaited below and by checkBrokers
    const eachBroker = this.o.lookupAt && this.o.bootstrap.length > 1 ? this.askEachBroker(this.o.lookupAt) : null;
    try {
      const id = await (eachBroker ? Promise.any([lookup, ...eachBroker.map((b) => b.answer)]) : lookup);
      if (this.stopped) return;
      if (this.reachable !== true) {
        this.o.log.info(`Connected to Kafka cluster ${id} at ${bootstrap}`);
        if (eachBroker) void this.checkBrokers(lookup, eachBroker, id);
      }
      this.clusterIdValue = id;
      this.reachable = true;
    } catch (caught) {
      // All failed: a refusal of the worker's access among them, else the lookup's error says why, as with one
      // bootstrap server.
      const errors: unknown[] = caught instanceof AggregateError ? caught.errors : [caught];
      const error = errors.find(refused) ?? errors[0];
      if (this.stopped) return;
      if (this.clusterIdValue === null && this.o.onRefused && refused(error)) {
        this.stopped = true;
        this.o.onRefused(error);
        return;
      }
      if (this.reachable !== false) {
        this.o.log.warn(
          `Kafka at ${bootstrap} is not reachable (${messageOf(error)}); the gateway keeps running, connectors wait, and it connects when the broker appears`,
        );
      } else {
        this.o.log.debug(`Kafka at ${bootstrap} is still not reachable: ${messageOf(error)}`);
      }
      this.reachable = false;
      this.timer = this.schedule(() => void this.probe(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    }
  }

  /** Each bootstrap server asked on its own, within the lookup's time; a probe that gives up is aborted. */
  private askEachBroker(lookupAt: (broker: string, signal: AbortSignal) => Promise<string>): BrokerAnswer[] {
    return this.o.bootstrap.map((broker) => {
      const probe = new AbortController();
      this.brokerProbes.add(probe);
      const answer = this.timed(lookupAt(broker, probe.signal), (reason) => probe.abort(reason)).finally(() =>
        this.brokerProbes.delete(probe),
      );
      answer.catch(() => {}); // awaited by Promise.any and checkBrokers
      return { broker, answer };
    });
  }

  /**
   * Once each bootstrap server answered or failed, the cluster reached: a WARN for each that did not answer, and one
   * when brokers answered with different cluster ids; the lookup's id is kept when it answered, named at INFO when it is
   * not the one the "Connected" INFO named (`announced`).
   */
  private async checkBrokers(lookup: Promise<string>, brokers: BrokerAnswer[], announced: string): Promise<void> {
    const [shared, ...settled] = await Promise.allSettled([lookup, ...brokers.map((b) => b.answer)]);
    if (this.stopped) return;
    if (shared?.status === "fulfilled") this.clusterIdValue = shared.value;
    const firstById = new Map<string, string>();
    settled.forEach((outcome, i) => {
      const { broker } = brokers[i]!;
      if (outcome.status === "fulfilled") {
        if (!firstById.has(outcome.value)) firstById.set(outcome.value, broker);
        return;
      }
      this.o.log.warn(
        `Kafka broker ${broker} of bootstrap.servers did not answer (${messageOf(outcome.reason)}); the cluster answered through the others`,
      );
    });
    const [a, b] = [...firstById];
    if (a && b) {
      this.o.log.warn(
        `Kafka brokers ${a[1]} and ${b[1]} of bootstrap.servers answered with different cluster ids (${a[0]}, ${b[0]}): bootstrap.servers lists brokers of different clusters; the gateway uses cluster ${this.clusterIdValue}`,
      );
    }
    if (this.clusterIdValue !== announced)
      this.o.log.info(`Using Kafka cluster ${this.clusterIdValue} at ${this.o.bootstrap.join(",")}, not ${announced}`);
  }

  /** `answer` rejected once lookupTimeoutMs has passed without it (after `onTimeout` with the same reason). */
  private async timed(answer: Promise<string>, onTimeout?: (reason: Error) => void): Promise<string> {
    const timeoutMs = this.o.lookupTimeoutMs ?? 5000;
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.schedule(() => {
        const reason = new Error(`no answer within ${timeoutMs} ms`);
        onTimeout?.(reason);
        reject(reason);
      }, timeoutMs);
    });
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      timer?.cancel();
    }
  }

  private schedule(run: () => void, ms: number): { cancel(): void } {
    if (this.o.setTimer) return this.o.setTimer(run, ms);
    const t = setTimeout(run, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  }
}

interface BrokerAnswer {
  readonly broker: string;
  readonly answer: Promise<string>;
}

/** The broker refused the worker (its credentials or access), or the TLS handshake with it failed (access-errors.ts). */
function refused(error: unknown): boolean {
  return error instanceof KafkaAccessError || isAccessError(kafkaErrorOf(error));
}
