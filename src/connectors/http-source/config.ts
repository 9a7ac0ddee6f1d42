/**
 * The HTTP source connector's keys, declared once: validation, `GET /connector-plugins/HttpSource/config`,
 * `PUT …/config/validate` and docs/plugins are derived from here. Key names are those of the HTTP
 * Source Connector document, so its example configs work unchanged; keys it leaves open (timeouts,
 * cron time zone, OAuth2 client authentication, store types, …) follow the same naming.
 * Rules across keys are in config-rules.ts; the TLS keys are declared in tls-keys.ts, castorm's
 * timestamp parser keys in timestamp-keys.ts.
 */

import { jsonPathProblem } from "../../api/data/json-path-problem.ts";
import { backoffAtLeastOne, backoffMs } from "../../http/backoff-ceiling.ts";
import { originOnly } from "../../http/shown-url.ts";
import { check, defineConfig, key } from "../../plugin/config-def.ts";
import { nonNegative, positive, validTimezone, validUrl } from "./config-checks.ts";
import { recordTimestampKeys } from "./record-timestamp.ts";
import { timestampKeys } from "./timestamp-keys.ts";
import { tlsKeys } from "./tls-keys.ts";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
export const TIMER_TYPES = ["interval", "cron"] as const;
export const OFFSET_MODES = ["NONE", "TIMESTAMP", "CURSOR"] as const;
export const PAGINATION_TYPES = ["NONE", "OFFSET", "CURSOR", "LINK_HEADER"] as const;
export const AUTH_TYPES = ["NONE", "BASIC", "OAUTH2"] as const;
export const BEHAVIORS = ["fail", "log", "ignore"] as const;

const G = {
  request: "Request",
  schedule: "Schedule",
  response: "Response",
  offset: "Offset",
  pagination: "Pagination",
  auth: "Authentication",
  errors: "Errors and retries",
  rate: "Rate limits",
};

export const httpSourceConfig = defineConfig({
  "http.url": key.string({
    doc: "The URL to poll. `${offset}` is replaced by the current offset (URL-encoded). Given through a config provider (wholly or in part), it is shown in logs, status traces and errors as its origin followed by `/…`, path and query hidden.",
    importance: "HIGH",
    group: G.request,
    validators: [validUrl],
    showProvided: originOnly,
  }),
  "http.method": key.string({
    doc: "The HTTP method.",
    default: "GET",
    group: G.request,
    recommended: METHODS,
    validators: [check.oneOfIgnoreCase(METHODS)],
  }),
  "http.headers": key.string({
    doc: "Request headers as `Name: value, Name2: value2`. A comma starts a new header only when a `Name:` follows it (a name may start with a digit; its colon not starting `//`), and not between two `x:N` items, a digit right after their colon (a host:port, a time), unless the second names a credential header (Authorization, X-Api-Key…), so values may hold commas (`X-Links: https://a/x, https://b/y`, `X-Hosts: a:8080, b:8080`, `X-Window: 10:00, 12:00`) while `A:1, B:2` is two headers; a time list goes on only with another time (`X-Window: 10:00, X-Limit:100` is two headers), and in castorm's compact form (`X-Window:10:00,X-Limit:100`, no space after the header's colon nor the comma) a comma before a `Name:` always starts a header, as castorm's connector splits; `\\,` is a comma that never starts a header, sent as `,` (castorm's escape); a control character or one beyond U+00FF is refused. `${offset}` is replaced (characters a header cannot carry, such as CR/LF or non-ASCII, percent-encoded). Values of credential headers are never logged: Authorization, Cookie, any name holding token, secret, key, auth, passw, credential or session, and a name whose last word is pass, pwd, passwd, jwt, bearer, sessid, assertion, verifier or signature (X-Pwd, X-JWT-Assertion, X-Hub-Signature-256; not X-Passenger-Id nor X-JWT-Issuer). An Authorization header here (an API key, as `Authorization: Bearer ${secrets:api/token}`) needs http.auth.type=NONE: validation refuses it beside BASIC or OAUTH2, whose own header it would be combined with.",
    default: null,
    group: G.request,
  }),
  "http.request.body": key.string({
    doc: "The request body (POST, PUT, PATCH). `${offset}` is replaced by the offset's text as it is; in a JSON body (a JSON Content-Type in http.headers, or none and a JSON body) it is JSON-escaped inside a string and a JSON value outside one. A JSON object or array body goes with `Content-Type: application/json` unless http.headers sets a Content-Type.",
    default: null,
    group: G.request,
  }),
  "http.connect.timeout.ms": key.int({
    doc: "How long to wait for the response head: for the server to accept the connection and start answering (status and headers). Not only the TCP connect (Confluent's meaning): an API that takes longer to start its answer needs this as long as that.",
    default: 30000,
    group: G.request,
    validators: [positive],
  }),
  "http.request.timeout.ms": key.int({
    doc: "How long one request may take in all, the response body included.",
    default: 30000,
    group: G.request,
    validators: [positive],
  }),
  "kafka.topic": key.string({
    doc: "The topic records are written to.",
    importance: "HIGH",
    group: G.response,
    validators: [check.nonEmpty()],
  }),
  "http.response.format": key.string({
    doc: "The format of response bodies.",
    default: "JSON",
    group: G.response,
    recommended: ["JSON"],
    validators: [check.oneOfIgnoreCase(["JSON"])],
  }),
  "http.response.records.path": key.string({
    doc: "JSONPath to the records in the response: `$.data[*]` (each element of `data`), `$[*]` (each element of a top-level array), `$` (the whole response as one record). A path of one value (`$`, `$.data`) that finds JSON null makes no record, as castorm's connector. Filter `[?(…)]` and script `[(…)]` expressions are refused: no expression is evaluated.",
    default: "$",
    group: G.response,
    validators: [jsonPathProblem],
  }),
  "http.response.max.bytes": key.int({
    doc: "The largest response body, counted decompressed while it is read: past it the transfer is cancelled and behavior.on.error decides what follows (not retried).",
    default: 64 * 1024 * 1024,
    group: G.response,
    validators: [positive],
  }),
  "http.timer.type": key.string({
    doc: "`interval`: poll every `http.timer.interval.ms`; `cron`: poll on `http.timer.cron.expression`.",
    default: "interval",
    group: G.schedule,
    recommended: [...TIMER_TYPES],
    validators: [check.oneOfIgnoreCase(TIMER_TYPES)],
  }),
  "http.timer.interval.ms": key.long({
    doc: "Time between the starts of two polls. The first poll runs when the task starts; after a restart the next poll is due one interval after the last one recorded with the offset.",
    default: 60000,
    group: G.schedule,
    validators: [positive],
  }),
  "http.timer.cron.expression": key.string({
    doc: "Quartz cron expression with seconds (`0 */5 * * * ?` = every 5 minutes); `?`, `L`, `L-3` (the month's last day minus 3, as the whole day-of-month field), `W`, `#`, `0/5` steps and ranges that wrap around (`22-2` hours, `FRI-MON`) are accepted, weekdays 1-7 count from Sunday as in Quartz (`L` alone as the weekday is Saturday); as in Quartz, exactly one of day-of-month and day-of-week is `?`.",
    default: null,
    group: G.schedule,
  }),
  "http.timer.cron.timezone": key.string({
    doc: "Time zone of the cron expression (IANA name). Across a DST change, as in Quartz: a local time the zone skips does not fire that day, one it repeats fires once, at its second (standard-time) instant.",
    default: "UTC",
    group: G.schedule,
    validators: [validTimezone],
  }),
  "http.offset.mode": key.string({
    doc: "`NONE`: no offset. `TIMESTAMP`: the offset is the latest `http.offset.field` value seen (ISO-8601, without a zone read as UTC, or epoch), and records not newer than the offset are skipped, except, with http.record.key.field, those at the offset's own instant whose key was not delivered yet. `CURSOR`: the offset is what the next poll resumes after: the greatest `http.offset.field` value of the page when every record with the field gives a number (a JSON number or an integer string in canonical form, compared exactly) or every one a timestamp (read as with `TIMESTAMP`), never going back; otherwise (opaque cursors: UUIDs, tokens, a mix) the value of the page's last record in the order the records go to Kafka, which http.response.list.order.direction sets: set `ASC` or `DESC` explicitly when the API's timestamps do not follow its order. The offset is stored as the source offset once Kafka acknowledged the records.",
    default: "NONE",
    group: G.offset,
    recommended: [...OFFSET_MODES],
    validators: [check.oneOfIgnoreCase(OFFSET_MODES)],
  }),
  "http.record.key.field": key.string({
    doc: "The record field that identifies a record, also its Kafka record key, as a string: a string field's text, a number's value (`1.50` is `1.5`; one beyond a double, `1e999999`, its text as sent), an object's or array's compact JSON text with the members in the API's order and the numbers as spelled (strings re-escaped: `\\u00e9` is `é`); a boolean or null field gives no key; an object or array nested more than 1000 levels deep makes the page unreadable (behavior.on.error decides). The field: a name, a dotted path (`meta.id`) or a JSONPath (`$.meta.id`). With http.offset.mode=TIMESTAMP, the records delivered at the offset's own instant are remembered by this key, so those the API answers again are not repeated, even when their text changes, and one added at that instant is delivered. Unset: records have no key, and records at the offset's own instant are skipped.",
    default: null,
    group: G.offset,
  }),
  "http.offset.field": key.string({
    doc: "The record field holding the offset: a name, a dotted path (`meta.updated_at`) or a JSONPath (`$.meta.updated_at`).",
    default: null,
    group: G.offset,
  }),
  "http.initial.offset": key.string({
    doc: "The offset before the first record (what `${offset}` is until then). With http.offset.mode=NONE no position is kept: the offset a NONE task stores (marked `offset_mode` NONE) is only what it sent, so `${offset}` is http.initial.offset as configured when the task started, at every poll (an edit takes effect with the restart its config PUT makes), and a connector switched to TIMESTAMP or CURSOR starts from this one. But a stored offset without `offset_mode` (by an earlier version, or a PATCH without it) is a position: a NONE task that starts from one has it as `${offset}` at every poll instead, and once one of its polls has stored its offset with the mark, the next task start takes http.initial.offset. With http.offset.mode=TIMESTAMP, a timestamp (ISO-8601 such as `2024-01-01T00:00:00Z`, or epoch seconds or milliseconds): records not newer are skipped; validation refuses a text that names no instant.",
    default: "",
    group: G.offset,
  }),
  ...timestampKeys,
  ...recordTimestampKeys,
  "http.pagination.type": key.string({
    doc: '`NONE`, `OFFSET` (offset/limit query parameters), `CURSOR` (a cursor taken from each response) or `LINK_HEADER` (RFC 8288 `Link: <url>; rel="next"`, GitHub style; followed only to the origin of http.url, else the poll ends with a warning). All pages of one poll are fetched back to back; a page loop that does not advance stops with a warning.',
    default: "NONE",
    group: G.pagination,
    recommended: [...PAGINATION_TYPES],
    validators: [check.oneOfIgnoreCase(PAGINATION_TYPES)],
  }),
  "http.pagination.offset.param": key.string({
    doc: "OFFSET: the query parameter carrying the position.",
    default: "offset",
    group: G.pagination,
  }),
  "http.pagination.limit.param": key.string({
    doc: "OFFSET: the query parameter carrying the page size.",
    default: "limit",
    group: G.pagination,
  }),
  "http.pagination.limit.value": key.int({
    doc: "OFFSET: the page size. A page with fewer records (those http.response.records.path selects) is the last; validation refuses a records path that selects one record per response (`$`, `$.data`) with a limit above 1: no second page would be read.",
    default: 100,
    group: G.pagination,
    validators: [positive],
  }),
  "http.pagination.offset.initial": key.long({
    doc: "OFFSET: the position of the first page.",
    default: 0,
    group: G.pagination,
    validators: [nonNegative],
  }),
  "http.pagination.cursor.param": key.string({
    doc: "CURSOR: the query parameter carrying the cursor.",
    default: "cursor",
    group: G.pagination,
  }),
  "http.pagination.cursor.path": key.string({
    doc: "CURSOR: JSONPath to the next cursor in the response (a string or number). Pagination stops when it is missing, null, false or empty; an object or array there stops it with a warning.",
    default: null,
    group: G.pagination,
  }),
  "http.pagination.max.pages": key.int({
    doc: "The most pages one poll reads; when reached, the poll ends with a warning and the next poll starts at the first page; the records on the pages past the cap are not read in that poll. With CURSOR or LINK_HEADER pagination whose page tokens name a record and do not shift with new records, a TIMESTAMP offset and pages going back in time (a newest-first API) that have not reached the offset the poll started from, the poll is held at the next page instead: the offset stays there (the newest record delivered stored as next_offset, with the page to resume) and the next poll, an interval later, reads on from that page, until a page reaches the start offset or pagination ends; then the offset moves to the newest record delivered. Any failure of a held page (an expired cursor or link) ends the hold: the next poll starts from the first page. A held page showing records newer than the oldest the poll delivered (tokens that shift: a ?page=N link, a cursor naming a position) ends the hold, and the poll starts again from the first page as before; no poll of that task is held again until it restarts. OFFSET pagination is never held (its positions shift with every record arriving). With OFFSET pagination, a page that repeats the previous one (same body or same records) is not delivered again; a second such page in a row (an API that ignores the offset parameter) ends the poll with a warning, while after the first the poll reads on (exactly a page of new records arriving between two requests shifts a newest-first API's next page onto the one just read).",
    default: 10000,
    group: G.pagination,
    validators: [positive],
  }),
  "http.auth.type": key.string({
    doc: "`NONE`, `BASIC` (http.auth.user/password) or `OAUTH2` (client credentials).",
    default: "NONE",
    group: G.auth,
    recommended: [...AUTH_TYPES],
    validators: [check.oneOfIgnoreCase(AUTH_TYPES)],
  }),
  "http.auth.user": key.string({
    doc: "BASIC: the user name. Validation refuses one holding `:` (RFC 7617: the password starts at the first colon, so the server reads another user); a config stored before that rule starts with a WARN and sends it as it did.",
    default: null,
    group: G.auth,
  }),
  "http.auth.password": key.password({ doc: "BASIC: the password.", default: null, group: G.auth }),
  "http.oauth2.token.url": key.string({
    doc: "OAUTH2: the token endpoint. Given through a config provider (wholly or in part), messages show it as its origin followed by `/…`, path and query hidden.",
    default: null,
    group: G.auth,
  }),
  "http.oauth2.client.id": key.string({ doc: "OAUTH2: the client id.", default: null, group: G.auth }),
  "http.oauth2.client.secret": key.password({ doc: "OAUTH2: the client secret.", default: null, group: G.auth }),
  "http.oauth2.scope": key.string({ doc: "OAUTH2: the scope requested.", default: null, group: G.auth }),
  "http.oauth2.client.auth.mode": key.string({
    doc: "OAUTH2: `header` sends the client id and secret as HTTP Basic authentication (RFC 6749 §2.3.1: each form-encoded first, so a `:` in the id or a `+` or `%` in the secret reaches the token endpoint as it is), `body` as `client_id`/`client_secret` form fields (for a token endpoint that does not decode the Basic credentials).",
    default: "header",
    group: G.auth,
    recommended: ["header", "body"],
    validators: [check.oneOfIgnoreCase(["header", "body"])],
  }),
  "http.oauth2.token.expiry.margin.ms": key.long({
    doc: "OAUTH2: renew the token this long before it expires (expiry from `expires_in`, else the JWT's `exp`; neither giving a lifetime of 1 s or more, as `expires_in: 0`: kept until a 401). A 401 renews it once.",
    default: 30000,
    group: G.auth,
    validators: [nonNegative],
  }),
  "http.retry.max.attempts": key.int({
    doc: "Attempts per request, the first included, for connection and TLS failures, timeouts, 408, 429 and 5xx (not 501/505).",
    default: 5,
    group: G.errors,
    validators: [positive],
  }),
  "http.retry.backoff.ms": key.long({
    doc: "The first retry delay; it doubles per attempt, with jitter. A Retry-After header on 429 and 503 (seconds or HTTP-date), of the API or of the OAuth2 token endpoint, replaces it. Unset, it is 1000 or http.retry.backoff.max.ms when that is smaller. At least 1 (0 would retry a refused connection back to back; a stored 0 runs as 1).",
    default: 1000,
    group: G.errors,
    validators: [backoffMs],
    validationOnly: [backoffAtLeastOne],
  }),
  "http.retry.backoff.max.ms": key.long({
    doc: "The longest wait between two attempts, for the computed backoff and for a server's Retry-After alike. Unset, it is 60000 or http.retry.backoff.ms when that is larger (a constant backoff); set, it must not be smaller than http.retry.backoff.ms. At least 1 (a stored 0 runs as 1).",
    default: 60000,
    group: G.errors,
    validators: [backoffMs],
    validationOnly: [backoffAtLeastOne],
  }),
  "http.response.error.codes": key.list({
    doc: "The statuses that are errors (after retries), handled by behavior.on.error. Empty: every status of 400 and above. Another 408, 429 or 5xx is retried as an error is, then every scheduled poll retries its page, with a warning; other non-2xx statuses end the poll with a warning. A status outside 100..599 (a WAF's 999) is classified as a 500, as RFC 9110 says.",
    default: [],
    group: G.errors,
  }),
  "behavior.on.error": key.string({
    doc: "What an error status or an unreadable response does: `fail` stops the task (FAILED, with the status, URL and reason), `log` logs it and skips to the next poll, `ignore` skips silently. After a 401, 408, 429, 5xx, a 403 saying the rate limit is spent (http.rate.limit.header at 0, or a Retry-After; such a 429 or 403 is a wait even with `fail`), a response too large, an unreadable body or a redirect not followed (a loop, https → http) every scheduled poll retries the failed page; another 4xx ends the poll there as the end of pagination does (the offset moves to the one its delivered records reached). The poll's earlier pages are never delivered again. Unset: `fail` with errors.tolerance=none, else `log` (errors.log.enable=true) or `ignore`. Connection and TLS failures (and an unreachable OAuth2 token endpoint) that outlast the retries, and an OAuth2 token endpoint refusing the credentials (a 4xx) or answering without a usable token (a 2xx not JSON, without access_token or with one that is not printable ASCII, a body that does not decompress or is larger than http.response.max.bytes, a 3xx: token requests do not follow redirects), fail the task with `fail`; with `log` or `ignore` every scheduled poll retries the page (asking for a token again).",
    default: null,
    group: G.errors,
    recommended: [...BEHAVIORS],
    validators: [check.oneOfIgnoreCase(BEHAVIORS)],
  }),
  ...tlsKeys,
  "http.throttle.max.requests": key.int({
    doc: "At most this many requests per http.throttle.window.ms, across all tasks of the connector (retries and pages included; OAuth2 token requests are not counted). 0: no limit.",
    default: 0,
    group: G.rate,
    validators: [nonNegative],
  }),
  "http.throttle.window.ms": key.long({
    doc: "The window of http.throttle.max.requests.",
    default: 60000,
    group: G.rate,
    validators: [positive],
  }),
  "http.rate.limit.header": key.string({
    doc: "Response header with the requests remaining. At 0 (a number ≤ 0; another value is ignored) the next request waits for the reset, and a 429 or 403 that carries it (GitHub's 403) is retried by the next scheduled poll rather than taken as a refusal; another status that carries it follows behavior.on.error. The default is the de facto standard of GitHub and many APIs; empty: no rate-limit header is read. An HTTP header name (an RFC 9110 token: no space or colon), else refused by validation; a config stored before that rule starts with a WARN and reads no such header.",
    default: "X-RateLimit-Remaining",
    group: G.rate,
  }),
  "http.rate.limit.reset.header": key.string({
    doc: "Response header with the reset time: epoch seconds (GitHub's `X-RateLimit-Reset`), epoch milliseconds, or seconds from now when small. Without it (or empty) the wait is http.throttle.window.ms. An HTTP header name (an RFC 9110 token), as http.rate.limit.header.",
    default: "X-RateLimit-Reset",
    group: G.rate,
  }),
});

export type HttpSourceConfig = ReturnType<typeof httpSourceConfig.parse>;
