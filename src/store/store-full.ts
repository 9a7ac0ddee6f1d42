/**
 * SQLite's "database or disk is full" (SQLITE_FULL): the volume of data.dir has no room left (or
 * the file reached its page limit). Writes that the worker can go on without (statuses, an
 * Idempotency-Key, a spool delete) log it and retry; a REST request whose write failed says it in
 * words an operator acts on (`rest/error-mapping.ts`); startup refuses to run on it
 * (`database.ts`).
 */

/**
 * True for SQLITE_FULL, by its code (bun:sqlite's SQLiteError), on the error or one of its causes.
 * Never by its text: a REST error may echo what a client sent (a connector name), and a client must
 * not be able to raise the operator's "disk full" alarm.
 */
export function isStoreFull(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === "SQLITE_FULL") return true;
  }
  return false;
}

/**
 * SQLite's code (`SQLITE_IOERR_WRITE`, `SQLITE_READONLY`, …) of an error from the worker's state
 * store, on the error or one of its causes; undefined for any other error. By code, never by text.
 */
export function storeErrorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("SQLITE_")) return code;
  }
  return undefined;
}

/** What a REST request whose write failed on a full store answers (no value of the request in it). */
export const STORE_FULL_MESSAGE =
  "The worker's state store is full (SQLITE_FULL: database or disk is full), so the request could not be completed. Free space on the volume of data.dir and retry.";

/** SQLite codes of a volume that cannot be written or read (read-only, failing), by prefix. */
const VOLUME_FAILURES = ["SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN"];

/**
 * What a REST request answers when the worker's state store failed on its volume (a disk remounted
 * read-only after errors, a failing disk: SQLITE_IOERR_*, SQLITE_READONLY_*, SQLITE_CANTOPEN_*),
 * else undefined. SQLite's own text for the code only, never a value of the request.
 */
export function storeVolumeFailureMessage(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && VOLUME_FAILURES.some((p) => code === p || code.startsWith(`${p}_`)))
      return `The worker's state store in data.dir failed on its volume (${code}: ${e.message}), so the request could not be completed. The volume of data.dir may be read-only or failing: check it and retry.`;
  }
  return undefined;
}
