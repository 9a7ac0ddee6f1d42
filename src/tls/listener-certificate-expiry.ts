/**
 * The WARN an https listener logs about its own certificate (the first of its key store's chain)
 * when it is not valid or expires within EXPIRY_WARNING_DAYS: at start, after each reload, and,
 * for a listener that keeps running, when the certificate enters that window and when it expires.
 * Clients refuse an expired server certificate in the handshake, each with its own alert the
 * gateway never hears about: without this line a forgotten renewal shows only as clients going
 * quiet. Used by the ingest https listener (`../ingest/tls/tls-front-end.ts`, which reads its key
 * store again on a change) and the REST and admin https listeners (`../rest/server.ts`, which read
 * it at start only).
 */
import type { Logger } from "../util/logger.ts";
import { type SetTimer, unrefTimer } from "../util/timer.ts";
import { certificateNotice, certificateValidity, DAY_MS, EXPIRY_WARNING_DAYS } from "./certificate-validity.ts";

export interface ListenerCertificate {
  /** Names the listener, e.g. `The https ingest listener https://0.0.0.0:8443`. */
  readonly listener: string;
  /** The prefix of its `ssl.*` settings (`ingest.listeners.https.`, `listeners.https.`, or ``). */
  readonly prefix: string;
  /** How a renewed key store is taken into use, e.g. `then restart the gateway`. */
  readonly remedy: string;
}

/** The WARN for the listener's certificate chain `cert` at `now`; undefined when it stays valid beyond EXPIRY_WARNING_DAYS. */
export function listenerCertificateWarning(
  cert: string,
  listener: ListenerCertificate,
  now: number,
): string | undefined {
  const notice = certificateNotice(cert, now);
  return (
    notice &&
    `${listener.listener}: ${notice}; clients refuse it in the TLS handshake once it is not valid: renew the key store (${listener.prefix}ssl.keystore.*), ${listener.remedy}`
  );
}

export interface CertificateExpiryWatchOptions {
  /** The WARN for the certificate chain at `now`; undefined while it stays valid beyond EXPIRY_WARNING_DAYS. */
  readonly warning: (cert: string, now: number) => string | undefined;
  readonly log: Logger;
  /** Wall-clock ms. */
  readonly now: () => number;
  /** Default unrefTimer; tests pass clockTimer(manualClock). */
  readonly setTimer?: SetTimer;
}

/**
 * Watches a certificate in use: `watch` at start and after each reload (a WARN now when due, then
 * one when it enters the warning window and one when it expires; the previous certificate's timers
 * cleared), `stop` when its user stops. The listeners' (ListenerCertificateExpiry) and the HTTP
 * connectors' tasks' client certificates (../http/client-certificate-expiry.ts).
 */
export class CertificateExpiryWatch {
  private timer: { cancel(): void } | undefined;
  private readonly setTimer: SetTimer;

  constructor(private readonly options: CertificateExpiryWatchOptions) {
    this.setTimer = options.setTimer ?? unrefTimer;
  }

  /** The certificate chain now in use. */
  watch(cert: string): void {
    this.stop();
    this.warn(cert);
    this.arm(cert);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private warn(cert: string): void {
    const warning = this.options.warning(cert, this.options.now());
    if (warning) this.options.log.warn(warning);
  }

  /** A timer to the next moment the notice changes: the warning window's start, then just past the end. */
  private arm(cert: string): void {
    const validity = certificateValidity(cert);
    if (validity === undefined) return;
    const end = validity.notAfter.getTime();
    const now = this.options.now();
    const next = [end - EXPIRY_WARNING_DAYS * DAY_MS, end + 1].find((moment) => moment > now);
    if (next === undefined) return;
    // A timer of more than ~24.8 days fires at its cap (timerMs): then the moment is not reached yet, armed again.
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      if (this.options.now() >= next) this.warn(cert);
      this.arm(cert);
    }, next - now);
  }
}

export type ListenerCertificateExpiryOptions = ListenerCertificate & Omit<CertificateExpiryWatchOptions, "warning">;

/** The listener's own certificate watched: its WARN is `listenerCertificateWarning`. */
export class ListenerCertificateExpiry extends CertificateExpiryWatch {
  constructor(options: ListenerCertificateExpiryOptions) {
    super({ ...options, warning: (cert, now) => listenerCertificateWarning(cert, options, now) });
  }
}
