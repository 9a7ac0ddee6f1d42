/**
 * The HTTP source's rules across keys (Connect's `Connector.validate`): what one key cannot check
 * alone, each reported on the key at fault, and the TLS material a parsed config asks for.
 */

import { jsonPathProblem } from "../../api/data/json-path-problem.ts";
import { ConfigError } from "../../errors.ts";
import { backoffCeilingProblem, configuredBackoff, runningBackoff } from "../../http/backoff-ceiling.ts";
import type { ClientTls } from "../../http/http-client.ts";
import { loadTlsMaterial } from "../../http/tls-material.ts";
import type { RawConfig } from "../../plugin/config-def.ts";
import type { ConfigProblem } from "../../plugin/descriptor.ts";
import { invalidValue } from "../../util/invalid-value.ts";
import { type HttpSourceConfig, httpSourceConfig } from "./config.ts";
import { cronProblem, validUrl } from "./config-checks.ts";
import { parseHeaders } from "./headers.ts";

const upper = (s: string | null | undefined) => (s ?? "").toUpperCase();

/**
 * Errors that involve more than one key, each on the key at fault (the parsed config is valid per
 * key). Reads the TLS stores when http.ssl.enabled, so a wrong password shows at validation.
 */
export function crossKeyErrors(c: HttpSourceConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const need = (keyName: keyof HttpSourceConfig, when: string) => {
    const value = c[keyName];
    if (value === null || value === undefined || (typeof value === "string" && value === ""))
      out.push({ key: keyName, message: `${keyName} is required when ${when}` });
  };
  if (c["http.timer.type"].toLowerCase() === "cron") {
    need("http.timer.cron.expression", "http.timer.type=cron");
    const expression = c["http.timer.cron.expression"];
    if (expression) {
      const problem = cronProblem(expression, c["http.timer.cron.timezone"]);
      if (problem) out.push({ key: "http.timer.cron.expression", message: problem });
    }
  }
  const auth = upper(c["http.auth.type"]);
  if (auth === "BASIC") need("http.auth.user", "http.auth.type=BASIC");
  if (auth === "OAUTH2") {
    need("http.oauth2.token.url", "http.auth.type=OAUTH2");
    need("http.oauth2.client.id", "http.auth.type=OAUTH2");
    const url = c["http.oauth2.token.url"];
    if (url && validUrl(url)) out.push({ key: "http.oauth2.token.url", message: validUrl(url)! });
  }
  const pagination = upper(c["http.pagination.type"]);
  if (pagination === "CURSOR") {
    need("http.pagination.cursor.path", "http.pagination.type=CURSOR");
    const path = c["http.pagination.cursor.path"];
    if (path) {
      const problem = jsonPathProblem(path);
      if (problem) out.push({ key: "http.pagination.cursor.path", message: problem });
    }
  }
  if (upper(c["http.offset.mode"]) !== "NONE")
    need("http.offset.field", `http.offset.mode=${upper(c["http.offset.mode"])}`);
  for (const fieldKey of ["http.offset.field", "http.record.key.field"] as const) {
    const field = c[fieldKey];
    const problem = field?.startsWith("$") ? jsonPathProblem(field) : undefined;
    if (problem) out.push({ key: fieldKey, message: problem });
  }
  for (const codeText of c["http.response.error.codes"]) {
    const code = Number(codeText);
    if (codeText.trim() === "")
      out.push({
        key: "http.response.error.codes",
        message: "An empty entry is not an HTTP status code (a stray comma?)",
      });
    else if (!Number.isInteger(code) || code < 100 || code > 599)
      out.push({ key: "http.response.error.codes", message: `${codeText} is not an HTTP status code (100-599)` });
  }
  // `c` is parseHttpSourceConfig's: an unset key already followed the other, so only both set can cross.
  const backoff = backoffCeilingProblem(BACKOFF_KEYS, {
    initialMs: c["http.retry.backoff.ms"],
    maxMs: c["http.retry.backoff.max.ms"],
    initialSet: true,
    maxSet: true,
  });
  if (backoff) out.push(backoff);
  if (c["http.request.body"] && upper(c["http.method"]) === "GET")
    out.push({ key: "http.request.body", message: "A GET request cannot carry a body; use POST, PUT or PATCH" });
  const headers = c["http.headers"];
  if (headers) {
    try {
      parseHeaders(headers);
    } catch (error) {
      out.push({ key: "http.headers", message: (error as Error).message });
    }
  }
  if (c["http.ssl.enabled"] && out.every((p) => !p.key.startsWith("http.ssl."))) {
    try {
      tlsMaterialOf(c);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const [k, messages] of error.errors)
        for (const message of messages) out.push({ key: k, message: invalidValue(k, shownValue(c, k), message) });
    }
  }
  return out;
}

/** A key's value as Connect's ConfigException shows it: a password as `[hidden]`, an unset key as null. */
function shownValue(c: HttpSourceConfig, k: string): unknown {
  const value = (c as Readonly<Record<string, unknown>>)[k];
  if (value === null || value === undefined || value === "") return null;
  return k.endsWith(".password") ? "[hidden]" : value;
}

/**
 * The config parsed per key (throws a ConfigError naming each invalid key), with the retry backoff
 * keys reconciled: an unset `http.retry.backoff.max.ms` follows a larger `http.retry.backoff.ms`
 * (the ceiling is then the backoff itself: a constant backoff), and an unset `http.retry.backoff.ms`
 * follows a smaller ceiling; only both set, a ceiling below the backoff is an error (crossKeyErrors).
 * A stored 0 runs as 1 ms (runningBackoff; validation refuses it: validation-only.ts).
 * "Unset" is the raw map without the key, so the defaults stay the declared ones.
 */
export function parseHttpSourceConfig(raw: RawConfig, providedKeys?: ReadonlySet<string>): HttpSourceConfig {
  const c = httpSourceConfig.parse(raw, providedKeys);
  const { initialMs, maxMs } = runningBackoff(configuredBackoff(BACKOFF_KEYS, c, raw));
  return { ...c, "http.retry.backoff.ms": initialMs, "http.retry.backoff.max.ms": maxMs };
}

export const BACKOFF_KEYS = { initial: "http.retry.backoff.ms", max: "http.retry.backoff.max.ms" } as const;

/**
 * The config a connector or task starts with (checked per key and across keys), or a ConfigError
 * naming each key at fault. The validation-only rules (validation-only.ts) are not checked here.
 */
export function checkedConfig(config: RawConfig, providedKeys?: ReadonlySet<string>): HttpSourceConfig {
  const c = parseHttpSourceConfig(config, providedKeys);
  const problems = crossKeyErrors(c);
  if (problems.length > 0)
    throw new ConfigError(
      problems.map((p) => `${p.key}: ${p.message}`).join("; "),
      new Map(problems.map((p) => [p.key, [p.message]])),
    );
  return c;
}

/** The client TLS of a parsed config: the stores when http.ssl.enabled, else system CAs. */
export function tlsMaterialOf(c: HttpSourceConfig): ClientTls {
  const verify = c["http.ssl.verification.enabled"];
  if (!c["http.ssl.enabled"]) return { rejectUnauthorized: verify };
  return loadTlsMaterial({
    truststore: {
      location: c["http.ssl.truststore.location"],
      password: c["http.ssl.truststore.password"]?.value(),
      type: c["http.ssl.truststore.type"],
    },
    keystore: {
      location: c["http.ssl.keystore.location"],
      password: c["http.ssl.keystore.password"]?.value(),
      type: c["http.ssl.keystore.type"],
    },
    keyPassword: c["http.ssl.key.password"]?.value(),
    verify,
  });
}
