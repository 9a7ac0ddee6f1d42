/**
 * Offset keys that do nothing under http.offset.mode=NONE (the default): http.offset.field is read
 * by TIMESTAMP and CURSOR only, and http.initial.offset then only fills a `${offset}` of the request.
 * A config setting them while leaving the mode out runs, every poll delivering every record again;
 * the task names them in a WARN at start (as ignoredTlsWarning does the TLS keys). Called by task.ts.
 */
import type { HttpSourceConfig } from "./config.ts";

const REQUEST_KEYS = ["http.url", "http.headers", "http.request.body"] as const;

/** The warning for offset keys `c` sets that have no effect, naming the keys only (never their values). */
export function inertOffsetKeysWarning(c: HttpSourceConfig): string | undefined {
  if (c["http.offset.mode"].trim().toUpperCase() !== "NONE") return undefined;
  const templated = REQUEST_KEYS.some((k) => (c[k] ?? "").includes("${offset}"));
  const inert = [
    ...(c["http.offset.field"] ? ["http.offset.field"] : []),
    ...(c["http.initial.offset"] !== "" && !templated ? ["http.initial.offset"] : []),
  ];
  if (inert.length === 0) return undefined;
  return `http.offset.mode is NONE: ${inert.join(", ")} ${inert.length === 1 ? "is" : "are"} ignored, no offset is kept and every poll delivers every record it reads again (set http.offset.mode=TIMESTAMP or CURSOR to poll from an offset)`;
}
