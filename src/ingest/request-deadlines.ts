/**
 * RequestDeadlines: `ingest.request.timeout.ms` and the "client gone" notice of every ingest request
 * in flight, on one timer. The handler (ingest-handler.ts) starts a RequestAbort when it submits a
 * request's records and ends it when the request has its outcomes; the writer (IngestQueue,
 * SpoolWriter) listens to it as it would to an AbortSignal.
 *
 * Why not an AbortController and a setTimeout per request: under single-record load (thousands of
 * requests a second, each done in a few ms) making, arming, clearing and collecting them was a
 * visible share of the gateway's CPU. Here a request costs one small object in the lane of its
 * timeout. Requests with the same timeout expire in the order they started, so a lane is a FIFO (an
 * array: a request that ends is marked, and dropped once it reaches the head; the lane is compacted
 * when ended ones are more than half of it, so a request stuck until its deadline keeps at most as
 * many ended ones behind it as are in flight) and one timer, armed for the earliest first deadline
 * of all lanes, serves them all. When it fires, every request whose deadline
 * has come aborts, and it re-arms for the next one. With nothing in flight it is not re-armed (an
 * idle gateway does not wake up, and nothing holds the process open at shutdown beyond
 * `CLIENT_WATCH_DELAY_MS`: a timer due that soon is left to fire once rather than cancelled).
 *
 * The client's signal is watched only for requests still in flight `CLIENT_WATCH_DELAY_MS` after
 * they started: getting a request's AbortSignal from Bun and listening to it cost ~2 µs, a tenth of
 * what a single-record request may cost in all, and almost every request has its answer long before.
 * A request whose client left earlier is found then (Bun reports the signal as aborted) and aborts as
 * it would have at once: its queued records are withdrawn, its sent ones "may still be written".
 * Until then its records may go to Kafka, which the client, gone, never learns either way: the same
 * at-least-once outcome as a client leaving just after its records were sent.
 *
 * Time is the injected Clock's (tests drive a ManualClock): a request aborts once the clock has
 * reached its start + timeout, as its own timer would have.
 */
import type { Clock } from "../util/clock.ts";
import {
  type AbortListener,
  CLIENT_GONE_MESSAGE,
  callAbortListener,
  type SubmissionSignal,
  timeoutMessage,
} from "./submission-signal.ts";

/** How long a request runs before its client's signal is watched. */
export const CLIENT_WATCH_DELAY_MS = 100;

/** What RequestDeadlines needs of a request to watch its client later (a fetch Request is one). */
export interface ClientRequest {
  readonly signal: AbortSignal | null | undefined;
}

/** Requests in flight with one timeout, in start order (hence deadline order). */
class Lane {
  entries: RequestAbort[] = [];
  head = 0;
  /** Entries from `head` on still in flight. */
  live = 0;

  constructor(readonly timeoutMs: number) {}
}

/** The abort signal of one request: aborts at its deadline or when its client goes away. */
export class RequestAbort implements SubmissionSignal {
  aborted = false;
  reason: unknown = undefined;
  /** The first listener (a request has one: its writer's); any further ones in `more`. */
  private listener: AbortListener | null = null;
  private more: AbortListener[] | null = null;
  private ended = false;
  /** @internal Aborted or ended, and no longer counted in its lane. */
  forgotten = false;

  constructor(
    private readonly owner: RequestDeadlines,
    /** Clock time at which the request times out. */
    readonly deadline: number,
    readonly lane: Lane,
    /** Clock time from which the client's signal is watched; the request whose signal it is. */
    readonly watchFrom: number,
    public client: ClientRequest | null,
  ) {}

  /** @internal Still waiting for its answer (neither aborted nor ended). */
  get open(): boolean {
    return !this.aborted && !this.ended;
  }

  addEventListener(_type: "abort", listener: AbortListener): void {
    if (this.aborted) return; // as an AbortSignal: a listener added after the abort is not called
    if (this.listener === null) this.listener = listener;
    else if (this.more === null) this.more = [listener];
    else this.more.push(listener);
  }

  /** Removes `listener` (added before); the next one added takes its place. */
  removeEventListener(_type: "abort", listener: AbortListener): void {
    if (this.listener === listener) this.listener = this.more === null ? null : (this.more.shift() ?? null);
    else if (this.more !== null) {
      const at = this.more.indexOf(listener);
      if (at >= 0) this.more.splice(at, 1);
    }
  }

  /** Aborts now (once, and only while the request is in flight); listeners run in the order they were added. */
  abort(reason: Error): void {
    if (this.aborted || this.ended) return;
    this.aborted = true;
    this.reason = reason;
    const first = this.listener;
    const more = this.more;
    this.listener = null;
    this.more = null;
    this.owner.forget(this);
    if (first !== null) callAbortListener(first);
    if (more !== null) for (const listener of more) callAbortListener(listener);
  }

  /**
   * The request has its answer: no abort from now on. The listener on the client's signal stays (it
   * goes with the request; removing it cost more than the rest of the bookkeeping) and does nothing.
   */
  end(): void {
    this.ended = true;
    this.listener = null;
    this.more = null;
    this.owner.forget(this);
  }

  /**
   * Listens to the client's signal now (Bun aborts a request's signal when its client goes away;
   * one read after that says aborted). RequestDeadlines calls it for the request given to `start`.
   */
  watch(client: AbortSignal | null | undefined): void {
    if (!client) return;
    if (client.aborted) this.handleEvent();
    else client.addEventListener("abort", this, { once: true });
  }

  /** EventListener object for the client's signal: no closure per request. */
  handleEvent(): void {
    this.abort(new Error(CLIENT_GONE_MESSAGE));
  }
}

export class RequestDeadlines {
  /** Requests in flight by their timeout (ms); each lane in start order, hence deadline order. */
  private readonly lanes = new Map<number, Lane>();
  /** Requests given a client, in start order (hence `watchFrom` order), until their watch is due. */
  private unwatched: RequestAbort[] = [];
  private unwatchedHead = 0;
  private inFlight = 0;
  private armedFor = Number.POSITIVE_INFINITY;
  private timer: AbortController | undefined;

  constructor(private readonly clock: Clock) {}

  /** Requests being timed now. */
  get size(): number {
    return this.inFlight;
  }

  /**
   * Starts timing a request: it aborts with "Kafka did not acknowledge the records within …" once
   * `timeoutMs` have passed on the clock, unless it ends first; and with "The client closed the
   * connection" when `client`'s signal aborts, looked at once the request has run
   * `CLIENT_WATCH_DELAY_MS`.
   */
  start(timeoutMs: number, client: ClientRequest | null = null): RequestAbort {
    let lane = this.lanes.get(timeoutMs);
    if (lane === undefined) {
      lane = new Lane(timeoutMs);
      this.lanes.set(timeoutMs, lane);
    }
    const now = this.clock.now();
    const entry = new RequestAbort(this, now + timeoutMs, lane, now + CLIENT_WATCH_DELAY_MS, client);
    lane.entries.push(entry);
    lane.live++;
    this.inFlight++;
    let due = entry.deadline;
    if (client !== null) {
      this.unwatched.push(entry);
      if (entry.watchFrom < due) due = entry.watchFrom;
    }
    if (due < this.armedFor) this.arm(due);
    return entry;
  }

  /** Stops the timer; requests still in flight no longer time out. */
  close(): void {
    this.disarm();
  }

  /** @internal RequestAbort calls it when it aborts or ends. */
  forget(entry: RequestAbort): void {
    if (entry.forgotten) return;
    entry.forgotten = true;
    entry.client = null; // an ended request waiting to leave its lane does not hold on to its Request
    const lane = entry.lane;
    lane.live--;
    const entries = lane.entries;
    if (lane.live === 0) {
      lane.entries = [];
      lane.head = 0;
    } else if (entries[lane.head] === entry) {
      let head = lane.head + 1;
      while (entries[head]!.forgotten) head++; // stops at a live entry: there is one
      lane.head = head;
      if (head > 1024 && head * 2 > entries.length) {
        lane.entries = entries.slice(head);
        lane.head = 0;
      }
    } else if (entries.length - lane.head > 4096 && lane.live * 2 < entries.length - lane.head) {
      // Ended requests behind a long one still in flight: keep only the live ones.
      lane.entries = entries.slice(lane.head).filter((e) => !e.forgotten);
      lane.head = 0;
    }
    this.inFlight--;
    // Nothing in flight: a timer due within CLIENT_WATCH_DELAY_MS stays (under load the last request
    // ends many times a second, and cancelling and re-making the timer each time cost more than the
    // rest of this bookkeeping); it fires once, finds nothing and is not re-armed. A later one goes.
    if (this.inFlight === 0) {
      this.unwatched = [];
      this.unwatchedHead = 0;
      if (this.armedFor - this.clock.now() > CLIENT_WATCH_DELAY_MS) this.disarm();
    }
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    let next = this.watchDue(now);
    for (const lane of this.lanes.values()) {
      // Aborting forgets the entry, which moves the lane's head (or replaces its array): re-read both.
      while (lane.head < lane.entries.length) {
        const entry = lane.entries[lane.head]!;
        if (entry.forgotten) {
          lane.head++;
          continue;
        }
        if (entry.deadline > now) {
          if (entry.deadline < next) next = entry.deadline;
          break;
        }
        entry.abort(new Error(timeoutMessage(lane.timeoutMs)));
      }
    }
    if (next < this.armedFor) this.arm(next);
  }

  /** Watches the clients of the requests whose watch is due; returns when the next one is. */
  private watchDue(now: number): number {
    const queue = this.unwatched;
    let head = this.unwatchedHead;
    while (head < queue.length) {
      const entry = queue[head]!;
      if (entry.watchFrom > now) break;
      head++;
      if (entry.open) entry.watch(entry.client?.signal);
    }
    // A client found gone may have ended the last request in flight: everything was cleared then.
    if (this.unwatched !== queue) return Number.POSITIVE_INFINITY;
    if (head === queue.length) {
      this.unwatched = [];
      this.unwatchedHead = 0;
      return Number.POSITIVE_INFINITY;
    }
    this.unwatchedHead = head;
    if (head > 1024 && head * 2 > queue.length) {
      this.unwatched = queue.slice(head);
      this.unwatchedHead = 0;
    }
    return queue[head]!.watchFrom;
  }

  private arm(at: number): void {
    this.timer?.abort();
    const timer = new AbortController();
    this.timer = timer;
    this.armedFor = at;
    void this.clock.sleep(Math.max(1, at - this.clock.now()), timer.signal).then(() => {
      if (!timer.signal.aborted) this.fire();
    });
  }

  private disarm(): void {
    // Nothing in flight: no client left to watch either.
    this.unwatched = [];
    this.unwatchedHead = 0;
    this.timer?.abort();
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }
}
