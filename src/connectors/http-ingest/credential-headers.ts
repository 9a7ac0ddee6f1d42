/**
 * Request headers that carry a device's credentials (Authorization, Proxy-Authorization, Cookie)
 * never reach a record: the route does not copy them even when `ingest.headers.allowlist` names
 * one, so no token or password lands in Kafka or the spool. Validation refuses such an entry; a
 * config stored before this rule is warned about at start (the descriptor's `validationOnly`). A
 * record carries the authenticated identity instead (`ingest.identity.header`).
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
  return parsed["ingest.headers.allowlist"]
    .map(allowlistSource)
    .filter(isCredentialHeader)
    .map((name) => ({
      key: "ingest.headers.allowlist",
      message: `${name} carries the device's credentials and is never copied into records; the authenticated identity is in ingest.identity.header`,
    }));
}
