/**
 * Makes an expired CRL of the https ingest listener (ssl.crl.location) visible. Once a CRL's
 * nextUpdate has passed, OpenSSL refuses every client certificate the CRL covers (CRL_HAS_EXPIRED),
 * which otherwise shows only as dropped connections and a counter (explore2 G2: a forgotten CRL
 * renewal took the whole fleet offline with a healthy-looking gateway).
 *
 * Called by tls-front-end.ts: `watch` at start and after every reload (a WARN when the CRL loaded
 * has expired already; otherwise one timer to its nextUpdate that WARNs once when it passes, the
 * previous timer cleared), `refused` for each handshake refused for CRL_HAS_EXPIRED (a WARN at most
 * once a minute, with the count since the last one), `stop` when the listener stops. `nextUpdate`
 * (the CRL in use's) is a gauge on /metrics (ingest-server.ts), so operators can alert before expiry.
 */
import type { Logger } from "../../util/logger.ts";
import { RepeatLimiter } from "../../util/repeat-limiter.ts";
import { MAX_TIMER_MS } from "./ingest-tls-config.ts";
import type { RevocationList } from "./revocation-list.ts";

/** Refused handshakes are logged at most this often per listener. */
export const CRL_REFUSALS_LOG_INTERVAL_MS = 60_000;

/**
 * The earliest nextUpdate of the CRLs of a file: from then on some client certificates are
 * refused. Undefined when no CRL has one.
 */
export function crlNextUpdate(crls: readonly RevocationList[]): Date | undefined {
  const dates = crls.map((list) => list.nextUpdate).filter((d): d is Date => d !== undefined);
  return dates.length === 0 ? undefined : new Date(Math.min(...dates.map((d) => d.getTime())));
}

export interface CrlExpiryOptions {
  readonly log: Logger;
  /** Wall-clock ms. */
  readonly now: () => number;
  /** The listener named in the refusal lines (its URL). */
  readonly listener: string;
}

const CONSEQUENCE = "every client certificate it covers is refused until it is renewed";

export class CrlExpiry {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private file: string | undefined;
  private expiredAt: Date | undefined;
  /** Refused handshakes: one WARN a minute, with the count since the last. */
  private readonly refusals: RepeatLimiter;
  private warnedOfRefusals = false;

  constructor(private readonly options: CrlExpiryOptions) {
    this.refusals = new RepeatLimiter(options.now, CRL_REFUSALS_LOG_INTERVAL_MS);
  }

  /** The earliest nextUpdate of the CRL now in use; undefined without one (or without a nextUpdate). */
  get nextUpdate(): Date | undefined {
    return this.expiredAt;
  }

  /** The CRL now in use (none: nothing to watch). */
  watch(crls: readonly RevocationList[] | undefined, file: string | undefined): void {
    this.stop();
    this.file = file;
    const next = crls ? crlNextUpdate(crls) : undefined;
    this.expiredAt = next;
    if (next === undefined) return;
    const left = next.getTime() - this.options.now();
    if (left <= 0) {
      this.options.log.warn(
        `The CRL ${file} expired at ${next.toISOString()} (its nextUpdate has passed): ${CONSEQUENCE}`,
      );
      return;
    }
    this.arm(next, left);
  }

  /** A handshake refused for CRL_HAS_EXPIRED. */
  refused(): void {
    const admitted = this.refusals.admit("CRL_HAS_EXPIRED");
    if (admitted === undefined) return;
    const since = this.warnedOfRefusals ? " since the last such warning" : "";
    this.warnedOfRefusals = true;
    const when = this.expiredAt ? ` at ${this.expiredAt.toISOString()}` : "";
    this.options.log.warn(
      `${admitted.suppressed + 1} TLS handshake(s) on ${this.options.listener} refused${since} because the CRL ${this.file ?? ""} expired${when} (CRL_HAS_EXPIRED): ${CONSEQUENCE}`,
    );
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(next: Date, left: number): void {
    // A nextUpdate beyond the largest timer delay is reached in steps.
    const capped = left > MAX_TIMER_MS;
    this.timer = setTimeout(
      () => {
        if (capped) this.arm(next, left - MAX_TIMER_MS);
        else {
          this.timer = undefined;
          this.options.log.warn(
            `The CRL ${this.file} has expired: its nextUpdate ${next.toISOString()} has passed; ${CONSEQUENCE}`,
          );
        }
      },
      capped ? MAX_TIMER_MS : left,
    );
    this.timer.unref?.();
  }
}
