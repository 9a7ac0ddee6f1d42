/**
 * Building blocks for SendCoalescer's unit tests: items of a given size, a sender whose attempts
 * and recoveries the test settles (ManualSender), the coalescer's options (one that hands records out:
 * `handingOut`, its timers on a manual clock: `clockTimer`) and a settlement tracker. Tests only.
 */
import type { ProducedMetadata, ProducerRecord } from "../kafka/kafka-port.ts";
import { type Deferred, deferred } from "../util/async.ts";

import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { clockTimer } from "../util/timer.ts";
import { type BatchResult, SendCoalescer, type Sender, type SendOutcome, type WrittenPart } from "./send-coalescer.ts";

export interface Item {
  readonly name: string;
  readonly produced: ProducerRecord;
}

export const item = (name: string, valueBytes = 10): Item => ({
  name,
  produced: { topic: "t", partition: null, key: null, value: new Uint8Array(valueBytes), headers: [], timestamp: null },
});

const meta = (offset: number): ProducedMetadata => ({ topic: "t", partition: 0, offset, timestamp: null });

/**
 * A sender whose attempts and recoveries the test settles, in any order; each request's record
 * names are kept (attempts and recoveries alike, in call order).
 */
export class ManualSender {
  readonly requests: string[][] = [];
  readonly attempts: {
    names: string[];
    done: Deferred<(ProducedMetadata | null)[]>;
    settled: boolean;
    /** What the coalescer passed for the port's SendOptions.onWritten. */
    onWritten: WrittenPart | undefined;
  }[] = [];
  readonly recoveries: { names: string[]; error: unknown; done: Deferred<SendOutcome> }[] = [];
  /** Each time the coalescer said its recovery ended: how many requests had been made then. */
  readonly recoveryEnds: number[] = [];
  private offset = 0;
  readonly sender: Sender<Item> = {
    attempt: (records, onWritten) => {
      const names = records.map((r) => r.name);
      this.requests.push(names);
      const done = deferred<(ProducedMetadata | null)[]>();
      this.attempts.push({ names, done, settled: false, onWritten });
      return done.promise;
    },
    recover: (records, error) => {
      const names = records.map((r) => r.name);
      this.requests.push(names);
      const done = deferred<SendOutcome>();
      this.recoveries.push({ names, error, done });
      return done.promise;
    },
    recovered: () => void this.recoveryEnds.push(this.requests.length),
  };
  metadata(n: number): ProducedMetadata[] {
    return Array.from({ length: n }, () => meta(this.offset++));
  }
  /** Acknowledges attempt `index` (default: the oldest open one) whole. */
  ack(index = this.attempts.findIndex((a) => !a.settled)): void {
    const a = this.attempts[index]!;
    a.settled = true;
    a.done.resolve(this.metadata(a.names.length));
  }
  fail(index: number, error: unknown): void {
    const a = this.attempts[index]!;
    a.settled = true;
    a.done.reject(error);
  }
  /**
   * Settles the oldest open recovery: all of its records, or only the first `count` (the rest certainly not written
   * when `unwritten`).
   */
  recovered(count?: number, failure?: unknown, unwritten?: true): void {
    const r = this.recoveries.shift()!;
    const metadata = this.metadata(count ?? r.names.length);
    const outcome: SendOutcome = failure === undefined ? { metadata } : { metadata, failure: { error: failure } };
    r.done.resolve(unwritten ? { ...outcome, unwritten } : outcome);
  }
  get open(): number {
    return this.attempts.filter((a) => !a.settled).length;
  }
}

const quiet = new LogManager({ sink: () => {} }).get("test");

export const options = (maxRequests = 1, maxRequestBytes = 1_048_576, maxInFlightBytes = 33_554_432, log = quiet) => ({
  maxRequestBytes,
  maxRequests: () => maxRequests,
  maxInFlightBytes,
  log,
});

/**
 * A coalescer that hands records out (SourceTask.commitsAnyOrder), each hand-out logged as `batch:index@offset,…`; its
 * PARTLY_WRITTEN_SLOT_MS timers run on `clock`.
 */
export function handingOut(
  sender: ManualSender,
  maxRequests: number,
  maxRequestBytes?: number,
  maxInFlightBytes?: number,
) {
  const handed: string[] = [];
  const clock = new ManualClock();
  const coalescer = new SendCoalescer<Item, string>(sender.sender, {
    ...options(maxRequests, maxRequestBytes, maxInFlightBytes),
    handOut: (owner, indexes, metadata) =>
      handed.push(`${owner}:${[...indexes].map((i, k) => `${i}@${metadata[k]!.offset}`).join(",")}`),
    setTimer: clockTimer(clock),
  });
  return { coalescer, handed, clock };
}

/** Collects each batch's settlement, in the order they happen. */
export function track(
  coalescer: SendCoalescer<Item, string> | SendCoalescer<Item>,
  log: string[],
  label: string,
  records: Item[],
): Promise<BatchResult> {
  const done = coalescer.enqueue(records, label);
  done.then(
    (result) =>
      log.push(
        `${label}:${
          result === undefined
            ? "undefined"
            : Array.isArray(result)
              ? result.map((m) => m?.offset).join(",")
              : `not sent from ${result.from}${result.written ? `, written ${[...result.written.keys()].join(",")}` : ""}${result.failure ? `, failed ${String(result.failure.error)}` : ""}`
        }`,
      ),
    (error) => log.push(`${label}:failed ${String(error)}`),
  );
  return done;
}
