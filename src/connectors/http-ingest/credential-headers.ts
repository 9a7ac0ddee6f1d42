/**
 * Request headers that carry a device's credentials (Authorization, Proxy-Authorization, Cookie)
 * never reach a record: the route does not copy them even when `ingest.headers.allowlist` names
 * one, so no token or password lands in Kafka or the spool. Validation refuses such an entry, and
 * such an `ingest.key.header` (ingest.key.source=header); a config stored before this rule is
 * warned about at start (the descriptor's `validationOnly`). A stored key header keeps working, so
 * records keep their partitions, until the config is changed. A record carries the authenticated
 * identity instead (`ingest.identity.header`, `ingest.identity.key`).
 */
import type { ConfigProblem } from "../../plugin/descriptor.ts";
import type { HttpIngestConfig } from "./config.ts";

const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADERS.has(name.trim().toLowerCase());
}

/** The request header an allowlist entry (`Name` or `Name:kafka-name`) copies. */
export function allowlistSource(entry: string): string {
  const i = entry.indexOf(":");
  return (i < 0 ? entry : entry.slice(0, i)).trim();
}

export function credentialHeaderProblems(parsed: HttpIngestConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = parsed["ingest.headers.allowlist"]
    .map(allowlistSource)
    .filter(isCredentialHeader)
    .map((name) => ({
      key: "ingest.headers.allowlist",
      message: `${name} carries the device's credentials and is never copied into records; the authenticated identity is in ingest.identity.header`,
    }));
  const keyHeader = parsed["ingest.key.header"];
  if (parsed["ingest.key.source"] === "header" && keyHeader !== null && isCredentialHeader(keyHeader)) {
    problems.push({
      key: "ingest.key.header",
      message: `${keyHeader.trim()} carries the device's credentials: as the key it would be in every record; set ingest.identity.key=true to key records by the authenticated identity`,
    });
  }
  return problems;
}
