/**
 * The HTTP sink's keys, declared once under the names of Flink's HTTP connector document (its
 * table options `url`, `insert-method`, `sink.*` and its `flink.connector.http.*` properties,
 * here without the prefix). Each key is also accepted with the `flink.connector.http.` and
 * `http.` prefixes (AliasedConfigDef), and so is the `sink.header.<NAME>` family. Called by the
 * connector (validation at start) and the task (settings).
 */
import { backoffAtLeastOne, backoffMs } from "../../http/backoff-ceiling.ts";
import { originOnly } from "../../http/shown-url.ts";
import { AliasedConfigDef } from "../../plugin/config-aliases.ts";
import { check, defineConfig, key } from "../../plugin/config-def.ts";
import * as checks from "./config-checks.ts";

export const HTTP_SINK_CONNECTOR = "io.edgegateway.connect.http.HttpSinkConnector";
export const HTTP_SINK_TASK = "io.edgegateway.connect.http.HttpSinkTask";
export const ALIAS_PREFIXES = ["flink.connector.http.", "http."] as const;
export const HEADER_FAMILY = "sink.header.";

const CONNECTION = "Connection";
const BUFFERING = "Buffering";
const HEADERS = "Headers";
const ERRORS = "Errors and retries";
const SECURITY = "Security";

export const httpSinkConfig = new AliasedConfigDef(
  defineConfig({
    connector: key.string({
      doc: "Flink's connector identifier, accepted so a Flink table config ports unchanged: `http-sink` or unset (connector.class chooses the connector).",
      default: null,
      importance: "LOW",
      group: CONNECTION,
      recommended: ["http-sink"],
      validators: [check.oneOf(["http-sink"])],
    }),
    format: key.string({
      doc: "Flink's format of the request body, mapped to the value converter when the connector config sets no value.converter: `json` = the JSON of the record value (JsonConverter, schemas.enable=false); `raw` = the value's bytes as they are (ByteArrayConverter). Unset: the worker's value converter. An explicit value.converter wins (logged as a warning).",
      default: null,
      importance: "MEDIUM",
      group: CONNECTION,
      recommended: ["json", "raw"],
      validators: [check.oneOfIgnoreCase(["json", "raw"])],
    }),
    url: key.string({
      doc: "The endpoint URL, http or https. `${topic}`, `${partition}` and `${key}` in its path, query or fragment (never its host, port or user info: a record would choose where the credentials go) are replaced per record (URL-encoded; a string key is its text, a bytes key its unpadded base64url, a number or boolean key its text (`42`, `2.0`, `true`), another key what the key converter writes, base64url when not UTF-8); records are only batched together when their URL is the same. A record whose values would make a path segment `.`, `..` or empty, or the URL invalid, is a data error (errors.tolerance). Given through a config provider (wholly or in part: a webhook URL whose path is its secret), it is shown in logs, status traces, errors and dead letter queue headers as its origin followed by `/…`, path and query hidden.",
      importance: "HIGH",
      group: CONNECTION,
      width: "LONG",
      validators: [checks.httpUrl],
      showProvided: originOnly,
    }),
    "insert-method": key.string({
      doc: "The HTTP method of the requests: POST or PUT.",
      default: "POST",
      importance: "HIGH",
      group: CONNECTION,
      recommended: ["POST", "PUT"],
      validators: [check.oneOfIgnoreCase(["POST", "PUT"])],
    }),
    "behavior.on.null.values": key.string({
      doc: "What a record with a null value (a tombstone) does: `ignore` = not sent, its offset committed (as Flink's pipeline, whose Kafka source formats drop null messages; the name and `ignore` default are those of Confluent's HTTP sink); `send` = sent as `null` in a batch and as an empty body in single mode (releases before this key); `delete` = a DELETE request of its own to the record's URL, without body (needs `${key}` in url, not in its fragment, which is never sent, or sink.forward.key.header; a tombstone with a null or empty key is a data error); `fail` = a data error, handled by errors.tolerance (dead letter queue, or task failure).",
      default: "ignore",
      importance: "MEDIUM",
      group: CONNECTION,
      recommended: ["ignore", "send", "delete", "fail"],
      validators: [check.oneOfIgnoreCase(["ignore", "send", "delete", "fail"])],
    }),
    "sink.writer.request.mode": key.string({
      doc: "batch: one request carries up to sink.request.batch.size records as a JSON array of their converted values (Content-Type application/json: JSON is UTF-8, so a StringConverter's text in another converter.encoding is re-encoded in UTF-8; application/octet-stream for the number and boolean converters); single: one request per record whose body is the converted value (Content-Type from the value converter). sink.header.Content-Type overrides.",
      default: "batch",
      importance: "HIGH",
      group: CONNECTION,
      recommended: ["batch", "single"],
      validators: [check.oneOfIgnoreCase(["batch", "single"])],
    }),
    "sink.request.batch.size": key.int({
      doc: "Batch mode: the most records in one request.",
      default: 500,
      importance: "MEDIUM",
      group: CONNECTION,
      validators: [check.atLeast(1)],
    }),
    "sink.request.timeout": key.long({
      doc: "Timeout of one HTTP request attempt in seconds: no response head by then is a failed attempt (retried); a 2xx whose body is still arriving then counts as delivered.",
      default: 30,
      importance: "MEDIUM",
      group: CONNECTION,
      validators: [check.atLeast(1)],
    }),
    "sink.writer.thread-pool.size": key.int({
      doc: "Requests one task sends concurrently, at most sink.requests.max-inflight (records of one partition are never in two requests at once, so they stay in order). Unset: sink.requests.max-inflight alone bounds them, as in Flink's writer, whose pool of 1 thread (the document's default) handles the answers while up to max-inflight requests are in flight.",
      default: null,
      importance: "MEDIUM",
      group: CONNECTION,
      validators: [check.between(1, 1024)],
    }),
    "sink.request-callback": key.string({
      doc: "slf4j-logger: each request and response is logged by the task's logger at DEBUG (method, URL, status, records, bytes, latency) and with bodies at TRACE, failures at WARN; none: failures only.",
      default: "slf4j-logger",
      importance: "LOW",
      group: CONNECTION,
      recommended: ["slf4j-logger", "none"],
      validators: [check.oneOf(["slf4j-logger", "none"])],
    }),
    "sink.batch.max-size": key.int({
      doc: "Buffered records that trigger a flush.",
      default: 500,
      importance: "MEDIUM",
      group: BUFFERING,
      validators: [check.atLeast(1)],
    }),
    "sink.flush-buffer.size": key.long({
      doc: "Buffered bytes (converted values) that trigger a flush; also the largest request body, unless one record is larger.",
      default: 5_242_880,
      importance: "MEDIUM",
      group: BUFFERING,
      validators: [check.atLeast(1)],
    }),
    "sink.flush-buffer.timeout": key.long({
      doc: "Milliseconds a record may wait in the buffer before it is flushed.",
      default: 5000,
      importance: "MEDIUM",
      group: BUFFERING,
      validators: [check.atLeast(0)],
    }),
    "sink.requests.max-inflight": key.int({
      doc: "The most requests in flight (including those waiting to be retried); further flushes wait. One task has at most one request per partition in flight, so it sends min(this, its partitions with records waiting) requests at once.",
      default: 50,
      importance: "MEDIUM",
      group: BUFFERING,
      validators: [check.atLeast(1)],
    }),
    "sink.requests.max-buffered": key.int({
      doc: "Records buffered or in flight at which the task pauses its partitions (backpressure); it resumes them at half.",
      default: 10_000,
      importance: "MEDIUM",
      group: BUFFERING,
      validators: [check.atLeast(1)],
    }),
    "sink.requests.max-buffered.bytes": key.long({
      doc: "Bytes the task holds at which it pauses its partitions, as sink.requests.max-buffered does for records; it resumes them once both are at half. Counted from put until a record is delivered or reported: its converted value (the body bytes), the record as consumed and converted (key, value, the JSON text a value holds; bytes shared with the body count once: a consumed JSON value passed through is the body) and about 512 bytes of objects per record, plus the body of each request in flight. An estimate of the task's own memory: the worker's consumer, HTTP client and runtime come on top of it.",
      default: 67_108_864,
      importance: "MEDIUM",
      group: BUFFERING,
      validators: [check.atLeast(1)],
    }),
    "sink.forward.key.header": key.string({
      doc: "When set, the name of the HTTP header carrying the record key: a string key as its text, a bytes key as unpadded base64url, a number or boolean key as its text (`42`, `2.0`, `true`), another key as the key converter writes it (a map as JSON; base64url when not UTF-8).",
      default: "",
      importance: "LOW",
      group: HEADERS,
    }),
    "sink.forward.headers": key.list({
      doc: "Kafka record headers forwarded as HTTP headers (values converted by the header converter, as text in the charset it writes; bytes that are not UTF-8 text, a ByteArrayConverter's, in unpadded base64url): a list of names, or * for all (with *, a header whose name cannot be an HTTP header name is not forwarded).",
      default: [],
      importance: "LOW",
      group: HEADERS,
    }),
    "sink.forward.headers.prefix": key.string({
      doc: "Prefix added to the names of forwarded Kafka headers.",
      default: "",
      importance: "LOW",
      group: HEADERS,
    }),
    "sink.cloudevents.binary": key.boolean({
      doc: "CloudEvents binary content mode: each request carries one record (as in single mode) with ce-specversion, ce-id, ce-source, ce-type and ce-time headers; a record's own ce_* Kafka headers (the CloudEvents Kafka binding) take precedence.",
      default: false,
      importance: "LOW",
      group: HEADERS,
    }),
    "sink.cloudevents.type": key.string({
      doc: "CloudEvents binary mode: ce-type when the record has no ce_type header.",
      default: "io.edgegateway.kafka.record",
      importance: "LOW",
      group: HEADERS,
    }),
    "sink.cloudevents.source": key.string({
      doc: "CloudEvents binary mode: ce-source when the record has no ce_source header; empty means /topics/<topic>/partitions/<partition>.",
      default: "",
      importance: "LOW",
      group: HEADERS,
    }),
    "sink.error.code": key.list({
      doc: "HTTP status codes that are errors: codes (404) and classes (4XX, 5XX); a list with no entry stands for 4XX,5XX, as in Flink's HTTP connector. Other statuses count as delivered, a 3xx the client does not follow (300, 304, 305, a redirect without Location) too; a 303 (See Other: the endpoint took the records) is never followed and counts as delivered without a WARN, also with 3XX listed: only 303 itself listed makes it an error (never retried; its records follow errors.tolerance). Such a 3xx (not the 303), or a status of 400 and above (in sink.error.code.exclude, or a 429 with 5XX alone), is a WARN once per status that names the entries making it an error (list it, or take it out of sink.error.code.exclude). A status outside 100..599 (a WAF's 999) is classified as a 500, as RFC 9110 says.",
      default: ["4XX", "5XX"],
      importance: "MEDIUM",
      group: ERRORS,
      validators: [checks.statusCodes],
    }),
    "sink.error.code.exclude": key.list({
      doc: "HTTP status codes (or classes) removed from sink.error.code: they count as delivered.",
      default: [],
      importance: "MEDIUM",
      group: ERRORS,
      validators: [checks.statusCodes],
    }),
    "sink.retry.max-attempts": key.int({
      doc: "Attempts per request for retriable failures (connect errors, timeouts, 408, 429, 5xx other than 501 and 505), the first included; -1 retries forever. A request that still fails fails the task (never errors.tolerance: the endpoint is at fault, not the records); a restart sends its records again.",
      default: 10,
      importance: "MEDIUM",
      group: ERRORS,
      validators: [checks.attempts],
    }),
    "sink.retry.backoff.initial.ms": key.long({
      doc: "Wait before the first retry, at least 1 (0 would retry a refused connection back to back; a stored 0 runs as 1); it doubles per attempt (with 20% jitter). A longer Retry-After header on 429 and 503 replaces it (up to sink.retry.after.max.ms). Unset, it is 100 or sink.retry.backoff.max.ms when that is smaller; set, not above sink.retry.backoff.max.ms when both are set.",
      default: 100,
      importance: "LOW",
      group: ERRORS,
      validators: [backoffMs],
      validationOnly: [backoffAtLeastOne],
    }),
    "sink.retry.backoff.max.ms": key.long({
      doc: "The longest computed wait between two attempts (a Retry-After is bounded by sink.retry.after.max.ms instead), at least 1 (a stored 0 runs as 1). Unset, it is 10000 or sink.retry.backoff.initial.ms when that is larger (a constant backoff); set, not below sink.retry.backoff.initial.ms when both are set.",
      default: 10_000,
      importance: "LOW",
      group: ERRORS,
      validators: [backoffMs],
      validationOnly: [backoffAtLeastOne],
    }),
    "sink.retry.after.max.ms": key.long({
      doc: "The longest Retry-After (429, 503; seconds or HTTP-date) honoured as the least wait before the next attempt: a longer one waits this long, so `Retry-After: 86400` does not idle a RUNNING task for a day. Never below sink.retry.backoff.max.ms (the earlier cap). Our key.",
      default: 60_000,
      importance: "LOW",
      group: ERRORS,
      validators: [check.atLeast(0)],
    }),
    "security.cert.server": key.list({
      doc: "PEM files of the CA or self-signed certificates trusted for https endpoints (comma-separated); default: the system trust store.",
      default: [],
      importance: "MEDIUM",
      group: SECURITY,
      validators: [checks.certificateFiles],
    }),
    "security.cert.client": key.string({
      doc: "PEM file of the client certificate for mTLS (with security.key.client).",
      default: null,
      importance: "MEDIUM",
      group: SECURITY,
      validators: [checks.certificateFile],
    }),
    "security.key.client": key.string({
      doc: "The client's private key for mTLS: PKCS8, PEM or DER; RSA, Ed25519 or EC on P-256, P-384 or P-521 (not RSA-PSS, Ed448 or another curve).",
      default: null,
      importance: "MEDIUM",
      group: SECURITY,
      validators: [checks.privateKeyFile],
    }),
    "security.cert.server.allowSelfSigned": key.boolean({
      doc: "Accept any server certificate without verification (logged as a warning at start). Not for production.",
      default: false,
      importance: "LOW",
      group: SECURITY,
    }),
    "use-raw-authorization-header": key.boolean({
      doc: "Send sink.header.Authorization as is; otherwise a value not starting with Basic is base64-encoded as Basic credentials.",
      default: false,
      importance: "LOW",
      group: SECURITY,
    }),
    "security.oidc.token.request": key.password({
      doc: "OIDC bearer authentication: the token request body (application/x-www-form-urlencoded), e.g. grant_type=client_credentials&client_id=…&client_secret=….",
      default: null,
      importance: "MEDIUM",
      group: SECURITY,
    }),
    "security.oidc.token.endpoint.url": key.string({
      doc: "OIDC bearer authentication: the token endpoint (http or https) the token request is posted to. Given through a config provider (wholly or in part), messages show it as its origin followed by `/…`, path and query hidden.",
      default: null,
      importance: "MEDIUM",
      group: SECURITY,
      showProvided: originOnly,
    }),
    "security.oidc.token.expiry.reduction": key.string({
      doc: "OIDC: a new token is requested once the current time is later than the token's expiry minus this duration (at most half the token's lifetime). The expiry comes from `expires_in`, else the JWT's `exp`; a lifetime under 1 s counts as none given, so with `expires_in: 0` a JWT's `exp` at least 1 s away still gives it, and a token with neither is kept until a 401. A Flink duration: a number of ms, or one with a unit (`1 s`, `500 ms`, `2 min`, `1 h`, `1500 µs`, `10 ns`).",
      default: "1 s",
      importance: "LOW",
      group: SECURITY,
      validators: [checks.duration],
    }),
  }),
  ALIAS_PREFIXES,
  { "use-raw-authorization-header": ["source.lookup.use-raw-authorization-header"] },
);

export type HttpSinkKeys = ReturnType<typeof httpSinkConfig.parse>;
