/**
 * BeforeSendHolds: a source task's sends held before they reach the producer, by its connection (a frozen bootstrap
 * broker costs a client one request.timeout.ms) or by the creation of their topics (an admin client waiting on a frozen
 * broker). Once a send has waited RETRY_GRACE_MS from the start of its wait, whichever it waits for then, the wait is
 * `retry` (SourceTaskSender.sendRetry: the task's Degraded trace, ending with how the send waits) until the send's wait
 * ends, its text following the wait it is in; and one WARN per wait until that wait next ends well (`over`), not one per
 * send or per retry of it. Used by SourceTaskSender.ensureProducerAndTopics.
 */
import type { SendRetry } from "../api/connector.ts";
import { RetriableError } from "../errors.ts";
import { RETRY_GRACE_MS } from "../kafka/retry-grace.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";

/** What a held send waits for: the producer's connection, or its topics checked or created. */
export type BeforeSendWait = "connecting" | "topics";

/** Each wait as the held trace and its WARN say it. */
const SAID: Record<BeforeSendWait, { readonly held: string; readonly waits: string; readonly until: string }> = {
  connecting: {
    held: "the producer is still connecting",
    waits: "the send waits for its connection",
    until: "the send waits until its producer connects",
  },
  topics: {
    held: "its topics are still being checked or created",
    waits: "the send waits for them",
    until: "the send waits until they are ready",
  },
};

/** One send's hold (BeforeSendHolds.hold). */
export interface BeforeSendHold {
  /** The send now waits for `wait`: reported at once if its grace is over, else once it is. */
  waitingFor(wait: BeforeSendWait): void;
  /** The send's wait ended (it goes to the producer, failed, or its task stops): its report goes. */
  end(): void;
}

export class BeforeSendHolds {
  private held: SendRetry | undefined;
  /** The waits whose WARN was logged since they last ended well (`over`). */
  private readonly warned = new Set<BeforeSendWait>();

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * The latest report of a send still held, if any: said to be the producer's (the task is still polled), ending with
   * how the send waits (`waits`), not with the producer's retries: nothing has reached the producer yet.
   */
  get retry(): SendRetry | undefined {
    return this.held;
  }

  /** `wait` ended well (a producer connected; a send's topics were all ready): its next hold WARNs again. */
  over(wait: BeforeSendWait): void {
    this.warned.delete(wait);
  }

  /** A send of `count` records starts waiting before its producer: its grace starts now. */
  hold(count: number): BeforeSendHold {
    const ended = new AbortController();
    let wait: BeforeSendWait | undefined;
    let graceOver = false;
    let reported: SendRetry | undefined;
    const report = () => {
      if (!graceOver || wait === undefined || ended.signal.aborted) return;
      const said = SAID[wait];
      const failure = new RetriableError(
        `Kafka has not acknowledged a send of ${count} records within ${RETRY_GRACE_MS / 1000} s: ${said.held}`,
      );
      reported = { failure, byProducer: true, waits: said.until };
      this.held = reported;
      if (this.warned.has(wait)) return;
      this.warned.add(wait);
      this.log.warn(`${failure.message}; ${said.waits}`);
    };
    this.clock.sleep(RETRY_GRACE_MS, ended.signal).then(() => {
      graceOver = true;
      report();
    });
    return {
      waitingFor: (next) => {
        if (next === wait) return;
        wait = next;
        report();
      },
      end: () => {
        ended.abort();
        // Another send's report since (none comes from SourceTaskSender, whose sends wait one at a time) stays.
        if (reported !== undefined && this.held === reported) this.held = undefined;
      },
    };
  }
}
