/**
 * The HTTP sink task's settings, resolved once from its config: what the encoder, the buffer and
 * the delivery need, the TLS material and the OIDC token request. Static headers come from the
 * `sink.header.<NAME>` family (any spelling); an Authorization value is turned into Basic
 * credentials as Flink's connector does.
 */
import type { Config } from "../../api/connector.ts";
import { configuredBackoff, runningBackoff } from "../../http/backoff-ceiling.ts";
import { basicToken } from "../../http/basic-credentials.ts";
import type { ClientTls } from "../../http/http-client.ts";
import { shownUrl } from "../../http/shown-url.ts";
import { loadPemFiles } from "../../http/tls-material.ts";
import { tokenEndpointTls } from "../../http/token-endpoint-tls.ts";
import type { BackoffPolicy } from "../../util/backoff.ts";
import { HEADER_FAMILY, httpSinkConfig } from "./config.ts";
import { parseDurationMs } from "./config-checks.ts";
import type { BufferLimits } from "./record-buffer.ts";
import type { EncoderSettings } from "./record-encoder.ts";
import { type ErrorStatuses, errorStatuses } from "./status-codes.ts";

export type NullValues = "ignore" | "send" | "delete" | "fail";

export interface SinkSettings {
  readonly encoder: EncoderSettings;
  /**
   * The url came through a config provider (wholly or in part): its path is a secret, shown as
   * `shownUrl` says (shown-url.ts: origin and `/…`), and hidden where an answer echoes it.
   */
  readonly urlFromProvider: boolean;
  readonly limits: BufferLimits;
  /** Single mode (or CloudEvents binary mode): one record per request, the body is its value. */
  readonly singleBodies: boolean;
  readonly method: string;
  /** What a record with a null value does (behavior.on.null.values). */
  readonly nullValues: NullValues;
  readonly timeoutMs: number;
  /** sink.error.code minus sink.error.code.exclude. */
  readonly errorStatuses: ErrorStatuses;
  readonly policy: BackoffPolicy;
  /** The longest Retry-After honoured: sink.retry.after.max.ms, never below the backoff maximum. */
  readonly retryAfterMaxMs: number;
  readonly maxAttempts: number;
  /** User headers (sink.header.*), names as written. */
  readonly headers: [string, string][];
  /** WARNs for the task's start, naming keys only (never a value): see encodedSchemeWarning. */
  readonly warnings: readonly string[];
  /** Requests at once: min(thread-pool size when set, max in-flight). */
  readonly concurrency: number;
  readonly maxBuffered: number;
  readonly maxBufferedBytes: number;
  readonly logRequests: boolean;
  readonly tls: ClientTls | undefined;
  readonly allowSelfSigned: boolean;
  /** errors.tolerance=all: the sink's own tolerance when the task has no errantRecordReporter. */
  readonly tolerateAll: boolean;
  readonly oidc:
    | {
        readonly tokenUrl: string;
        /** Its key came through a config provider: token errors show its origin only. */
        readonly tokenUrlFromProvider: boolean;
        readonly form: string;
        readonly expiryReductionMs: number;
        /** The token endpoint's TLS (tokenEndpointTls: always verified; system roots plus security.cert.server, as Flink's default Java client). */
        readonly tls: ClientTls | undefined;
      }
    | undefined;
}

/** `<scheme> <credentials>`: an auth scheme token (RFC 9110), a space, then something. */
const SCHEMED = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+ +\S/;

/**
 * The WARN for an Authorization value Flink's rule encodes as Basic credentials although it carries
 * a scheme of its own (`Bearer <token>`): the endpoint gets `Basic base64("Bearer <token>")` and
 * answers 401 with nothing in the log saying why. Names the key only: the value, its scheme
 * included (a password with a space would read as one), is never shown.
 */
export function encodedSchemeWarning(key: string, value: string, raw: boolean): string | undefined {
  if (raw || value.startsWith("Basic") || !SCHEMED.test(value)) return undefined;
  return `${key} is sent as Basic credentials (base64-encoded, as Flink's HTTP sink does with a value not starting with Basic), although it looks like <scheme> <credentials>: set use-raw-authorization-header=true to send it as written`;
}

/** Flink's rule: the Authorization value is base64-encoded unless it starts with "Basic" or raw is asked for. */
export function authorizationValue(value: string, raw: boolean): string {
  if (raw || value.startsWith("Basic")) return value;
  return `Basic ${basicToken(value)}`;
}

export const BACKOFF_KEYS = { initial: "sink.retry.backoff.initial.ms", max: "sink.retry.backoff.max.ms" } as const;

/** `providedKeys`: the task context's (PluginContext.providedKeys), for how messages show the url and the token endpoint. */
export function sinkSettings(config: Config, providedKeys?: ReadonlySet<string>): SinkSettings {
  const c = httpSinkConfig.parse(config, providedKeys);
  const single = c["sink.writer.request.mode"].toLowerCase() === "single";
  const cloudEvents = c["sink.cloudevents.binary"];
  const headers: [string, string][] = [];
  const warnings: string[] = [];
  const named = new Set<string>();
  for (const [name, { value: written, key }] of httpSinkConfig.family(config, HEADER_FAMILY)) {
    // Names are case-insensitive: the first spelling wins (the bare key before its aliases, as for every key).
    if (named.has(name.toLowerCase())) continue;
    named.add(name.toLowerCase());
    // A field value has no surrounding white space (RFC 9110 5.5), as the HTTP source's http.headers:
    // a provider value read from a file written with echo ends in a newline.
    const value = written.trim();
    const raw = c["use-raw-authorization-header"];
    const authorization = name.toLowerCase() === "authorization";
    const warning = authorization ? encodedSchemeWarning(key, value, raw) : undefined;
    if (warning) warnings.push(warning);
    headers.push([name, authorization ? authorizationValue(value, raw) : value]);
  }
  const clientCert = c["security.cert.client"];
  const clientKey = c["security.key.client"];
  const serverCerts = c["security.cert.server"];
  const allowSelfSigned = c["security.cert.server.allowSelfSigned"];
  const tls =
    serverCerts.length > 0 || clientCert || clientKey || allowSelfSigned
      ? loadPemFiles({
          serverCerts: { key: "security.cert.server", paths: serverCerts },
          ...(clientCert ? { clientCert: { key: "security.cert.client", path: clientCert } } : {}),
          ...(clientKey ? { clientKey: { key: "security.key.client", path: clientKey } } : {}),
          allowSelfSigned,
        })
      : undefined;
  const tokenRequest = c["security.oidc.token.request"];
  const tokenUrl = c["security.oidc.token.endpoint.url"];
  const retries = c["sink.retry.max-attempts"];
  const backoff = runningBackoff(configuredBackoff(BACKOFF_KEYS, c, httpSinkConfig.canonical(config)));
  const urlFromProvider = httpSinkConfig.isProvided(config, "url", providedKeys);
  return {
    urlFromProvider,
    encoder: {
      url: c.url,
      showUrl: shownUrl(urlFromProvider),
      forwardKeyHeader: c["sink.forward.key.header"],
      forwardHeaders: c["sink.forward.headers"],
      forwardHeadersPrefix: c["sink.forward.headers.prefix"],
      cloudEvents: cloudEvents ? { type: c["sink.cloudevents.type"], source: c["sink.cloudevents.source"] } : null,
      deleteNullValues: c["behavior.on.null.values"].toLowerCase() === "delete",
      utf8Values: !(single || cloudEvents),
    },
    limits: {
      maxBatchRecords: c["sink.batch.max-size"],
      flushBytes: c["sink.flush-buffer.size"],
      flushTimeoutMs: c["sink.flush-buffer.timeout"],
      requestRecords: single || cloudEvents ? 1 : c["sink.request.batch.size"],
    },
    singleBodies: single || cloudEvents,
    method: c["insert-method"].toUpperCase(),
    nullValues: c["behavior.on.null.values"].toLowerCase() as NullValues,
    timeoutMs: c["sink.request.timeout"] * 1000,
    errorStatuses: errorStatuses(c["sink.error.code"], c["sink.error.code.exclude"]),
    policy: backoff,
    retryAfterMaxMs: Math.max(c["sink.retry.after.max.ms"], backoff.maxMs),
    maxAttempts: retries === -1 ? Number.POSITIVE_INFINITY : retries,
    headers,
    warnings,
    concurrency: Math.min(
      c["sink.writer.thread-pool.size"] ?? Number.POSITIVE_INFINITY,
      c["sink.requests.max-inflight"],
    ),
    maxBuffered: c["sink.requests.max-buffered"],
    maxBufferedBytes: c["sink.requests.max-buffered.bytes"],
    logRequests: c["sink.request-callback"] === "slf4j-logger",
    tls,
    allowSelfSigned,
    tolerateAll: (config["errors.tolerance"] ?? "none").trim().toLowerCase() === "all",
    oidc:
      tokenRequest && tokenUrl
        ? {
            tokenUrl,
            tokenUrlFromProvider: httpSinkConfig.isProvided(config, "security.oidc.token.endpoint.url", providedKeys),
            form: tokenRequest.value(),
            expiryReductionMs: parseDurationMs(c["security.oidc.token.expiry.reduction"]) ?? 1000,
            tls: tokenEndpointTls(tls),
          }
        : undefined,
  };
}
