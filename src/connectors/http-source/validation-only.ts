/**
 * The HTTP source's validation-only rules (the descriptor's `validationOnly`): refused by
 * config/validate (and so by POST/PUT of a config), a WARN when a config stored before them
 * starts, which then runs as it did (src/runtime/stored-config-warnings.ts). Each finds a value the
 * task runs but not as its user meant: a cron expression Quartz refuses, a TIMESTAMP initial offset
 * that names no instant, OFFSET pagination that cannot pass its first page, an Authorization header
 * that http.auth.type sends too, a status code not in decimal digits, a Basic user name holding
 * `:`, a kafka.topic Kafka refuses as a topic name, a retry backoff of 0 (runs as 1 ms:
 * backoff-ceiling.ts), a rate-limit header key that is no header name (runs as unset). Used by index.ts.
 */

import { jsonPathProblem } from "../../api/data/json-path-problem.ts";
import { authorizationClash } from "../../http/authorization-clash.ts";
import { backoffFloorProblems, configuredBackoff } from "../../http/backoff-ceiling.ts";
import { basicUserProblem } from "../../http/basic-credentials.ts";
import { topicNameProblems } from "../../kafka/topic-name.ts";
import type { RawConfig } from "../../plugin/config-def.ts";
import type { ConfigProblem } from "../../plugin/descriptor.ts";
import { invalidValue } from "../../util/invalid-value.ts";
import { hasPlaceholder } from "../../util/placeholders.ts";
import { type HttpSourceConfig, httpSourceConfig } from "./config.ts";
import { isDefinitePath } from "./config-checks.ts";
import { BACKOFF_KEYS } from "./config-rules.ts";
import { isHeaderName, parseHeaders } from "./headers.ts";
import { quartzOnlyProblem } from "./quartz-cron.ts";
import { recordTimestampProblems } from "./record-timestamp.ts";
import { timestampKeyProblems } from "./timestamp-keys.ts";
import { instantReader, offsetRefusal, parserKeysForm } from "./timestamp-reader.ts";

const upper = (s: string | null | undefined) => (s ?? "").toUpperCase();

/** A cron expression croner runs but Quartz refuses (quartz-cron.ts, quartzOnlyProblem). */
function quartzCronProblems(raw: RawConfig): ConfigProblem[] {
  const c = httpSourceConfig.parse(raw);
  const expression = c["http.timer.cron.expression"];
  if (c["http.timer.type"].toLowerCase() !== "cron" || !expression) return [];
  const quartz = quartzOnlyProblem(expression);
  return quartz === undefined
    ? []
    : [{ key: "http.timer.cron.expression", message: `Invalid cron expression: ${quartz}` }];
}

/**
 * With http.offset.mode=TIMESTAMP, http.initial.offset must name an instant (ISO-8601 or epoch, or as the timestamp parser keys read it), as
 * the REST offsets API requires of a TIMESTAMP offset (validateAlteredOffsets). A text that names
 * none sorts before every timestamp, so a typo such as month 13 would silently deliver the API's
 * whole history.
 */
function initialOffsetProblems(raw: RawConfig): ConfigProblem[] {
  const c = httpSourceConfig.parse(raw);
  const initial = c["http.initial.offset"];
  if (upper(c["http.offset.mode"]) !== "TIMESTAMP" || initial.trim() === "") return [];
  const key = "http.initial.offset";
  if (instantReader(c)(initial) === null)
    return [
      {
        key,
        message: `${JSON.stringify(initial)} is not a timestamp (ISO-8601 such as 2024-01-01T00:00:00Z, or ${parserKeysForm(c) ?? "epoch seconds or milliseconds"}) as http.offset.mode=TIMESTAMP needs: every record would count as newer than it`,
      },
    ];
  const refused = offsetRefusal(c)(initial);
  return refused === undefined
    ? []
    : [
        {
          key,
          message: `${JSON.stringify(initial)} is no offset http.offset.mode=TIMESTAMP starts from: ${refused}`,
          // A stored config's task reads it as its records are read.
          runsAs: "runs from the instant records with it are read as",
        },
      ];
}

/**
 * OFFSET pagination: a page with fewer records than
 * http.pagination.limit.value is the last, so a records path that selects at most one record per
 * response (`$`, the default, or `$.data`: no `*`, `..`, union or slice) ends every poll after its
 * first page whenever the limit is above 1. Reported on the records path, naming the fix.
 */
function offsetPaginationProblems(raw: RawConfig): ConfigProblem[] {
  const c = httpSourceConfig.parse(raw);
  const path = c["http.response.records.path"];
  const limit = c["http.pagination.limit.value"];
  if (upper(c["http.pagination.type"]) !== "OFFSET" || limit <= 1 || jsonPathProblem(path) || !isDefinitePath(path))
    return [];
  return [
    {
      key: "http.response.records.path",
      message: `${path} selects at most one record per response, and with http.pagination.type=OFFSET a page with fewer records than http.pagination.limit.value (${limit}) is the last: no page after the first would be read. Select the records, e.g. $[*] or $.data[*]`,
    },
  ];
}

/**
 * An Authorization header in http.headers while http.auth.type (BASIC or OAUTH2) sends its own: the request would carry both as one combined value (`Bearer …, Basic …`),
 * which no server reads as either. Reported on http.headers.
 */
function authorizationHeaderProblems(raw: RawConfig): ConfigProblem[] {
  const c = httpSourceConfig.parse(raw);
  const auth = upper(c["http.auth.type"]);
  const headers = c["http.headers"];
  if (auth === "NONE" || !headers) return [];
  let names: string[];
  try {
    names = parseHeaders(headers).map(([name]) => name.toLowerCase());
  } catch {
    return []; // crossKeyErrors reports it
  }
  if (!names.includes("authorization")) return [];
  return [
    {
      key: "http.headers",
      message: authorizationClash(
        "http.headers",
        `http.auth.type=${auth}`,
        "the request would carry both as one combined value",
        "set http.auth.type=NONE",
      ),
    },
  ];
}

/**
 * http.response.error.codes written other than in decimal digits (`4e2`, `0x190`): the task reads
 * them as numbers (400), which a config stored before this rule relies on.
 */
function errorCodeTextProblems(raw: RawConfig): ConfigProblem[] {
  return httpSourceConfig
    .parse(raw)
    ["http.response.error.codes"].filter((text) => text.trim() !== "" && !/^\d+$/.test(text.trim()))
    .map((text) => ({ key: "http.response.error.codes", message: `${text} is not an HTTP status code (100-599)` }));
}

/**
 * An http.auth.user holding `:` with http.auth.type=BASIC (RFC 7617): the server reads the user up
 * to the first colon and the rest as part of the password. Sent as written all the same, as before
 * the rule (auth.ts). A config provider reference (`${secrets:api/username}`) is not judged.
 */
function basicUserProblems(raw: RawConfig): ConfigProblem[] {
  const c = httpSourceConfig.parse(raw);
  const user = c["http.auth.user"];
  if (upper(c["http.auth.type"]) !== "BASIC" || user === null || hasPlaceholder(user)) return [];
  if (basicUserProblem(user) === null) return [];
  const message =
    "Cannot contain ':' (RFC 7617: the password starts at the first colon, so the server would read another user)";
  return [{ key: "http.auth.user", message }];
}

const RATE_LIMIT_HEADER_KEYS = ["http.rate.limit.header", "http.rate.limit.reset.header"] as const;

/**
 * The rate-limit header keys name response headers: RFC 9110 tokens (empty: none is read). Another
 * text (`X Rate`, `X-Rate:`) names no header; fetch's Headers threw on it at every response, which
 * failed the page. A stored config starts with the key as unset (rate-limit.ts).
 */
function rateLimitHeaderProblems(c: HttpSourceConfig): ConfigProblem[] {
  return RATE_LIMIT_HEADER_KEYS.flatMap((key) => {
    const name = c[key];
    if (!name || isHeaderName(name)) return [];
    const reason =
      "Not an HTTP header name: an RFC 9110 token, of letters, digits and ! # $ % & ' * + - . ^ _ ` | ~ (no space or colon)";
    return [{ key, message: invalidValue(key, name, reason) }];
  });
}

/** Every validation-only rule (the descriptor's `validationOnly`). */
export function validationOnlyProblems(raw: RawConfig): ConfigProblem[] {
  const c = httpSourceConfig.parse(raw);
  return [
    ...quartzCronProblems(raw),
    ...initialOffsetProblems(raw),
    ...offsetPaginationProblems(raw),
    ...authorizationHeaderProblems(raw),
    ...errorCodeTextProblems(raw),
    ...basicUserProblems(raw),
    ...timestampKeyProblems(c),
    ...recordTimestampProblems(c),
    ...topicNameProblems("kafka.topic", [c["kafka.topic"]], { empty: false }),
    ...backoffFloorProblems(BACKOFF_KEYS, configuredBackoff(BACKOFF_KEYS, c, raw)),
    ...rateLimitHeaderProblems(c),
  ];
}
