/**
 * The HTTP sink's validation-only rules (the descriptor's `validationOnly`): refused by
 * config/validate, a WARN when a config stored before them starts, which then runs as it did. A
 * forwarded header, a prefix or a key header name that cannot be an HTTP header name fails only the
 * requests that would carry it; an OIDC token endpoint left empty with a token request turns OIDC
 * off; one that is not an http or https URL fails the token requests. A retry backoff of 0 (retried
 * back to back: an outage is a busy loop) runs as 1 ms (backoff-ceiling.ts), and a backoff ceiling set below a
 * first wait also set caps every wait as before (backoffCeilingProblem: an unset key follows the other,
 * the HTTP source's rule). One option set under two spellings (`sink.request.batch.size` and
 * `flink.connector.http.sink.request.batch.size`), or one header under two names that differ in case
 * only, with different values runs with the one AliasedConfigDef picks; a `sink.header.Authorization`
 * next to OIDC runs with OIDC's Bearer token in its place (authorization-clash.ts, the HTTP source's
 * rule). A problem on a key set under another spelling names the key as written. Used by index.ts.
 */

import { authorizationClash } from "../../http/authorization-clash.ts";
import { backoffCeilingProblem, backoffFloorProblems, configuredBackoff } from "../../http/backoff-ceiling.ts";
import { redactUrl } from "../../http/http-client.ts";
import type { RawConfig } from "../../plugin/config-def.ts";
import type { ConfigProblem } from "../../plugin/descriptor.ts";
import { invalidValue } from "../../util/invalid-value.ts";
import { HEADER_FAMILY, httpSinkConfig } from "./config.ts";
import { forwardedHeaderNames, headerName, headerNamePrefix, tokenEndpointUrl } from "./config-checks.ts";
import { BACKOFF_KEYS } from "./settings.ts";

const OIDC_PAIR = "OIDC needs both security.oidc.token.request and security.oidc.token.endpoint.url";

export function sinkValidationOnly(raw: RawConfig, providedKeys?: ReadonlySet<string>): ConfigProblem[] {
  const c = httpSinkConfig.parse(raw, providedKeys);
  const problems: ConfigProblem[] = [];
  const check = <T>(key: string, value: T, shown: string, validate: (value: T) => string | undefined) => {
    const reason = validate(value);
    if (reason !== undefined) problems.push({ key, message: invalidValue(key, shown, reason) });
  };
  const forwarded = c["sink.forward.headers"];
  check("sink.forward.key.header", c["sink.forward.key.header"], c["sink.forward.key.header"], headerName);
  check("sink.forward.headers", forwarded, `[${(forwarded ?? []).join(", ")}]`, forwardedHeaderNames);
  check(
    "sink.forward.headers.prefix",
    c["sink.forward.headers.prefix"],
    c["sink.forward.headers.prefix"],
    headerNamePrefix,
  );
  const tokenUrlKey = "security.oidc.token.endpoint.url";
  const tokenUrl = c[tokenUrlKey];
  // The message is also logged at start: one given through a config provider shows as the key's
  // showProvided says, a literal one with its user info and key-like query values hidden.
  const fromProvider = httpSinkConfig.isProvided(raw, tokenUrlKey, providedKeys);
  const shownTokenUrl = tokenUrl ?? "null";
  check(
    tokenUrlKey,
    tokenUrl,
    httpSinkConfig.providedShown(tokenUrlKey, shownTokenUrl, fromProvider) ?? redactUrl(shownTokenUrl),
    tokenEndpointUrl,
  );
  // An empty value is no value: OIDC is off unless both are given (crossKeyErrors refuses a missing one at start).
  const noRequest = (c["security.oidc.token.request"]?.value() ?? "") === "";
  if (noRequest !== ((tokenUrl ?? "") === "") && !problems.some((p) => p.key === "security.oidc.token.endpoint.url"))
    problems.push({
      key: noRequest ? "security.oidc.token.request" : "security.oidc.token.endpoint.url",
      message: OIDC_PAIR,
    });
  const configured = configuredBackoff(BACKOFF_KEYS, c, httpSinkConfig.canonical(raw));
  problems.push(...backoffFloorProblems(BACKOFF_KEYS, configured));
  // An unset key follows the other (the HTTP source's rule): only both set can cross.
  const backoff = backoffCeilingProblem(BACKOFF_KEYS, configured);
  if (backoff && !problems.some((p) => p.key === BACKOFF_KEYS.max)) problems.push(backoff);
  const oidc = !noRequest || (tokenUrl ?? "") !== "";
  const authorization = [...httpSinkConfig.family(raw, HEADER_FAMILY)].find(([name]) => isAuthorization(name));
  if (oidc && authorization) {
    const [request, endpoint] = ["security.oidc.token.request", "security.oidc.token.endpoint.url"].map((key) =>
      httpSinkConfig.asWritten(raw, key),
    );
    problems.push({
      key: authorization[1].key,
      message: authorizationClash(
        authorization[1].key,
        `OIDC (${request})`,
        "its Bearer token would replace this value",
        `remove ${request} and ${endpoint}`,
      ),
    });
  }
  return [
    ...httpSinkConfig.namingWrittenKeys(raw, problems),
    ...httpSinkConfig.conflicts(raw),
    ...httpSinkConfig.familyConflicts(raw, HEADER_FAMILY, "one header", (name) => name.toLowerCase()),
  ];
}

function isAuthorization(header: string): boolean {
  return header.toLowerCase() === "authorization";
}
