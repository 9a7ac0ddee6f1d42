/**
 * Request rate limits of the HTTP source.
 *   RequestThrottle  at most `http.throttle.max.requests` request starts per sliding
 *                    `http.throttle.window.ms`, shared by every task of one connector (the
 *                    registry is per process, keyed by connector name). The connector's `stop`
 *                    releases its entry, which is forgotten once its window holds no request: a
 *                    config change, restart or stop and resume (each stops the connector) or a
 *                    namesake created again within the window still counts the window's requests,
 *                    as the API does; a changed limit gets a throttle that counts the requests of the
 *                    old one within the new window. Only requests to the API count: a slot whose
 *                    OAuth2 token request failed is given back (`release`).
 *   RateLimitGate    the server's own limit: when the `http.rate.limit.header` of a response says
 *                    0 requests remain (a number ≤ 0; any other value is ignored), the next
 *                    request waits until `http.rate.limit.reset.header`. A Retry-After (429, 503, 403)
 *                    holds the next request too, also when it outlasts the retries (`holdFor`).
 * Waits use the task's clock and end at once when the task pauses or stops. Windows and waits are
 * measured on its monotonic reading: a step of the host's clock neither holds requests back nor lets
 * them through early (a reset instant a server sends is turned into a wait when it arrives). A wait
 * over a day is not a rate-limit window but a host clock far off (an edge device before its first
 * NTP sync): the fallback wait applies instead, so a wrong clock cannot stall the source for years.
 *   RateLimitWaitLog  the log of those waits: a WARN, at most one a minute (an API whose limit resets
 *                    every second spends it at every request), and a DEBUG line for each wait between;
 *                    but a wait that ends more than that minute after the end the last WARN announced
 *                    is a WARN at once (a 10 s wait warned, then one of hours must not go unseen).
 */
import { type Clock, monotonicNow } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { isHeaderName } from "./headers.ts";

export class RequestThrottle {
  private readonly starts: number[] = [];
  /** The clock of the last `acquire`: the one `starts` were read on. */
  private clock: Clock | undefined;

  constructor(
    readonly maxRequests: number,
    readonly windowMs: number,
  ) {}

  /** Waits for a free slot and takes it; returns the slot (for `release`), or undefined if `signal` aborted first. */
  async acquire(clock: Clock, signal: AbortSignal): Promise<number | undefined> {
    this.clock = clock;
    while (!signal.aborted) {
      const now = monotonicNow(clock);
      while (this.starts.length > 0 && this.starts[0]! <= now - this.windowMs) this.starts.shift();
      if (this.starts.length < this.maxRequests) {
        this.starts.push(now);
        return now;
      }
      await clock.sleep(this.starts[0]! + this.windowMs - now, signal);
    }
    return undefined;
  }

  /** Whether no request started within the last window: the throttle is then as a new one. */
  idle(): boolean {
    const last = this.starts.at(-1);
    return last === undefined || this.clock === undefined || last <= monotonicNow(this.clock) - this.windowMs;
  }

  /**
   * Takes up the requests `old` (the connector's throttle before its limits changed) started within this
   * throttle's window: a changed limit must not let the window's requests through again.
   */
  carryFrom(old: RequestThrottle): void {
    if (old.clock === undefined) return;
    const since = monotonicNow(old.clock) - this.windowMs;
    this.clock = old.clock;
    this.starts.push(...old.starts.filter((start) => start > since));
  }

  /** Gives a slot back: no request was sent with it (its OAuth2 token request failed). */
  release(slot: number): void {
    const at = this.starts.lastIndexOf(slot);
    if (at >= 0) this.starts.splice(at, 1);
  }
}

const throttles = new Map<string, RequestThrottle>();
/** Connectors whose throttle was released (their connector stopped) and is kept until its window is idle. */
const released = new Set<string>();

/** Forgets the released throttles whose windows hold no request any more. */
function forgetIdle(): void {
  for (const connector of released) {
    const throttle = throttles.get(connector);
    if (throttle === undefined || throttle.idle()) {
      throttles.delete(connector);
      released.delete(connector);
    }
  }
}

/**
 * The connector's shared throttle; undefined when unlimited. A changed limit replaces it by one that counts the
 * requests the old one started within the new window.
 */
export function connectorThrottle(connector: string, max: number, windowMs: number): RequestThrottle | undefined {
  forgetIdle();
  released.delete(connector);
  if (max <= 0) {
    throttles.delete(connector);
    return undefined;
  }
  const existing = throttles.get(connector);
  if (existing && existing.maxRequests === max && existing.windowMs === windowMs) return existing;
  const created = new RequestThrottle(max, windowMs);
  if (existing) created.carryFrom(existing);
  throttles.set(connector, created);
  return created;
}

/**
 * Releases the connector's throttle (its connector stopped: deleted, or replaced by a config change or a restart):
 * forgotten once its window holds no request, so that a connector started again within it does not send more
 * than the limit allows in one window.
 */
export function releaseConnectorThrottle(connector: string): void {
  if (throttles.has(connector)) released.add(connector);
  forgetIdle();
}

/** Epoch ms of a reset header value: epoch seconds or ms, or delta seconds when small. */
export function resetTime(value: string, nowMs: number): number | null {
  const n = Number(value.trim());
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    const date = Date.parse(value);
    return Number.isFinite(date) ? date : null;
  }
  if (n >= 1e12) return n;
  if (n >= 1e9) return n * 1000;
  return nowMs + n * 1000;
}

/** The longest wait a reset header can ask for; beyond it the fallback wait applies. */
export const MAX_RESET_WAIT_MS = 24 * 3_600_000;

export class RateLimitGate {
  private until = 0;
  private readonly remainingHeader: string | null;
  private readonly resetHeader: string | null;

  /**
   * A header key that is no header name (`X Rate`: validation refuses it, a config stored before
   * starts with a WARN, validation-only.ts) is as unset: fetch's Headers throws on it, which failed
   * every page whose status the gate reads.
   */
  constructor(
    remainingHeader: string | null,
    resetHeader: string | null,
    /** Wait when the server says 0 remain but gives no reset time. */
    private readonly fallbackMs: number,
  ) {
    this.remainingHeader = remainingHeader && isHeaderName(remainingHeader) ? remainingHeader : null;
    this.resetHeader = resetHeader && isHeaderName(resetHeader) ? resetHeader : null;
  }

  /**
   * Reads the limit headers of a response that arrived now. Returns the wait in ms when they start
   * one (requests did not wait before), for the caller to log: a reset hours away holds the task.
   */
  observe(headers: Headers, clock: Clock): number | undefined {
    if (!this.spent(headers)) return undefined;
    const reset = this.resetHeader ? headers.get(this.resetHeader) : null;
    const wallNow = clock.now();
    const at = reset === null ? null : resetTime(reset, wallNow);
    const waitMs = at === null || at - wallNow > MAX_RESET_WAIT_MS ? this.fallbackMs : at - wallNow;
    const now = monotonicNow(clock);
    const waiting = this.until > now;
    this.until = Math.max(this.until, now + waitMs);
    return waiting || waitMs <= 0 ? undefined : waitMs;
  }

  /** The header whose 0 makes requests wait. */
  get header(): string | null {
    return this.remainingHeader;
  }

  /** Whether the response's `http.rate.limit.header` says no request remains (a number ≤ 0). */
  spent(headers: Headers): boolean {
    if (!this.remainingHeader) return false;
    // The first value when a proxy repeated the header (Headers joins them with ", "); a value that
    // is not a number ("unlimited") says nothing: it must not hold every request for the fallback.
    const first = headers.get(this.remainingHeader)?.split(",")[0]?.trim() ?? "";
    const remaining = first === "" ? Number.NaN : Number(first);
    return remaining <= 0;
  }

  /** Requests wait `ms` from now (a Retry-After), unless they already wait longer. */
  holdFor(ms: number, clock: Clock): void {
    this.until = Math.max(this.until, monotonicNow(clock) + ms);
  }

  /** Until when requests wait (monotonic ms; 0 when they need not). */
  get blockedUntil(): number {
    return this.until;
  }

  async wait(clock: Clock, signal: AbortSignal): Promise<void> {
    const delay = this.until - monotonicNow(clock);
    if (delay > 0) await clock.sleep(delay, signal);
  }
}

/** The least time between two WARNs saying the rate limit is spent. */
export const SPENT_WARN_EVERY_MS = 60_000;

export class RateLimitWaitLog {
  private warnedAt: number | undefined;
  /** Monotonic end of the wait the last WARN announced. */
  private warnedUntil = Number.NEGATIVE_INFINITY;
  private unlogged = 0;

  constructor(private readonly log: Logger) {}

  /**
   * A wait of `waitMs` started, said by `message`: a WARN when none was logged in the last minute
   * (saying how many waits went to DEBUG since the last) or when it ends more than a minute after
   * the wait the last WARN announced, else a DEBUG line.
   */
  waiting(message: string, waitMs: number, clock: Clock): void {
    const now = monotonicNow(clock);
    const recentlyWarned = this.warnedAt !== undefined && now - this.warnedAt < SPENT_WARN_EVERY_MS;
    if (recentlyWarned && now + waitMs - this.warnedUntil <= SPENT_WARN_EVERY_MS) {
      this.unlogged++;
      this.log.debug(message);
      return;
    }
    const n = this.unlogged;
    this.log.warn(
      n === 0 ? message : `${message} (${n} more wait${n === 1 ? "" : "s"} since the last warning, logged at DEBUG)`,
    );
    this.warnedAt = now;
    this.warnedUntil = now + waitMs;
    this.unlogged = 0;
  }
}
