/**
 * HttpIngestSource's keys, declared once: validation, the REST plugin description and
 * docs/plugins/source-….md come from here. `routeSettings` turns a parsed config into what the
 * request path needs (src/ingest/route-settings.ts).
 */

import { memberPathSegments } from "../../api/data/json-member-path.ts";
import { jsonPathProblem } from "../../api/data/json-path-problem.ts";
import { isHeaderName } from "../../http/header-value.ts";
import { ingestSecurityConfigDef } from "../../ingest/ingest-security.ts";
import { kafkaHeaderNameProblem } from "../../ingest/kafka-header-name.ts";
import type { IngestRouteSettings, KeySource, ValueFormat } from "../../ingest/route-settings.ts";
import { ingestSpoolConfigDef } from "../../ingest/spool/spool-config.ts";
import { check, defineConfig, key } from "../../plugin/config-def.ts";
import type { ConfigProblem } from "../../plugin/descriptor.ts";
import { invalidValue } from "../../util/invalid-value.ts";
import { quotedText } from "../../util/quoted-text.ts";
import { allowlistSource, isCredentialHeader } from "./credential-headers.ts";
import { ingestLimitsConfigDef } from "./limits-config.ts";

export const HTTP_INGEST_CONNECTOR = "io.edgegateway.connect.http.HttpIngestSourceConnector";
export const HTTP_INGEST_TASK = "io.edgegateway.connect.http.HttpIngestSourceTask";
/** Extra aliases beyond Connect's computed ones (HttpIngestSourceConnector, HttpIngestSource). */
export const HTTP_INGEST_ALIASES = ["HttpIngest"] as const;

const ROUTE = "Ingest route";
const KEYS = "Record keys and headers";

/** Paths the listener itself answers: an ingest.path may not take them. */
export const RESERVED_PATHS = ["/topics", "/v3", "/openapi.json", "/health", "/metrics"];

function pathError(path: string | null): string | undefined {
  if (path === null) return undefined;
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(path) || path.includes("//") || path.length < 2)
    return "Must be an absolute URL path such as /ingest/telemetry";
  // Requests are routed by their decoded path: a %XX escape here would never match one.
  if (path.includes("%")) return "Must not contain percent-encoding (%XX); give the path as it is decoded";
  if (path.endsWith("/")) return "Must not end with /";
  if (/\/\.\.?(\/|$)/.test(path)) return "Must not contain . or .. segments";
  for (const reserved of RESERVED_PATHS)
    if (path === reserved || path.startsWith(`${reserved}/`))
      return `${reserved} is reserved for the listener's own routes`;
  return undefined;
}

function keyValueList(sep: string, what: string) {
  return (entries: string[] | null): string | undefined => {
    for (const entry of entries ?? []) {
      const i = entry.indexOf(sep);
      if (sep === "=" ? i <= 0 : i === 0 || entry.trim() === "") return `Each entry must be ${what}; got '${entry}'`;
    }
    return undefined;
  };
}

export const httpIngestConfig = defineConfig({
  "ingest.path": key.string({
    doc: "The URL path devices POST records to on the ingest listener, e.g. /ingest/telemetry. Unique across ingest connectors.",
    importance: "HIGH",
    group: ROUTE,
    validators: [pathError],
  }),
  "kafka.topic": key.string({
    doc: "The Kafka topic records posted to ingest.path are written to.",
    importance: "HIGH",
    group: ROUTE,
    validators: [check.nonEmpty()],
  }),
  "ingest.mode": key.string({
    doc: "single: one record per request (a JSON document, or any other content type as raw bytes); batch: a JSON array or NDJSON (application/x-ndjson), one record per element; auto: a JSON array or NDJSON is a batch, anything else one record.",
    default: "auto",
    importance: "HIGH",
    group: ROUTE,
    validators: [check.oneOf(["single", "batch", "auto"])],
    recommended: ["single", "batch", "auto"],
  }),
  "ingest.rest.proxy.enable": key.boolean({
    doc: "Accept Confluent REST Proxy produce requests (v2 POST /topics/{topic}, v3 …/records and …/records:batch) for kafka.topic and ingest.rest.proxy.topics.",
    default: true,
    importance: "MEDIUM",
    group: ROUTE,
  }),
  "ingest.rest.proxy.topics": key.list({
    doc: "More topics REST Proxy produce requests may name through this connector, besides kafka.topic. A topic several ingest connectors accept (e.g. two with one kafka.topic) is served by the one naming it here (one connector may name a topic), else by none.",
    default: [],
    importance: "LOW",
    group: ROUTE,
  }),
  "ingest.key.source": key.string({
    doc: "Where each record's key comes from: none (null key: the default partitioner spreads records), header (the request header ingest.key.header), field (the JSONPath ingest.key.field in each JSON record).",
    default: "none",
    importance: "MEDIUM",
    group: KEYS,
    validators: [check.oneOf(["none", "header", "field"])],
    recommended: ["none", "header", "field"],
  }),
  "ingest.key.header": key.string({
    doc: 'The request header holding the record key (ingest.key.source=header). Sent twice, the key is both values joined with ", " (the listeners join repeated headers, as the Fetch API does).',
    default: "X-Kafka-Key",
    importance: "LOW",
    group: KEYS,
  }),
  "ingest.key.field": key.string({
    doc: 'JSONPath of the key inside each JSON record (ingest.key.source=field), e.g. $.deviceId or $.meta.id. A string there is the key; a number, object or array is the key as sent: its compact JSON with numbers as spelled (`3.0`, `1.50`, every digit of a long id), members in the order sent (integer-like names such as `"10"` included) and strings re-escaped (`"\\u00e9"` is `"é"`). With a JsonConverter key it is read as Jackson\'s LinkedHashMap under a transformation or a schemas.enable=true key envelope, so an object spelled `1.50` or `1.5` is there one key; a StringConverter or ByteArrayConverter key is the text, two keys for those two spellings. A record without it has a null key. Filter and script segments ([?(…)], [(…)]) are not evaluated and refused, as are unbalanced brackets.',
    default: null,
    importance: "LOW",
    group: KEYS,
  }),
  "ingest.headers.allowlist": key.list({
    doc: "HTTP request headers copied into every record as Kafka headers: Name, or Name:kafka-name to rename. Authorization, Proxy-Authorization and Cookie (the device's credentials) are refused and never copied.",
    default: [],
    importance: "MEDIUM",
    group: KEYS,
    validators: [keyValueList(":", "Name or Name:kafka-name")],
  }),
  "ingest.headers.static": key.list({
    doc: "Headers added to every record, as name=value entries; the name and the value are trimmed of white space at both ends (a value cannot begin or end with a space), as Kafka reads name:value maps. Validation refuses a name of only white space or with a control character, as for an allow-list rename.",
    default: [],
    importance: "LOW",
    group: KEYS,
    validators: [keyValueList("=", "name=value")],
  }),
  "ingest.headers.content.type": key.string({
    doc: "Header name for the request's Content-Type on JSON records; empty for none. Raw (non-JSON) bodies always carry their content type in this header (content-type when empty). Validation refuses a name of only white space or with a control character, as for an allow-list rename.",
    default: "",
    importance: "LOW",
    group: KEYS,
  }),
  "ingest.headers.receive.timestamp": key.string({
    doc: "Header name for the time the gateway received the request (ms since epoch, decimal text); empty for none. Validation refuses a name of only white space or with a control character, as for an allow-list rename.",
    default: "",
    importance: "LOW",
    group: KEYS,
  }),
})
  .concat(ingestLimitsConfigDef)
  .concat(ingestSecurityConfigDef)
  .concat(ingestSpoolConfigDef);

export type HttpIngestConfig = ReturnType<typeof httpIngestConfig.parse>;

const BYTE_ARRAY_CONVERTERS = [
  "org.apache.kafka.connect.converters.ByteArrayConverter",
  "ByteArrayConverter",
  "ByteArray",
];
const STRING_CONVERTERS = ["org.apache.kafka.connect.storage.StringConverter", "StringConverter", "String"];

/** How values (keys) reach the converter: raw for ByteArray/String converters, parsed JSON otherwise. */
export function valueFormatFor(valueConverter: string | undefined): ValueFormat {
  const cls = valueConverter?.trim() ?? "";
  if (BYTE_ARRAY_CONVERTERS.includes(cls)) return "bytes";
  if (STRING_CONVERTERS.includes(cls)) return "string";
  return "json";
}

/**
 * The lower-case names of the headers the gateway stamps on a route's records (identity,
 * content type, receive time, static and allow-listed ones): a client's own header of such a name
 * is dropped, so it cannot shadow the gateway's (Java's Headers.lastHeader would return it).
 */
function stampedHeaderNames(config: HttpIngestConfig): ReadonlySet<string> {
  const names = [
    config["ingest.identity.header"] ?? "",
    config["ingest.headers.content.type"] || "content-type",
    config["ingest.headers.receive.timestamp"],
    ...config["ingest.headers.static"].map((entry) => entry.slice(0, entry.indexOf("=")).trim()),
    ...config["ingest.headers.allowlist"].map((entry) => {
      const i = entry.indexOf(":");
      return (i < 0 ? entry : entry.slice(i + 1)).trim();
    }),
  ];
  return new Set(names.filter((n) => n !== "").map((n) => n.toLowerCase()));
}

export function routeSettings(
  config: HttpIngestConfig,
  valueConverter: string | undefined,
  keyConverter: string | undefined,
): IngestRouteSettings {
  const keyHeader = config["ingest.key.header"] ?? "X-Kafka-Key";
  // A name no request can carry (a stored config: headerNameProblems) is never read: Headers.get would throw.
  const keySource: KeySource =
    config["ingest.key.source"] === "header"
      ? isHeaderName(keyHeader)
        ? { source: "header", header: keyHeader.toLowerCase() }
        : { source: "none" }
      : config["ingest.key.source"] === "field"
        ? { source: "field", path: config["ingest.key.field"] ?? "$" }
        : { source: "none" };
  const topic = config["kafka.topic"];
  return {
    path: config["ingest.path"],
    topic,
    restProxyTopics: config["ingest.rest.proxy.enable"]
      ? [...new Set([topic, ...config["ingest.rest.proxy.topics"]])]
      : [],
    restProxyNamed: config["ingest.rest.proxy.enable"] ? config["ingest.rest.proxy.topics"] : [],
    mode: config["ingest.mode"] as IngestRouteSettings["mode"],
    valueFormat: valueFormatFor(valueConverter),
    keyFormat: valueFormatFor(keyConverter),
    key: keySource,
    headers: {
      allow: config["ingest.headers.allowlist"]
        .filter((entry) => isHeaderName(allowlistSource(entry)) && !isCredentialHeader(allowlistSource(entry)))
        .map((entry) => {
          const i = entry.indexOf(":");
          const from = allowlistSource(entry);
          return { from: from.toLowerCase(), to: i < 0 ? from : entry.slice(i + 1).trim() };
        }),
      // Name and value trimmed, as Kafka's CSV maps are read (Utils.parseCsvMap): `env = prod` is env=prod.
      static: config["ingest.headers.static"].map((entry) => {
        const i = entry.indexOf("=");
        return [entry.slice(0, i).trim(), entry.slice(i + 1).trim()] as const;
      }),
      contentType: config["ingest.headers.content.type"] || null,
      receivedAt: config["ingest.headers.receive.timestamp"] || null,
      stamped: stampedHeaderNames(config),
    },
    limits: {
      maxBodyBytes: config["ingest.max.body.bytes"],
      maxRecords: config["ingest.max.records"],
      maxRecordBytes: config["ingest.max.record.bytes"],
      maxJsonDepth: config["ingest.max.json.depth"],
      requestTimeoutMs: config["ingest.request.timeout.ms"],
      maxConcurrentRequests: config["ingest.max.concurrent.requests"],
      retryAfterSeconds: config["ingest.retry.after.seconds"],
      v3BatchMaxEntries: config["ingest.rest.proxy.batch.max.entries"],
      maxRecordHeaders: config["ingest.max.record.headers"],
      maxFutureTimestampMs: config["ingest.timestamp.max.future.ms"],
      streamMaxDurationMs: config["ingest.streaming.max.duration.ms"],
    },
    idempotencyWindowMs: config["ingest.idempotency.window.ms"],
  };
}

/**
 * Header names no request can carry (a space, a control character: routeSettings leaves them out,
 * so the header is never copied and the key never read), and Kafka header names no client could
 * look up (kafka-header-name.ts): allow-list renames, ingest.headers.static names,
 * ingest.headers.content.type and ingest.headers.receive.timestamp empty after trimming or with a
 * control character. Refused by validation,
 * only a WARN at start (`validationOnly`): a config stored before the rule still starts.
 */
export function headerNameProblems(parsed: HttpIngestConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const entry of parsed["ingest.headers.allowlist"]) {
    const i = entry.indexOf(":");
    const from = (i < 0 ? entry : entry.slice(0, i)).trim();
    if (!isHeaderName(from) || (i > 0 && kafkaHeaderNameProblem(entry.slice(i + 1)) !== undefined))
      problems.push({
        key: "ingest.headers.allowlist",
        message: `Each entry must be Name or Name:kafka-name, Name an HTTP header name and kafka-name not empty, without control characters; got ${quotedText(entry)}`,
      });
  }
  for (const entry of parsed["ingest.headers.static"]) {
    const i = entry.indexOf("=");
    // No name at all is the key's own validator's (keyValueList).
    if (i > 0 && kafkaHeaderNameProblem(entry.slice(0, i)) !== undefined)
      problems.push({
        key: "ingest.headers.static",
        message: `Each entry must be name=value, name not empty, without control characters; got the name ${quotedText(entry.slice(0, i))}`,
      });
  }
  for (const key of ["ingest.headers.content.type", "ingest.headers.receive.timestamp"] as const) {
    const name = parsed[key];
    const problem = name === "" ? undefined : kafkaHeaderNameProblem(name);
    if (problem !== undefined) problems.push({ key, message: invalidValue(key, name, `${problem} (empty for none)`) });
  }
  const keyHeader = parsed["ingest.key.header"];
  if (keyHeader !== null && !isHeaderName(keyHeader))
    problems.push({
      key: "ingest.key.header",
      message: `ingest.key.header must be an HTTP header name (letters, digits and !#$%&'*+-.^_\`|~); got ${quotedText(keyHeader)}`,
    });
  return problems;
}

/**
 * An `ingest.key.field` jsonpath-plus cannot read as written: a filter or script segment (never
 * evaluated: a record reaching it failed its whole request with 500) or unbalanced brackets (`$[`
 * was read as `$`, each whole record its own key). Refused by validation, only a WARN at start: a
 * stored config runs as before, except that a record reaching a filter gets a null key (json-path.ts).
 */
export function keyFieldPathProblems(parsed: HttpIngestConfig): ConfigProblem[] {
  const path = parsed["ingest.key.field"]?.trim();
  // A plain member path (quoted names may hold brackets or `?(`) is read directly (json-path.ts).
  if (parsed["ingest.key.source"] !== "field" || !path || memberPathSegments(path)) return [];
  // jsonpath-plus reads a path starting with a member name from the root (`deviceId` is
  // `$.deviceId`), as it always did; one starting with `.` or `[` matches nothing.
  const problem = /^[.[]/.test(path)
    ? "A JSONPath expression must start with $ or a member name"
    : jsonPathProblem(path.startsWith("$") ? path : `$.${path}`);
  if (problem === undefined) return [];
  const message = `Invalid value ${path} for configuration ingest.key.field: ${problem}`;
  // A stored filter no longer fails its requests with 500: a record reaching it gets a null key.
  const runsAs = problem.startsWith("Filter") ? "gives a record reaching its filter a null key" : undefined;
  return [{ key: "ingest.key.field", message, ...(runsAs && { runsAs }) }];
}
