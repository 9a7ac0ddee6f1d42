/**
 * castorm's kafka-connect-http keys this connector does not read, each with what does its job here.
 * A config carried over from castorm's connector (its connector.class changed) would otherwise run
 * with them ignored in silence, as Connect ignores any key a connector does not declare:
 * `http.response.list.pointer=/items` left the whole response one record, `http.request.params`
 * was never sent. HttpSourceConnector logs one WARN per such key at each start (the connector runs
 * as configured), and one for castorm's `${offset.…}` templates, which are sent as written here.
 * Names only: never a value. castorm's timestamp parser keys are this connector's own (timestamp-keys.ts), and so
 * are its http.response.record.timestamp.pointer and http.response.list.order.direction (record-timestamp.ts).
 */
import type { Config } from "../../api/connector.ts";

const CLASS_KEY = "a castorm class; this connector's behaviour is its own, set by its keys";
/** castorm polls sooner while its records are older than an interval; here pagination reads a backlog. */
const CATCHUP =
  "http.pagination.type: the pages of a poll are read back to back; without pagination a poll reads one response, and the next poll comes on the schedule (http.timer.interval.ms, or http.timer.cron.expression) whatever the records' age";

/** castorm's key → what does its job here. */
const CASTORM_KEYS: Record<string, string> = {
  "http.request.url": "http.url (with ${offset} for the offset)",
  "http.request.method": "http.method",
  "http.request.headers": "http.headers",
  "http.request.params": "query parameters written in http.url (?name=value&…)",
  "http.offset.initial": "http.initial.offset (the timestamp or cursor alone, not key=…, timestamp=…)",
  "http.response.list.pointer": "http.response.records.path (JSONPath: /items is $.items[*])",
  "http.response.record.pointer": "a transformation such as org.apache.kafka.connect.transforms.ExtractField$Value",
  "http.response.record.offset.pointer":
    "http.offset.mode with http.offset.field (timestamp=/updated: TIMESTAMP and updated; the records' Kafka timestamps too: http.response.record.timestamp.pointer=/updated) and http.record.key.field (key=/id)",
  "http.response.record.key.pointer": "http.record.key.field",
  "http.timer.interval.millis": "http.timer.interval.ms",
  "http.timer.catchup.interval.millis": CATCHUP,
  "http.throttler.interval.millis": "http.timer.interval.ms",
  "http.throttler.catchup.interval.millis": CATCHUP,
  "http.client.connection.timeout.millis": "http.connect.timeout.ms",
  "http.client.read.timeout.millis": "http.request.timeout.ms",
  "http.client.ttl.millis": "nothing: connections are kept alive by the HTTP client",
  "http.client.keystore": "http.ssl.keystore.location with http.ssl.enabled=true",
  "http.client.keystore.password": "http.ssl.keystore.password",
  "http.client.proxy.host": "the HTTP_PROXY/HTTPS_PROXY environment variables",
  "http.client.proxy.port": "the HTTP_PROXY/HTTPS_PROXY environment variables",
  "http.client.proxy.username": "the HTTP_PROXY/HTTPS_PROXY environment variables",
  "http.client.proxy.password": "the HTTP_PROXY/HTTPS_PROXY environment variables",
  "http.response.policy.codes.process": "http.response.error.codes (the statuses that are errors)",
  "http.response.policy.codes.skip": "http.response.error.codes and behavior.on.error=ignore",
  "http.client": CLASS_KEY,
  "http.auth": CLASS_KEY,
  "http.timer": CLASS_KEY,
  "http.request.factory": CLASS_KEY,
  "http.request.template.factory": CLASS_KEY,
  "http.response.parser": CLASS_KEY,
  "http.response.policy": CLASS_KEY,
  "http.response.policy.parser": CLASS_KEY,
  "http.response.record.parser": CLASS_KEY,
  "http.response.record.mapper": CLASS_KEY,
  "http.record.sorter": CLASS_KEY,
  "http.record.filter.factory": CLASS_KEY,
};

/** Whether `key` is one of castorm's keys, which castormKeyWarnings names. */
export function isCastormKey(key: string): boolean {
  return Object.hasOwn(CASTORM_KEYS, key);
}

/** castorm's freemarker templates of the offset (`${offset.timestamp}`, `${offset.key?…}`). */
const OFFSET_TEMPLATE = /\$\{offset[.?]/;

/** The warnings for `config`: castorm keys set (by name), and castorm templates in the request keys. */
export function castormKeyWarnings(config: Config): string[] {
  const out = Object.keys(config)
    .filter(isCastormKey)
    .map((k) => `${k} is a key of castorm's HTTP source connector, not read by this one: use ${CASTORM_KEYS[k]}`);
  const templated = ["http.url", "http.headers", "http.request.body"].filter((k) =>
    OFFSET_TEMPLATE.test(config[k] ?? ""),
  );
  if (templated.length > 0)
    out.push(
      `${templated.join(", ")} hold castorm's \${offset.…} template, which is sent as written: this connector replaces \${offset} alone, with the offset's text`,
    );
  return out;
}
