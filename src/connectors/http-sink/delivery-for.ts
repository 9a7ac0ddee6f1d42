/**
 * The HttpDelivery an HTTP sink task's settings describe (HttpSinkTask.start builds it once): the
 * endpoint's HTTP client (its TLS: trusted certificates, client certificate), the OIDC token
 * provider with the token endpoint's own client when its TLS differs (always verified:
 * tokenEndpointTls), the default Content-Type (the value converter's for one value or for a
 * batch's array: RecordEncoder.valueContentType), which sink.header.Content-Type or a CloudEvents
 * record's content-type overrides, and whether the url is fixed (the encoder's parsed template).
 */
import { HttpClient } from "../../http/http-client.ts";
import { echoedUrlParts, shownUrl } from "../../http/shown-url.ts";
import { TokenProvider } from "../../http/token-provider.ts";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { HttpDelivery } from "./delivery.ts";
import type { PauseGate } from "./pause-gate.ts";
import type { RecordEncoder } from "./record-encoder.ts";
import type { SinkSettings } from "./settings.ts";
import type { SinkMetrics } from "./sink-metrics.ts";

export interface DeliveryDependencies {
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: SinkMetrics;
  /** Aborts when the task stops: no further attempt, and one on the wire is cut off. */
  readonly stopping: AbortSignal;
  /** Closed while the connector is PAUSED: no attempt starts. */
  readonly gate: PauseGate;
}

export function deliveryFor(s: SinkSettings, encoder: RecordEncoder, deps: DeliveryDependencies): HttpDelivery {
  const clientWith = (tls: SinkSettings["tls"]) =>
    new HttpClient({
      connectTimeoutMs: s.timeoutMs,
      requestTimeoutMs: s.timeoutMs,
      // One key bounds both: the wait for the response head (a 2xx's body still arriving at it is delivered).
      timeoutKeys: { connect: "sink.request.timeout", request: "sink.request.timeout" },
      tls,
    });
  const client = clientWith(s.tls);
  const tokens =
    s.oidc &&
    new TokenProvider({
      tokenUrl: s.oidc.tokenUrl,
      urlFromProvider: s.oidc.tokenUrlFromProvider,
      form: s.oidc.form,
      expiryReductionMs: s.oidc.expiryReductionMs,
      client: s.oidc.tls === s.tls ? client : clientWith(s.oidc.tls),
      clock: deps.clock,
      timeoutMs: s.timeoutMs,
    });
  const contentType: [string, string] = ["Content-Type", encoder.valueContentType(!s.singleBodies)];
  return new HttpDelivery(
    {
      method: s.method,
      timeoutMs: s.timeoutMs,
      errorStatuses: s.errorStatuses,
      policy: s.policy,
      retryAfterMaxMs: s.retryAfterMaxMs,
      maxAttempts: s.maxAttempts,
      defaultHeaders: [contentType],
      headers: s.headers,
      tokens: tokens || undefined,
      logRequests: s.logRequests,
      urls: [s.encoder.url, ...(s.oidc ? [s.oidc.tokenUrl] : [])],
      fixedUrl: !encoder.templatedUrl,
      showUrl: shownUrl(s.urlFromProvider),
      echoedUrlParts: s.urlFromProvider ? echoedUrlParts(s.encoder.url) : [],
    },
    client,
    deps.clock,
    deps.log,
    deps.metrics,
    deps.stopping,
    deps.gate,
  );
}
