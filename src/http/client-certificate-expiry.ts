/**
 * The WARN an HTTP connector's task logs at start when the client certificate it presents (the HTTP
 * sink's `security.cert.client`, the HTTP source's `http.ssl.keystore.*`) is outside its validity
 * window or expires within 7 days, and again while the task runs when it enters its last 7 days and
 * when it expires (`watchClientCertificate`, one timer per task, cleared at stop). An endpoint that requires client certificates refuses an expired
 * one, and with TLS 1.3 the refusal comes after the client's side of the handshake is done: the
 * request fails only with `ECONNRESET: The socket connection was closed unexpectedly`, which names
 * no certificate. Called by both tasks' `start` (http-sink/task.ts; the source's page-fetcher.ts, when it builds its client),
 * and by HttpClient for such a failure (`clientCertificateRefusal`), as the certificate may have
 * expired while the task ran.
 */
import { certificateNotice, validityProblem } from "../tls/certificate-validity.ts";
import { CertificateExpiryWatch } from "../tls/listener-certificate-expiry.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { clockTimer } from "../util/timer.ts";
import type { ClientTls } from "./http-client.ts";

/**
 * The WARN for the client certificate of `tls` at `now`, naming `key` (the config key that gives
 * it, as written), or undefined when there is none or it stays valid for more than 7 days.
 */
export function clientCertificateWarning(tls: ClientTls | undefined, key: string, now: number): string | undefined {
  const notice = certificateNotice(tls?.cert, now);
  return (
    notice &&
    `${key}: ${notice}; an endpoint that requires client certificates refuses it once it is not valid (the connection closes during or right after the TLS handshake): replace the files and restart the task`
  );
}

/**
 * WARNs `clientCertificateWarning` for the client certificate of `tls` now when due, and again when
 * it enters its last 7 days and when it expires while the task runs (timers on the task's clock),
 * until `until` (the task's stop) aborts. Nothing without a client certificate.
 */
export function watchClientCertificate(
  tls: ClientTls | undefined,
  key: string,
  task: { readonly log: Logger; readonly clock: Clock; readonly until: AbortSignal },
): void {
  const cert = tls?.cert;
  if (cert === undefined || task.until.aborted) return;
  const watch = new CertificateExpiryWatch({
    warning: (_cert, now) => clientCertificateWarning(tls, key, now),
    log: task.log,
    now: () => task.clock.now(),
    setTimer: clockTimer(task.clock),
  });
  watch.watch(cert);
  task.until.addEventListener("abort", () => watch.stop(), { once: true });
}

/**
 * What an https request's connection closed by the server may be due to: the client certificate of
 * `tls` not valid at `now` (`the key store's certificate CN=… expired on …, which …`); undefined when
 * there is none or it is valid.
 */
export function clientCertificateRefusal(tls: ClientTls | undefined, now: number): string | undefined {
  const problem = certificateNotice(tls?.cert, now, validityProblem);
  return problem && `${problem}, which an endpoint that requires client certificates refuses`;
}
