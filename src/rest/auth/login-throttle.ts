/**
 * LoginThrottle: slows password and token guessing per client address. `auth-middleware.ts` asks
 * `retryAfterMs` before checking credentials (a blocked client gets 429 with Retry-After, and
 * costs no password verify) and reports each failed attempt with `failure`.
 *
 * Rule (README, `rest.authentication.failures.*`): `maxFailures` failed attempts from one address
 * within `lockoutMs` of its first counted failure block that address for `lockoutMs` from the last
 * one. Successes between them do not clear the count: else a guesser sharing an address with a
 * client that logs in, or holding one user's password, would never be blocked. The
 * address is the TCP peer's (X-Forwarded-For is not trusted: anyone can send it), so clients
 * behind one proxy or NAT share a count. An IPv6 address counts by its /64 prefix (`throttledAddress`):
 * a host usually holds a whole /64, so per address it had 2^64 fresh counts (adminauth hunt
 * 2026-12-03); an IPv4-mapped one (a dual-stack listener's IPv4 client) as its IPv4 address. At most `maxClients` addresses are tracked; the oldest
 * entry is dropped first. Windows and blocks are measured on the clock's monotonic reading: a step
 * of the host's clock neither lifts a block nor prolongs one.
 *
 * Concurrent attempts: `inTurn` runs one address's credential checks one after the other, so each
 * sees the failures counted before it. Counted only once a verify ended, 30 guesses sent at once
 * were all verified with `maxFailures` 3 (adminauth hunt 2026-12-03).
 */
import { type Clock, monotonicNow, systemClock } from "../../util/clock.ts";

export interface LoginThrottleOptions {
  /** Failures that block an address; 0 disables the throttle. */
  readonly maxFailures: number;
  readonly lockoutMs: number;
  readonly maxClients?: number;
  readonly clock?: Clock;
}

interface Entry {
  failures: number;
  windowStart: number;
  blockedUntil: number;
}

export const DEFAULT_MAX_CLIENTS = 10_000;

/**
 * What the throttle counts an address under: an IPv4 address as it is, an IPv4-mapped IPv6 one
 * (`::ffff:192.0.2.1`) as its IPv4 address, another IPv6 one as its /64 prefix (`2001:db8:0:1::/64`).
 */
export function throttledAddress(address: string): string {
  const bare = address.replace(/%.*$/, "").toLowerCase();
  if (!bare.includes(":")) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped) return mapped[1] as string;
  const [head = "", tail] = bare.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  // An embedded IPv4 tail (::1.2.3.4) is two groups; only the first four groups matter here.
  const rightGroups = right.flatMap((g) => (g.includes(".") ? ["0", "0"] : [g]));
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - rightGroups.length)).fill("0"), ...rightGroups];
  const prefix = groups.slice(0, 4).map((g) => Number.parseInt(g || "0", 16).toString(16));
  return `${prefix.join(":")}::/64`;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  /** Per address, the end of the last check `inTurn` queued (removed when nothing waits). */
  private readonly turns = new Map<string, Promise<unknown>>();
  private readonly clock: Clock;
  private readonly maxClients: number;

  constructor(private readonly options: LoginThrottleOptions) {
    this.clock = options.clock ?? systemClock;
    this.maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
  }

  get enabled(): boolean {
    return this.options.maxFailures > 0;
  }

  /** How long `client` must wait before trying again; 0 when it may try now. */
  retryAfterMs(client: string): number {
    const entry = this.entries.get(throttledAddress(client));
    if (!this.enabled || entry === undefined) return 0;
    return Math.max(0, entry.blockedUntil - monotonicNow(this.clock));
  }

  /** Counts a failed attempt; returns true when this failure blocks the client. */
  failure(address: string): boolean {
    if (!this.enabled) return false;
    const client = throttledAddress(address);
    const now = monotonicNow(this.clock);
    let entry = this.entries.get(client);
    if (entry === undefined || now - entry.windowStart >= this.options.lockoutMs) {
      entry = { failures: 0, windowStart: now, blockedUntil: entry?.blockedUntil ?? 0 };
    }
    this.entries.delete(client);
    while (this.entries.size >= this.maxClients) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(client, entry);
    entry.failures++;
    if (entry.failures < this.options.maxFailures) return false;
    entry.blockedUntil = now + this.options.lockoutMs;
    entry.failures = 0;
    entry.windowStart = now;
    return true;
  }

  /**
   * Runs `check` once the checks `client` started before it have ended (at once when none is under
   * way, or when the throttle is off), so it sees the failures they counted.
   */
  async inTurn<T>(client: string, check: () => Promise<T>): Promise<T> {
    if (!this.enabled) return check();
    client = throttledAddress(client);
    const previous = this.turns.get(client);
    const run = previous === undefined ? check() : previous.then(check);
    const turn = run.catch(() => {});
    this.turns.set(client, turn);
    try {
      return await run;
    } finally {
      if (this.turns.get(client) === turn) this.turns.delete(client);
    }
  }
}
