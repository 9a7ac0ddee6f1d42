/**
 * What the HTTP source does with an error response or an unreadable body (the document's table):
 * `fail` stops the task, `log` logs and continues with the next poll, `ignore` continues silently.
 * Unset, it follows the connector's `errors.*` keys as Connect users expect: errors.tolerance=none
 * fails, errors.tolerance=all logs (errors.log.enable=true) or ignores.
 */
import type { Config } from "../../api/connector.ts";
import { classifiedStatus } from "../../http/retry-policy.ts";
import { HIDDEN } from "../../util/logger.ts";
import { withoutEchoes } from "./echoed-secrets.ts";

const SNIPPET = 300;

export type Behavior = "fail" | "log" | "ignore";

export function errorBehavior(configured: string | null, config: Config): Behavior {
  if (configured) return configured.toLowerCase() as Behavior;
  if ((config["errors.tolerance"] ?? "none").trim().toLowerCase() !== "all") return "fail";
  return (config["errors.log.enable"] ?? "false").trim().toLowerCase() === "true" ? "log" : "ignore";
}

/**
 * `ok` for 2xx; `error` for a status in `codes` (empty: every status of 400 and above); `other`
 * for any other status (the poll ends with a warning). A status outside 100..599 is a 500 (classifiedStatus).
 */
export function errorStatus(status: number, codes: readonly string[]): "ok" | "error" | "other" {
  const s = classifiedStatus(status);
  if (s >= 200 && s < 300) return "ok";
  if (codes.length === 0) return s >= 400 ? "error" : "other";
  return codes.some((c) => Number(c) === s) ? "error" : "other";
}

/**
 * 408, 429 and 5xx: statuses that may pass by the next poll; and 401, credentials refused (a key
 * being rotated, an OAuth2 token renewed after a 401 that the API does not know yet), which says
 * nothing of the page.
 */
export function passingStatus(status: number): boolean {
  const s = classifiedStatus(status);
  return s === 401 || s === 408 || s === 429 || s >= 500;
}

/**
 * The start of an error response's body for the error message (whitespace folded, at most 300
 * characters), with `secrets` the request carried hidden (echoed-secrets.ts): before the
 * whitespace is folded, so a secret holding a tab, a line break or two spaces is found as echoed;
 * one that begins within the start is hidden whole, its marker not cut in two.
 */
export function bodySnippet(body: Uint8Array, secrets: readonly string[] = []): string {
  const longest = secrets.reduce((n, s) => Math.max(n, Buffer.byteLength(s)), 0);
  const raw = new TextDecoder().decode(body.subarray(0, SNIPPET + longest));
  const read = withoutEchoes(raw, secrets).replace(/\s+/g, " ");
  let end = Math.min(read.length, SNIPPET);
  for (let at = read.indexOf(HIDDEN); at >= 0 && at < end; at = read.indexOf(HIDDEN, at + 1))
    end = Math.max(end, at + HIDDEN.length);
  const text = read.slice(0, end).trim();
  return text === "" ? "(empty body)" : body.length > SNIPPET ? `${text}…` : text;
}
